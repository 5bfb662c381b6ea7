/**
 * Record (`record`): records what the caller says, after a start tone when `playStartTone`, until
 * the caller presses `terminationSymbol`, stays silent `silenceTimeout` seconds, or
 * `maxRecordingTime` seconds pass. A recording leaves by `default` with `<name>.audioFileData`, a
 * FileInfo `{type, name, contentType, metaData}` as Cisco's Recording template shows it (what an
 * HTTP Request then uploads); a caller who says nothing leaves by `noInputTimeout`; anything else
 * that goes wrong by `undefinedErrors`.
 *
 * NO AUDIO IS RECORDED: ccflow's channels carry no caller audio. Speech is modelled by the keys the
 * caller presses: any keys (the termination symbol included) mean the caller spoke; silence means
 * they did not. The FileInfo names a file that is not stored; the contact's events say so.
 */
import { bool, num, str } from "./common.js";
import type { ActivityDef } from "../flow/types.js";
import type { ActivityContext, ActivityOutcome, CompiledActivitySpec } from "./types.js";

const record: CompiledActivitySpec = {
  type: "record",
  ports: () => ["default", "noInputTimeout", "undefinedErrors"],
  errorPorts: ["undefinedErrors"],
  loopLimit: 20,
  compile(def) {
    const silenceMs = Math.max(1, num(def, "silenceTimeout", 5)) * 1000;
    const maxMs = Math.max(1, num(def, "maxRecordingTime", 120)) * 1000;
    const symbol = str(def, "terminationSymbol");
    const startTone = bool(def, "playStartTone", false);
    const terminator = symbol === "#" || symbol === "*" ? symbol : undefined;
    return { run: (ctx) => recordOnce(ctx, def, { silenceMs, maxMs, symbol, startTone, terminator }) };
  },
};

interface RecordSettings {
  silenceMs: number;
  maxMs: number;
  symbol: string | undefined;
  startTone: boolean;
  terminator: "#" | "*" | undefined;
}

/** One call's recording, with the settings read when the flow was compiled. */
async function recordOnce(ctx: ActivityContext, def: ActivityDef, { silenceMs, maxMs, symbol, startTone, terminator }: RecordSettings): Promise<ActivityOutcome> {
  const started = ctx.clock.now();
  const got = await ctx.caller.collect({ signal: ctx.signal, minDigits: 0, maxDigits: 64, terminator, entryTimeoutMs: silenceMs, interDigitTimeoutMs: maxMs });
  const seconds = Math.round((ctx.clock.now() - started) / 1000);
  if (got.timedOut && got.digits === "" && !got.terminated) {
    ctx.emit({ type: "activity-result", kind: "recording", text: `recording: the caller said nothing for ${silenceMs / 1000} s`, data: { recorded: false, startTone } });
    return "noInputTimeout";
  }
  const file = { type: "FileInfo", name: `${ctx.interactionId}-${def.name}.wav`, contentType: "audio/wav", metaData: { codec: "PCMU", bitrate: "8000" } };
  ctx.output("audioFileData", file);
  ctx.emit({
    type: "activity-result",
    kind: "recording",
    text: `recorded ${seconds} s${got.terminated ? ` (ended with ${symbol})` : ""} as ${file.name} (no audio stored: ccflow carries no media)`,
    data: { recorded: true, seconds, endedBy: got.terminated ? "symbol" : "time", startTone, file },
  });
  return "default";
}

export default record;
