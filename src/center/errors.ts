/**
 * Failure codes. Activities receive them as `{ok:false, code, description}` (the engine puts the
 * code in the activity's FailureCode); agent-side calls throw CenterError with the same codes so
 * the server can map them to HTTP statuses.
 *
 * | code | when |
 * |---|---|
 * | QUEUE_NOT_FOUND | unknown queue id and auto-creation is off (or the id is empty) |
 * | QUEUE_RETIRED | the queue was removed from the environment file (serve --watch) and takes no new contacts |
 * | CONTACT_BUSY | queue-contact / queue-to-agent for a contact already ringing or connected |
 * | AGENT_NOT_FOUND | no agent with that id or email (queue-to-agent, agent calls) |
 * | AGENT_NOT_LOGGED_IN | the agent exists but is logged out |
 * | AGENT_NOT_AVAILABLE | queue-to-agent without parking, agent not Available |
 * | INVALID_DESTINATION | queue-to-agent with an empty destination |
 * | INVALID_NUMBER | callback number missing or not a dialable number |
 * | NO_QUEUE | callback without a queue, for a contact that is in none |
 * | CONTACT_NOT_QUEUED | set-contact-priority for a contact that is not waiting in a queue |
 * | INVALID_STATE | an agent call that the agent's state does not allow (accept while Idle...) |
 * | STALE_OFFER | accept/decline naming an offer that is no longer ringing |
 * | CENTER_UNAVAILABLE | a cluster node cannot reach the shared state (Redis) right now |
 */

export type CenterErrorCode =
  | "QUEUE_NOT_FOUND"
  | "QUEUE_RETIRED"
  | "CONTACT_BUSY"
  | "AGENT_NOT_FOUND"
  | "AGENT_NOT_LOGGED_IN"
  | "AGENT_NOT_AVAILABLE"
  | "INVALID_DESTINATION"
  | "INVALID_NUMBER"
  | "NO_QUEUE"
  | "CONTACT_NOT_QUEUED"
  | "CENTER_UNAVAILABLE"
  | "INVALID_STATE"
  | "STALE_OFFER";

export class CenterError extends Error {
  constructor(
    readonly code: CenterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CenterError";
  }
}

export function failure(code: CenterErrorCode, description: string): { ok: false; code: string; description: string } {
  return { ok: false, code, description };
}
