/** The 404s and 409s the routes share: a call, an agent or a flow named in the path that is not there. */
import type { ContactCenter } from "../../center/index.js";
import type { CallRegistry, CallSession } from "../calls.js";
import { ApiError } from "../errors.js";
import type { CatalogFlow, FlowCatalog } from "../flows.js";

export function requireCall(calls: CallRegistry, id: string): CallSession {
  const session = calls.get(id);
  if (!session) throw new ApiError(404, "CALL_NOT_FOUND", `no call with interaction id "${id}" (it may have ended long ago)`);
  return session;
}

export function requireAgent(center: ContactCenter, id: string): void {
  if (!center.agent(id)) {
    const known = center.listAgents().map((a) => a.id);
    throw new ApiError(404, "AGENT_NOT_FOUND", `no agent "${id}"${known.length ? ` (agents: ${known.join(", ")})` : ""}`);
  }
}

/** An agent a person may act as: known, and not played by the machine. */
export function requireHuman(center: ContactCenter, simulated: ReadonlySet<string>, id: string): void {
  requireAgent(center, id);
  if (simulated.has(id)) throw new ApiError(409, "SIMULATED_AGENT", `agent "${id}" is played by the machine; sign in as another agent`);
}

export function flowNotFound(flows: FlowCatalog, id: string): ApiError {
  return new ApiError(404, "FLOW_NOT_FOUND", `no flow "${id}" (flows: ${flows.list().map((f) => f.id).join(", ")})`);
}

export function requireFlow(flows: FlowCatalog, id: string): CatalogFlow {
  const flow = flows.list().find((f) => f.id === id);
  if (!flow) throw flowNotFound(flows, id);
  return flow;
}
