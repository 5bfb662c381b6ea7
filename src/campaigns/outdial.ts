/**
 * An agent's outdial: the agent types a number on the desk; ccflow starts a contact on the
 * outdial flow, raises its PreDial (`OUTDIAL` / `Customer`) and, once that handler is done, calls
 * the number through the environment's dial plan. When the customer answers, the contact is
 * connected to the agent who dialled (offered to them alone and taken at once: they asked for
 * it); a busy number, no answer or a failure ends the contact with a reason the agent is told.
 *
 * While the call rings the agent is held Idle (reason `Outdial`), so no inbound contact is offered
 * to them meanwhile; an unanswered call gives them back the state they had.
 */
import type { ContactCenter } from "../center/index.js";
import type { DialResult, NotAnswered } from "./call-progress.js";
import type { OutboundContacts } from "./ports.js";

/** The agent's Idle reason while their outdial rings. */
export const OUTDIAL_REASON = "Outdial";

export class DiallerError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface OutdialRequest {
  number: string;
  /** The outdial ANI: shown to the customer; the entry point it names picks the flow. */
  from?: string;
  /** The outdial flow, when the request names one. */
  flow?: string;
}

export interface OutdialResult {
  interactionId: string;
  number: string;
  /** `ANSWERED`: the agent is being connected; else why nobody answered. */
  outcome: "ANSWERED" | NotAnswered;
  sipStatus?: number;
  reason?: string;
}

export interface AgentOutdialOptions {
  center: ContactCenter;
  contacts: OutboundContacts;
  /** The outdial ANI when a request names none. */
  defaultFrom: string;
}

/** `outdial-busy`, `outdial-no-answer`, …: a contact's end reason for an unanswered dial. */
export function unansweredReason(prefix: string, outcome: NotAnswered): string {
  return `${prefix}-${outcome.toLowerCase().replaceAll("_", "-")}`;
}

export class AgentOutdial {
  /** Agents whose outdial is ringing now. */
  private readonly ringing = new Set<string>();

  constructor(private readonly options: AgentOutdialOptions) {}

  /** Places the call; resolves once it is answered (the agent is being connected) or not. */
  dial(agentId: string, request: OutdialRequest): Promise<OutdialResult> {
    const { center, contacts } = this.options;
    const agent = center.agent(agentId);
    if (!agent) throw new DiallerError(404, "AGENT_NOT_FOUND", `no agent "${agentId}"`);
    if (agent.state !== "Available" && agent.state !== "Idle") throw new DiallerError(409, "AGENT_BUSY", `agent "${agentId}" is ${agent.state}: an outdial starts from Available or Idle`);
    if (this.ringing.has(agentId)) throw new DiallerError(409, "ALREADY_DIALLING", `agent "${agentId}" is already dialling a number`);
    const refused = contacts.refuse(request.number);
    if (refused) throw new DiallerError(400, "NO_ROUTE", refused);
    if (!contacts.hasFlow(request.flow)) throw new DiallerError(404, "FLOW_NOT_FOUND", `no flow "${request.flow}"`);

    const before = { state: agent.state, reason: agent.reason };
    center.setIdle(agentId, OUTDIAL_REASON);
    this.ringing.add(agentId);
    const giveBack = () => {
      this.ringing.delete(agentId);
      const now = center.agent(agentId);
      if (now?.state !== "Idle" || now.reason !== OUTDIAL_REASON) return;
      if (before.state === "Available") center.setAvailable(agentId);
      else center.setIdle(agentId, before.reason ?? "Idle");
    };

    return new Promise<OutdialResult>((resolve) => {
      let interactionId = "";
      let settled = false;
      let unsubscribe: (() => void) | undefined;
      const settle = (result: Omit<OutdialResult, "interactionId" | "number">) => {
        if (settled) return;
        settled = true;
        resolve({ interactionId, number: request.number, ...result });
      };
      const started = contacts.start({
        ...(request.flow !== undefined ? { flow: request.flow } : {}),
        number: request.number,
        from: request.from ?? this.options.defaultFrom,
        leg: { operation: "OUTDIAL", participant: "Customer", dialNumber: request.number },
        decide: (result: DialResult) => {
          if (!result.answered) {
            giveBack();
            settle({ outcome: result.outcome, reason: result.reason, ...(result.sipStatus !== undefined ? { sipStatus: result.sipStatus } : {}) });
            return { answered: false, reason: unansweredReason("outdial", result.outcome) };
          }
          // The agent dialled: the offer that follows is theirs, taken at once.
          unsubscribe = center.subscribeAgent(agentId, (e) => {
            if (e.type === "offer" && e.interactionId === interactionId) {
              setImmediate(() => {
                try {
                  center.accept(agentId, e.offerId);
                } catch {
                  // The offer went (the customer hung up): the contact's end says so.
                }
              });
            } else if (e.type === "answered" && e.interactionId === interactionId) unsubscribe?.();
          });
          settle({ outcome: "ANSWERED" });
          return { answered: true, agentId };
        },
        onQueued: () => {
          // Parked for this agent: make them Available so the offer opens.
          setImmediate(() => {
            this.ringing.delete(agentId);
            const now = center.agent(agentId);
            if (now?.state === "Idle" && now.reason === OUTDIAL_REASON) center.setAvailable(agentId);
          });
        },
        onEnded: (reason) => {
          unsubscribe?.();
          giveBack();
          settle({ outcome: "FAILED", reason: `the contact ended before the number was dialled (${reason})` });
        },
      });
      interactionId = started.interactionId;
    });
  }
}
