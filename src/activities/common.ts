/**
 * Property readers shared by activity handlers. Exports store numbers as numbers or strings
 * (`"2000"`, `3`), booleans as booleans or strings, and select fields several times over; these
 * helpers read the bare key and tolerate every form seen in real exports.
 */
import { ActivityError, type ActivityContext, type TemplateField } from "./types.js";
import type { ActivityDef, FlowDefinition } from "../flow/types.js";
import type { Prompt, PlayResult } from "../channels/types.js";
import type { CallEventInput } from "../engine/events.js";

export function num(def: ActivityDef, key: string, fallback: number): number {
  const v = def.properties[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}

export function bool(def: ActivityDef, key: string, fallback = false): boolean {
  const v = def.properties[key];
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v.trim().toLowerCase() === "true";
  return fallback;
}

export function str(def: ActivityDef, key: string): string | undefined {
  const v = def.properties[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function isTemplate(s: string | undefined): boolean {
  return !!s && (s.includes("{{") || s.includes("{%"));
}

/**
 * The text a property renders to when it holds no template markup (`{{`, `{%`, `{#`: the template
 * compiler's own test), so compile can read it once; undefined when it must be rendered per call.
 * An absent property renders to "".
 */
export function literalText(source: string | undefined): string | undefined {
  if (source === undefined) return "";
  return /\{[{%#]/.test(source) ? undefined : source;
}

export interface PromptSpec {
  kind: "tts" | "audio";
  value: string;
  field: string;
}

/** The prompts a play-message/menu/collect-digits activity plays, TTS or audio per its toggle. */
export function promptsOf(def: ActivityDef): PromptSpec[] {
  const p = def.properties;
  const tts = Array.isArray(p.promptsTts) ? p.promptsTts : [];
  const audio = Array.isArray(p.prompts) ? p.prompts : [];
  // `toggle` true means text-to-speech; some exports leave it unset and fill only one list.
  const useTts = p.toggle === true || (p.toggle !== false && tts.length > 0 && audio.length === 0);
  const list = useTts ? tts : audio;
  const field = useTts ? "promptsTts" : "prompts";
  const out: PromptSpec[] = [];
  list.forEach((entry: unknown, i: number) => {
    const value = typeof entry === "string" ? entry : entry && typeof entry === "object" ? (entry as Record<string, unknown>).value : undefined;
    if (typeof value !== "string" || value === "") return;
    const type = entry && typeof entry === "object" ? (entry as Record<string, unknown>).type : undefined;
    out.push({ kind: type === "tts" || (useTts && type !== "audioFile") ? "tts" : "audio", value, field: `${field}[${i}].value` });
  });
  return out;
}

export function promptTemplates(def: ActivityDef): TemplateField[] {
  return promptsOf(def).map((p) => ({ field: p.field, source: p.value }));
}

/** What a prompting activity plays, read once when its flow is compiled. */
export interface CompiledPrompts {
  prompts: CompiledPrompt[];
  voice: string | undefined;
}

/**
 * One prompt as compiled. A prompt whose text holds no template markup renders to itself for
 * every call, so the prompt handed to the channel and its event are made here, once (the engine
 * copies an activity's event before stamping it, and channels do not change the prompt).
 */
interface CompiledPrompt extends PromptSpec {
  fixed: { prompt: Prompt; event: CallEventInput } | undefined;
}

export function compilePrompts(def: ActivityDef): CompiledPrompts {
  const voice = str(def, "voiceLanguage");
  const prompts = promptsOf(def).map((p): CompiledPrompt => {
    const text = literalText(p.value);
    if (text === undefined) return { ...p, fixed: undefined };
    const prompt = p.kind === "tts" ? { text, voice } : { file: text };
    return { ...p, fixed: { prompt, event: { type: "prompt", ...prompt } } };
  });
  return { prompts, voice };
}

/**
 * Renders and plays compiled prompts in order. Resolves with a barge-in digit, if any.
 * Chained by hand rather than written as an async loop: most activities play one prompt, and
 * every call plays several, so the promises an async function adds are a measurable share; one
 * PromptRun per activity run holds what the closures per prompt held.
 */
export function playCompiledPrompts(ctx: ActivityContext, compiled: CompiledPrompts, interruptible: boolean): Promise<string | undefined>;
/**
 * The same for an activity that leaves by one port once its prompts are done (Play Message):
 * resolves with `finished` instead, without a `then` of its own per run.
 */
export function playCompiledPrompts(ctx: ActivityContext, compiled: CompiledPrompts, interruptible: boolean, finished: string): Promise<string>;
export function playCompiledPrompts(ctx: ActivityContext, compiled: CompiledPrompts, interruptible: boolean, finished?: string): Promise<string | undefined> {
  if (compiled.prompts.length === 0) return finished === undefined ? NO_DIGIT : Promise.resolve(finished);
  try {
    return new PromptRun(ctx, compiled, interruptible, finished).from(0);
  } catch (err) {
    // A template that fails to render rejects, as the async version did.
    return Promise.reject(err);
  }
}

class PromptRun {
  /** The prompt playing now. */
  private i = 0;

  constructor(
    private readonly ctx: ActivityContext,
    private readonly compiled: CompiledPrompts,
    private readonly interruptible: boolean,
    /** What the run resolves with once played: the activity's outcome, or no digit. */
    private readonly finished: string | undefined,
  ) {}

  from(i: number): Promise<string | undefined> {
    this.i = i;
    const ctx = this.ctx;
    const p = this.compiled.prompts[i]!;
    let prompt: Prompt;
    let event: CallEventInput;
    if (p.fixed) {
      prompt = p.fixed.prompt;
      event = p.fixed.event;
    } else if (p.kind === "tts") {
      const text = ctx.render(p.value, p.field);
      prompt = { text, voice: this.compiled.voice };
      event = { type: "prompt", text, voice: this.compiled.voice };
    } else {
      const file = ctx.render(p.value, p.field);
      prompt = { file };
      event = { type: "prompt", file };
    }
    const check = prompt.file !== undefined ? ctx.env.checkPromptFile : undefined;
    if (!check) return this.play(prompt, event);
    return check(prompt.file!).then((problem) => (problem === undefined ? this.play(prompt, event) : this.unplayable(new Error(problem))));
  }

  private play(prompt: Prompt, event: CallEventInput): Promise<string | undefined> {
    const ctx = this.ctx;
    ctx.emit(event);
    return ctx.caller.play(prompt, { signal: ctx.signal, interruptible: this.interruptible }).then(this.played, this.failed);
  }

  private readonly played = (result: PlayResult): string | undefined | Promise<string | undefined> => {
    // A barge-in stops the prompts; an activity with an outcome of its own leaves by it all the same.
    if (result.bargeIn) return this.finished ?? result.bargeIn;
    const next = this.i + 1;
    return next < this.compiled.prompts.length ? this.from(next) : this.finished;
  };

  private readonly failed = (err: unknown): never => this.unplayable(err);

  /**
   * A prompt the channel cannot play (a file missing from the prompts folder, TTS failing) is the
   * activity's error, for its error port; an abort (hang-up, answer) stays what it is.
   */
  private unplayable(err: unknown): never {
    const ctx = this.ctx;
    if (ctx.signal.aborted || err instanceof ActivityError) throw err;
    throw new ActivityError(`${ctx.activity.name}: the prompt could not be played: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const NO_DIGIT: Promise<string | undefined> = Promise.resolve(undefined);

/** Seconds → ms, for timeouts given in seconds (number or string) with a default. */
export function secondsProp(def: ActivityDef, key: string, fallbackSeconds: number): number {
  return Math.max(0, num(def, key, fallbackSeconds)) * 1000;
}

export function templatesOf(def: ActivityDef, keys: string[]): TemplateField[] {
  const out: TemplateField[] = [];
  for (const k of keys) {
    const v = def.properties[k];
    if (typeof v === "string" && v !== "") out.push({ field: k, source: v });
  }
  return out;
}

/** Template values of a string map property (`queryParameters`, `httpRequestHeaders`). */
export function mapTemplates(def: ActivityDef, key: string): TemplateField[] {
  const m = def.properties[key];
  if (!m || typeof m !== "object" || Array.isArray(m)) return [];
  return Object.entries(m as Record<string, unknown>)
    .filter(([, v]) => typeof v === "string" && v !== "")
    .map(([k, v]) => ({ field: `${key}[${JSON.stringify(k)}]`, source: v as string }));
}

/** The environment script for a key: the first entry matching one of `wanted`, else the `*` entry. */
export function scriptFor<T>(list: readonly T[], key: (t: T) => string, wanted: string[]): T | undefined {
  for (const w of wanted) {
    const hit = list.find((t) => key(t) === w);
    if (hit) return hit;
  }
  return list.find((t) => key(t) === "*");
}

/**
 * The success port an activity leaves by: `out` where the export wired `out`, else `default`.
 * Exports from the designer wire `default`; flows built through the FlowIR API wire `out`.
 */
export function successPortOf(def: ActivityDef, flow: FlowDefinition): "out" | "default" {
  return wiredPort(def, flow, "out") ? "out" : "default";
}

/** Whether the flow links `port` of `def` to something. */
export function wiredPort(def: ActivityDef, flow: FlowDefinition, port: string): boolean {
  return !!(flow.main.next.get(def.id)?.has(port) || flow.events.next.get(def.id)?.has(port));
}
