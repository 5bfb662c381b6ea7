/**
 * A call's controls from any node of a cluster. A call's engine, channel and media live on the
 * node that took it; hold, transfer, consult, call-associated data, hang-up and keys act on them,
 * so a request for them that reaches another node (the agent's desktop is there, or a balancer
 * sent it there) is asked of the call's node through Redis (center/cluster/node-requests.ts), and
 * answered with what that node answered. A call's node that is gone answers 503 naming it.
 *
 * The routes call `remoteNode` first and `forward` when it names a node; the call's node runs the
 * same handlers through `serveForwardedCalls` (cluster-call-handlers.ts).
 */
import type { CenterReplicator } from "../center/cluster/center-replicator.js";
import { NodeUnreachableError, type NodeAnswer, type NodeRequest } from "../center/cluster/node-requests.js";
import type { ContactCenter } from "../center/index.js";
import type { AgentDesk } from "./agent-desk.js";
import type { CallRegistry } from "./calls.js";
import { ApiError, toErrorResponse, type ErrorBody } from "./errors.js";

/** What a 503 of a route that can be forwarded also means (the OpenAPI's words). */
export const CALL_NODE_UNREACHABLE_TEXT = "CALL_NODE_UNREACHABLE: on a cluster node, the call runs on another node that is gone or did not answer (the message names it)";

export interface CallForwarding {
  /** The other node the call runs on; undefined when it runs here (or is no contact of the center). */
  remoteNode(interactionId: string | undefined): string | undefined;
  /** Has that node handle the request; resolves with its 2xx answer, throws an ApiError with any other. */
  forward(node: string, request: NodeRequest): Promise<NodeAnswer>;
}

export function callForwarding(replicator: CenterReplicator, calls: CallRegistry): CallForwarding {
  return {
    remoteNode(interactionId) {
      if (interactionId === undefined || calls.get(interactionId)) return undefined;
      const node = replicator.callNode(interactionId);
      return node !== undefined && node !== replicator.nodeId ? node : undefined;
    },
    async forward(node, request) {
      let answer: NodeAnswer;
      try {
        answer = await replicator.ask(node, request);
      } catch (err) {
        if (err instanceof NodeUnreachableError) throw new ApiError(503, "CALL_NODE_UNREACHABLE", err.message);
        throw err;
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      const e = (answer.body as Partial<ErrorBody> | undefined)?.error;
      throw new ApiError(answer.status, e?.code ?? "INTERNAL", e?.message ?? `node ${node} answered ${answer.status}`);
    },
  };
}

/** What a node runs for the others: the handler of each kind of forwarded request. */
export type ForwardedHandlers = Record<string, (args: Record<string, unknown>) => Promise<{ status: number; body: unknown }>>;

/** Answers other nodes' requests with the handlers, errors turned into the API's error answers. */
export function serveForwardedCalls(replicator: CenterReplicator, handlers: ForwardedHandlers): void {
  replicator.serveRequests(async ({ kind, args }) => {
    const handler = handlers[kind];
    if (!handler) return { status: 400, body: { error: { code: "BAD_REQUEST", message: `node ${replicator.nodeId} does not handle "${kind.slice(0, 80)}" from other nodes` } } };
    try {
      return await handler(args);
    } catch (err) {
      const { status, body } = toErrorResponse(err);
      return { status, body };
    }
  });
}

/** The call an agent's controls act on: their consult's, or the one they handle or wrap up. */
export function agentCall(center: ContactCenter, desk: AgentDesk, agentId: string): string | undefined {
  return center.consultFor(agentId)?.interactionId ?? desk.currentInteraction(agentId);
}
