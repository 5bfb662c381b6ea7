/**
 * What a cluster node does when another asks it to act on a call that runs here
 * (cluster-calls.ts): the same code as the routes, keyed by the kind of request.
 */
import type { CenterReplicator } from "../center/cluster/center-replicator.js";
import type { ContactCenter } from "../center/index.js";
import type { AgentDesk } from "./agent-desk.js";
import type { CallControls } from "./call-controls.js";
import type { CallRegistry } from "./calls.js";
import { serveForwardedCalls, type ForwardedHandlers } from "./cluster-calls.js";
import { CONTROL_ACTS, runControl, type ControlPath } from "./routes/call-controls.js";
import { callStateView, hangUp, pressDigits } from "./routes/calls.js";
import { requireCall } from "./routes/lookups.js";

export interface ForwardedParts {
  center: ContactCenter;
  desk: AgentDesk;
  calls: CallRegistry;
  controls?: CallControls;
}

export function answerOtherNodes(replicator: CenterReplicator, parts: ForwardedParts): void {
  const handlers: ForwardedHandlers = {
    "call/state": async ({ id }) => ({ status: 200, body: callStateView(parts.center, requireCall(parts.calls, String(id))) }),
    "call/digits": async ({ id, digits }) => ({ status: 202, body: pressDigits(requireCall(parts.calls, String(id)), String(digits)) }),
    "call/hangup": async ({ id }) => ({ status: 200, body: hangUp(requireCall(parts.calls, String(id))) }),
  };
  for (const path of Object.keys(CONTROL_ACTS) as ControlPath[]) {
    handlers[`agent/${path}`] = async ({ id, body }) => ({ status: 200, body: await runControl(parts, path, String(id), body) });
  }
  serveForwardedCalls(replicator, handlers);
}
