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

export class TranscriptPrinter {
  private start?: number;

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: { steps?: boolean } = {},
  ) {}

  print(e: CallEvent): void {
    this.start ??= e.at;
    const t = dim(`${((e.at - this.start) / 1000).toFixed(1).padStart(6)}s`);
    // Event flows are named as people know them (AgentAnswered, not AgentContactAssigned).
    const flowName = e.flow && e.flow !== "main" ? (findEvent(e.flow)?.ui ?? e.flow) : undefined;
    const who = flowName && e.type !== "event" ? `${dim(`[${flowName}]`)} ${e.activity ?? ""}` : (e.activity ?? "");
    const col = who ? `${bold(who)}  ` : "";
    const line = (text: string) => this.write(`${t}  ${col}${text}`);
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
        line(`callback registered for ${e.number}`);
        break;
      case "media-stream":
        line(`media stream to ${e.destinationName ? `${e.destinationName} (${e.destination})` : e.destination || "the org's default destination"} ${dim("(not streamed: ccflow carries no media)")}`);
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
