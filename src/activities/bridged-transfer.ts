/**
 * Bridged Transfer (`bridged-transfer`): calls `transfertodn` (literal or template) and bridges the
 * caller to it while the flow keeps control; when the bridged call ends the caller is back in the
 * flow by `default`. No answer within `timeout` seconds, a refused call or a number that cannot be
 * dialled leaves by `failure`, with `<name>.FailureCode`.
 *
 * ccflow places no outbound call: the far end is what the environment's
 * `activities.bridgedTransfers` says for the number (or `*`). With no entry the far end never
 * answers, so the transfer fails after its timeout — the flow's failure path is what runs.
 */
import { literalText, num, scriptFor, str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { ActivityDef } from "../flow/types.js";
import type { ActivityContext, ActivityOutcome, CompiledActivitySpec } from "./types.js";

const DIALLABLE = /^\+?[0-9*#,]+$/;

/** Ring time when the export has no `timeout` (ccflow's choice; the templates all set one). */
const DEFAULT_TIMEOUT_SECONDS = 10;

const bridgedTransfer: CompiledActivitySpec = {
  type: "bridged-transfer",
  ports: () => ["default", "failure"],
  errorPorts: ["failure"],
  loopLimit: 10,
  templates(def) {
    const d = str(def, "transfertodn");
    return d ? [{ field: "transfertodn", source: d }] : [];
  },
  validate(def, report) {
    if (!str(def, "transfertodn")) report({ severity: "error", code: "missing-property", message: `Bridged Transfer "${def.name}" has no number to transfer to`, path: "transfertodn" });
  },
  compile(def, flow) {
    const source = str(def, "transfertodn");
    const fixed = literalText(source)?.trim();
    if (fixed !== undefined && !DIALLABLE.test(fixed)) flow.report(new PropertyError(def.name, "transfertodn", `${JSON.stringify(fixed)} is not a number that can be dialled`, "failure"));
    const timeoutSeconds = Math.max(0, num(def, "timeout", DEFAULT_TIMEOUT_SECONDS));
    return { run: (ctx) => bridge(ctx, def, fixed, source, timeoutSeconds) };
  },
};

/** One call's transfer to the number (`fixed`, or `source` rendered), played out as the environment scripts the far end. */
async function bridge(ctx: ActivityContext, def: ActivityDef, fixed: string | undefined, source: string | undefined, timeoutSeconds: number): Promise<ActivityOutcome> {
  const destination = fixed ?? ctx.render(source, "transfertodn").trim();
  const fail = (code: string, why: string, data: Record<string, unknown>): never => {
    ctx.output("FailureCode", code);
    ctx.emit({ type: "activity-result", kind: "bridged-transfer", text: `bridged transfer to ${destination || "(nothing)"} failed: ${why}`, data: { destination, outcome: "failed", code, ...data } });
    throw new ActivityError(`${def.name}: bridged transfer to ${JSON.stringify(destination)} failed: ${why}`, "failure");
  };
  if (!DIALLABLE.test(destination)) fail("INVALID_DESTINATION", "not a number that can be dialled", {});

  await ctx.preDial?.({ operation: "TRANSFER_TO_DN", participant: "DN", dialNumber: destination });
  const script = scriptFor(ctx.env.scripts?.bridgedTransfers ?? [], (s) => s.number, [destination]);
  if (!script) {
    await ctx.clock.sleep(timeoutSeconds * 1000, ctx.signal);
    fail("NO_ANSWER", `no answer within ${timeoutSeconds} s (ccflow places no outbound call; script the far end in activities.bridgedTransfers)`, { ringSeconds: timeoutSeconds });
  }
  const ring = Math.min(script!.ringSeconds, timeoutSeconds);
  await ctx.clock.sleep(ring * 1000, ctx.signal);
  if (script!.outcome === "failed") fail("REJECTED", `the far end refused the call after ${ring} s`, { ringSeconds: ring });
  if (script!.ringSeconds > timeoutSeconds) fail("NO_ANSWER", `no answer within ${timeoutSeconds} s`, { ringSeconds: ring });

  ctx.emit({ type: "activity-result", kind: "bridged-transfer", text: `bridged to ${destination}; the far end answered after ${ring} s`, data: { destination, outcome: "answered", ringSeconds: ring, talkSeconds: script!.talkSeconds } });
  await ctx.clock.sleep(script!.talkSeconds * 1000, ctx.signal);
  ctx.emit({ type: "activity-result", kind: "bridged-transfer", text: `bridged call to ${destination} ended after ${script!.talkSeconds} s; the caller is back in the flow`, data: { destination, outcome: "returned", talkSeconds: script!.talkSeconds } });
  return "default";
}

export default bridgedTransfer;
