/**
 * A caller who follows a script: used by `ccflow call`, flow tests and benchmarks. Prompts take
 * time on the clock (roughly speaking speed for TTS, the given duration for music); each time the
 * flow asks for input the caller answers with the next scripted entry, or stays silent when the
 * script has none left (the activity then times out).
 */
import type { Clock } from "../time/clock.js";
import type { CallerChannel, CollectOptions, CollectResult, Prompt, PlayOptions, PlayResult } from "./types.js";

/** Speaking time per character of TTS text, ms (about 150 words a minute). */
const MS_PER_CHAR = 60;
/** Length assumed for an audio file whose real length is unknown, ms. */
const AUDIO_FILE_MS = 3000;

export interface ScriptedInput {
  /** Digits to press, terminator included if the caller presses one; `null` for silence. */
  digits: string | null;
  /** Seconds the caller waits before pressing the first digit. */
  afterSeconds?: number;
}

/**
 * Parses the CLI form of a script: `1` (one input), `1,1234#` (two inputs), `,1` (silence, then 1).
 * Without commas the string is one pool of digits consumed as the flow asks.
 */
export function parseDigitScript(script: string | undefined): { inputs: ScriptedInput[]; pooled: boolean } {
  if (script === undefined || script === "") return { inputs: [], pooled: false };
  if (!script.includes(",")) return { inputs: [{ digits: script }], pooled: true };
  return { inputs: script.split(",").map((d) => ({ digits: d === "" ? null : d })), pooled: false };
}

const played = (): PlayResult => ({});

export class ScriptedCaller implements CallerChannel {
  private readonly inputs: ScriptedInput[];
  private pool = "";
  private readonly pooled: boolean;
  hungUp = false;

  constructor(
    private readonly clock: Clock,
    script: ScriptedInput[] | string = [],
    private readonly timing: { msPerChar?: number; audioFileMs?: number } = {},
  ) {
    if (typeof script === "string") {
      const parsed = parseDigitScript(script);
      this.inputs = parsed.inputs;
      this.pooled = parsed.pooled;
      if (this.pooled) this.pool = parsed.inputs[0]?.digits ?? "";
    } else {
      this.inputs = [...script];
      this.pooled = false;
    }
  }

  play(prompt: Prompt, options: PlayOptions): Promise<PlayResult> {
    const ms = prompt.music
      ? (prompt.durationMs ?? 0)
      : prompt.text !== undefined
        ? prompt.text.length * (this.timing.msPerChar ?? MS_PER_CHAR)
        : (this.timing.audioFileMs ?? AUDIO_FILE_MS);
    if (ms <= 0) return Promise.resolve({});
    // A then on the sleep rather than an async method: one promise fewer per prompt.
    return this.clock.sleep(ms, options.signal).then(played);
  }

  async collect(options: CollectOptions): Promise<CollectResult> {
    const typed = options.initial ?? "";
    const next = this.nextInput(options);
    const waitMs = (next.afterSeconds ?? 0) * 1000;
    if (typed === "" && next.digits && waitMs >= options.entryTimeoutMs) {
      // The caller is slower than the entry timeout: this input times out, and what they press
      // lands on the next input, that much later.
      await this.clock.sleep(options.entryTimeoutMs, options.signal);
      this.inputs.unshift({ digits: next.digits, afterSeconds: (waitMs - options.entryTimeoutMs) / 1000 });
      return { digits: "", timedOut: true, terminated: false };
    }
    if (waitMs > 0) await this.clock.sleep(waitMs, options.signal);
    const digits = typed + (next.digits ?? "");
    if (digits === "") {
      await this.clock.sleep(options.entryTimeoutMs, options.signal);
      return { digits: "", timedOut: true, terminated: false };
    }
    let collected = "";
    for (const d of digits) {
      if (options.terminator && d === options.terminator) return { digits: collected, timedOut: false, terminated: true };
      collected += d;
      if (collected.length >= options.maxDigits) return { digits: collected, timedOut: false, terminated: false };
    }
    // The caller stopped pressing before max digits and without a terminator: inter-digit timeout.
    if (options.maxDigits > 1 && options.interDigitTimeoutMs > 0) await this.clock.sleep(options.interDigitTimeoutMs, options.signal);
    return { digits: collected, timedOut: false, terminated: false };
  }

  hangup(): void {
    this.hungUp = true;
  }

  private nextInput(options: CollectOptions): ScriptedInput {
    if (this.pooled) {
      // From a pool the caller presses exactly what this input takes: up to the terminator or max.
      let take = "";
      while (this.pool.length > 0) {
        const d = this.pool[0]!;
        this.pool = this.pool.slice(1);
        take += d;
        if ((options.terminator && d === options.terminator) || take.length >= options.maxDigits) break;
      }
      return { digits: take === "" ? null : take };
    }
    return this.inputs.shift() ?? { digits: null };
  }
}
