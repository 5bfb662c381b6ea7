/**
 * Many calls of one flow through the real runtime (connectors over loopback HTTP, the center, a
 * simulated agent), in lanes: each lane is one Runtime on its own VirtualClock taking calls one
 * after another. A VirtualClock stands still while a socket is in flight, so calls that share a
 * clock wait on each other's HTTP; separate lanes keep a slow CRM answer from stalling the rest.
 *
 * Each call is reduced to a CallSummary as its events stream by; the events themselves are only
 * scanned (for secrets) and dropped, so a soak run does not keep them.
 */
import { ScriptedCaller } from "../../../src/channels/scripted.js";
import type { ConnectorLogger } from "../../../src/connectors/redact.js";
import { VirtualClock } from "../../../src/time/clock.js";
import type { CallEvent } from "../../../src/engine/events.js";
import type { Environment } from "../../../src/environment/schema.js";
import type { FlowDefinition } from "../../../src/flow/types.js";
import { Runtime, type EmbeddedCrmBinding } from "../../../src/runtime/runtime.js";
import { withinRealTime } from "./hang-guard.js";
import type { SecretScanner } from "./secret-scan.js";

export interface CallPlan {
  index: number;
  ani: string;
  /** Digits script for the menu (`1`, `2`, `9`, or "" for silence). */
  digits: string;
  /** The caller hangs up this long (virtual ms) after the call starts. */
  hangupAfterMs?: number;
}

export interface CallSummary {
  plan: CallPlan;
  http: Array<{ activity?: string; status?: number; failure?: string; attempts?: number }>;
  queued?: { flow?: string; priority: number };
  answered: boolean;
  pops: string[];
  /** Prompts that depend on what the CRM said (greeting by name, case, unknown caller). */
  personal: string[];
  ended: string[];
  goodbye: boolean;
  /** Real ms from start to end. */
  realMs: number;
  /** Virtual ms from start to end. */
  virtualMs: number;
  stuck?: string;
}

export interface LaneOptions {
  flow: FlowDefinition;
  environment: Environment;
  crm: EmbeddedCrmBinding;
  scanner: SecretScanner;
  /** Real-time bound per call before it counts as stuck. */
  stuckAfterMs: number;
  onCallStart?: () => void;
  onCall: (summary: CallSummary) => void;
}

const PERSONAL = /Hello |could not find|trouble reaching|could not reach/;

function scanningLogger(scanner: SecretScanner): ConnectorLogger {
  const write = (obj: object, msg?: string) => scanner.scan(`${JSON.stringify(obj)} ${msg ?? ""}`, "connector log");
  return { debug: write, info: write, warn: write };
}

/** Runs the plans in order on one Runtime and VirtualClock; returns the lane's clock. */
export async function runLane(plans: CallPlan[], options: LaneOptions): Promise<{ virtualMs: number; leftInCenter: number; pendingTimers: number }> {
  const clock = new VirtualClock();
  const started = clock.now();
  const runtime = new Runtime({
    environment: options.environment,
    flows: [options.flow],
    clock,
    crm: options.crm,
    simulatedAgentForEmptyQueues: true,
    connectorLogger: scanningLogger(options.scanner),
    log: (_level, message) => options.scanner.scan(message, "runtime log"),
  });
  try {
    for (const plan of plans) {
      options.onCallStart?.();
      options.onCall(await runCall(runtime, clock, plan, options));
    }
    const left = runtime.center.listQueues().reduce((n, q) => n + q.queuedNow + q.ringing.length + q.connected.length, 0);
    return { virtualMs: clock.now() - started, leftInCenter: left, pendingTimers: clock.pendingTimers() };
  } finally {
    await runtime.close();
  }
}

async function runCall(runtime: Runtime, clock: VirtualClock, plan: CallPlan, options: LaneOptions): Promise<CallSummary> {
  const summary: CallSummary = { plan, http: [], answered: false, pops: [], personal: [], ended: [], goodbye: false, realMs: 0, virtualMs: 0 };
  const v0 = clock.now();
  const t0 = performance.now();
  const listener = (e: CallEvent) => {
    options.scanner.scan(JSON.stringify(e), "call event");
    switch (e.type) {
      case "http":
        summary.http.push({ activity: e.activity, status: e.status, failure: e.failure, attempts: e.attempts });
        break;
      case "queued":
        summary.queued ??= { flow: e.flow, priority: e.priority };
        break;
      case "answered":
        summary.answered = true;
        break;
      case "screen-pop":
        summary.pops.push(e.url);
        break;
      case "prompt":
        if (e.text && PERSONAL.test(e.text)) summary.personal.push(e.text);
        if (e.text?.includes("Goodbye")) summary.goodbye = true;
        break;
      case "ended":
        summary.ended.push(e.reason);
        break;
    }
  };
  const call = runtime.startCall(options.flow, { ani: plan.ani, dnis: "+18005550100", channel: new ScriptedCaller(clock, plan.digits), listener });
  const hangupTimer = new AbortController();
  if (plan.hangupAfterMs !== undefined) {
    clock.sleep(plan.hangupAfterMs, hangupTimer.signal).then(
      () => call.hangup(),
      () => undefined,
    );
  }
  try {
    await withinRealTime(call.done, options.stuckAfterMs, `call ${plan.index} (${plan.ani})`);
  } catch (err) {
    summary.stuck = `${(err as Error).message}; state ${call.state}; http ${JSON.stringify(summary.http)}`;
    call.hangup();
    await withinRealTime(call.done, options.stuckAfterMs, "the hang-up of a stuck call").catch(() => undefined);
  } finally {
    hangupTimer.abort();
  }
  summary.realMs = performance.now() - t0;
  summary.virtualMs = clock.now() - v0;
  return summary;
}

/** Splits plans over lanes round-robin and runs the lanes at once. */
export async function runLanes(plans: CallPlan[], lanes: number, options: LaneOptions) {
  const perLane: CallPlan[][] = Array.from({ length: lanes }, () => []);
  plans.forEach((p, i) => perLane[i % lanes]!.push(p));
  return Promise.all(perLane.map((list) => runLane(list, options)));
}
