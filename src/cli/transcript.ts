/**
 * Renders a call's event stream as a readable transcript: one line per thing that happened,
 * with the time since the call started, the activity, and what it did.
 */
import type { CallEvent } from "../engine/events.js";
import { findEvent } from "../flow/event-names.js";
import { bold, cyan, dim, green, red, yellow } from "./format.js";

function clip(s: string, n = 160): string {
  const one = s.replace(/\s*\n\s*/g, " ");
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(clip(v, 80));
  if (v === null || v === undefined) return "null";
  return clip(typeof v === "object" ? JSON.stringify(v) : String(v), 80);
}

/** Longest run of lines (a loop's body) that folding recognises as repeating. */
const MAX_PERIOD = 6;

/**
 * Folds a loop's repeated lines: once a block of up to MAX_PERIOD lines has appeared twice in a
 * row, later repetitions are counted, not printed, and one line says how many there were
 * (`… ×9,900`). Lines are compared without their time.
 */
class LineFolder {
  private readonly keys: string[] = [];
  private period = 0;
  private held: Array<{ time: string; text: string }> = [];
  private lastTime = "";

  constructor(private readonly write: (line: string) => void) {}

  push(time: string, text: string): void {
    if (this.period > 0) {
      if (text === this.keys[this.keys.length - this.period]) {
        this.keys.push(text);
        this.held.push({ time, text });
        this.lastTime = time;
        this.trim();
        return;
      }
      this.flush();
    }
    this.keys.push(text);
    this.write(`${time}  ${text}`);
    for (let p = 1; p <= MAX_PERIOD && 2 * p <= this.keys.length; p++) {
      let same = true;
      for (let i = 1; i <= p && same; i++) same = this.keys[this.keys.length - i] === this.keys[this.keys.length - i - p];
      if (same) {
        this.period = p;
        break;
      }
    }
    this.trim();
  }

  /** Prints what folding held back: the count of whole repetitions, then any part-block left. */
  flush(): void {
    if (this.period === 0) return;
    const whole = Math.floor(this.held.length / this.period);
    const rest = this.held.slice(whole * this.period);
    if (whole > 0) {
      const what = this.period === 1 ? "the line above" : `the ${this.period} lines above`;
      const last = this.held[whole * this.period - 1]!.time;
      this.write(`${last}  … ×${whole.toLocaleString("en-US")} ${dim(`(${what}, repeated ${whole.toLocaleString("en-US")} more time${whole === 1 ? "" : "s"}${this.lastTime ? ` until ${last.trim()}` : ""})`)}`);
    }
    this.period = 0;
    this.held = [];
    this.keys.length = 0;
    for (const r of rest) this.push(r.time, r.text);
  }

  private trim(): void {
    if (this.keys.length > 4 * MAX_PERIOD) this.keys.splice(0, this.keys.length - 2 * MAX_PERIOD);
  }
}

export class TranscriptPrinter {
  private start?: number;
  private readonly folder?: LineFolder;

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: { steps?: boolean; fold?: boolean } = {},
  ) {
    if (options.fold) this.folder = new LineFolder(write);
  }

  /** Prints any repetitions folding still holds; call when the call has ended. */
  flush(): void {
    this.folder?.flush();
  }

  print(e: CallEvent): void {
    this.start ??= e.at;
    const t = dim(`${((e.at - this.start) / 1000).toFixed(1).padStart(6)}s`);
    // Event flows are named as people know them (AgentAnswered, not AgentContactAssigned).
    const flowName = e.flow && e.flow !== "main" ? (findEvent(e.flow)?.ui ?? e.flow) : undefined;
    const who = flowName && e.type !== "event" ? `${dim(`[${flowName}]`)} ${e.activity ?? ""}` : (e.activity ?? "");
    const col = who ? `${bold(who)}  ` : "";
    const line = (text: string) => (this.folder ? this.folder.push(t, `${col}${text}`) : this.write(`${t}  ${col}${text}`));
    switch (e.type) {
      case "step":
        if (this.options.steps) line(dim(`${e.activityType}${e.port ? ` → ${e.port}` : ""}`));
        else if (e.port && (e.activityType === "condition-activity" || e.activityType === "case-statement" || e.activityType === "business-hours" || e.activityType === "ivr-virtualassistantvoice" || e.activityType === "ivr-virtualassistant")) line(dim(`→ ${e.port}`));
        break;
      case "prompt":
        if (e.music) line(`♪ ${e.file ?? "music"}`);
        else if (e.text !== undefined) line(`says ${cyan(JSON.stringify(clip(e.text, 200)))}`);
        else line(`plays ${e.file}`);
        break;
      case "http": {
        const status = e.status === undefined ? red(e.failure ?? "failed") : e.status < 300 ? green(String(e.status)) : yellow(String(e.status));
        line(`${e.method} ${clip(e.url, 140)} → ${status} ${dim(`(${e.ms} ms${e.attempts && e.attempts > 1 ? `, ${e.attempts} attempts` : ""})`)}`);
        break;
      }
      case "variable":
        line(dim(`${e.name} = ${show(e.value)}`));
        break;
      case "input":
        line(e.outcome === "timeout" ? yellow("no input (timeout)") : `caller pressed ${bold(e.digits)}${e.outcome === "invalid" ? yellow(" (invalid)") : ""}`);
        break;
      case "queued":
        line(`queued in ${bold(e.queueName ?? e.queue)} at P${e.priority}`);
        break;
      case "offered":
        line(`offered to ${bold(e.agentName ?? e.agent)}`);
        break;
      case "requeued":
        line(yellow(`${e.reason === "rona" ? "not answered (RONA)" : "declined"} by ${e.agentName ?? e.agent}; back in queue`));
        break;
      case "answered":
        line(green(`answered by ${bold(e.agentName ?? e.agent)}`));
        break;
      case "screen-pop":
        line(`screen pop ${dim(`[${e.target}]`)} ${e.label ? `${JSON.stringify(e.label)} ` : ""}${e.url}`);
        break;
      case "transferred":
        line(`transferred to ${e.destination}`);
        break;
      case "callback":
        line(e.state === "failed" ? `callback to ${e.number} failed (${e.reason ?? "unknown"})` : `callback registered for ${e.number}`);
        break;
      case "media-stream":
        line(`media stream to ${e.destinationName ? `${e.destinationName} (${e.destination})` : e.destination || "the org's default destination"} ${dim("(not streamed: ccflow carries no media)")}`);
        break;
      case "activity-result":
        line(e.text);
        break;
      case "disconnected":
        line(`${e.by === "flow" ? "disconnected the call" : `${e.by} hung up`}`);
        break;
      case "error":
        line(red(`error: ${e.message}${e.handling === "global-error" ? " → OnGlobalError" : e.handling === "port" ? " → error port" : ""}`));
        break;
      case "event":
        line(dim(`▸ ${findEvent(e.name)?.ui ?? e.name} event flow`));
        break;
      case "ended":
        line(bold(`call ended: ${e.reason}`));
        break;
    }
  }
}
