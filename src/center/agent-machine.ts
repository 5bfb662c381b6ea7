/**
 * The agent state machine: which state an agent may move to from which, on what, and the words
 * a refused request gets. Every state change in the center goes through `nextAgentState`; every
 * request an agent (or their desktop) makes is checked by `checkAgentAction` before anything
 * changes, so the server's routes hold no state rules of their own.
 *
 *   LoggedOut ─login→ Idle(reason) ─available→ Available ─offer→ Reserved ─accept→ Engaged ─end→ WrapUp
 *   Reserved ─rona→ Idle(RONA) · ─decline→ Idle(Declined) or Available · ─withdrawn (caller left)→ Available
 *   WrapUp ─available / wrap-up-elapsed→ Available · ─idle→ Idle · any but Engaged ─logout→ LoggedOut
 *   Available ─consult→ Engaged (Consult) ─consult-end→ Available (transfers.ts)
 */
import { CenterError } from "./errors.js";

export type AgentState = "LoggedOut" | "Available" | "Idle" | "Reserved" | "Engaged" | "WrapUp";

/** What moves an agent: their own requests and the center's routing. */
export type AgentTransition =
  | "login"
  | "logout"
  | "available"
  | "idle"
  | "offer"
  | "accept"
  | "decline"
  | "rona"
  | "withdrawn"
  | "end"
  | "contact-ended"
  | "wrap-up-elapsed"
  | "shutdown"
  | "consult"
  | "consult-end";

type Table = Readonly<Record<AgentState, Readonly<Partial<Record<AgentTransition, readonly AgentState[]>>>>>;

/** From each state, the transitions allowed and the states each may lead to (the first is the usual one). */
export const AGENT_TRANSITIONS: Table = {
  LoggedOut: { login: ["Idle"] },
  Idle: { available: ["Available"], idle: ["Idle"], logout: ["LoggedOut"] },
  Available: { offer: ["Reserved"], idle: ["Idle"], logout: ["LoggedOut"], consult: ["Engaged"] },
  Reserved: {
    accept: ["Engaged"],
    decline: ["Idle", "Available"],
    rona: ["Idle"],
    withdrawn: ["Available"],
    logout: ["LoggedOut"],
    shutdown: ["Idle"],
  },
  Engaged: { end: ["WrapUp"], "contact-ended": ["WrapUp"], shutdown: ["WrapUp"], "consult-end": ["Available"] },
  WrapUp: { available: ["Available"], idle: ["Idle"], "wrap-up-elapsed": ["Available"], logout: ["LoggedOut"] },
};

/**
 * The state `transition` leads to from `from` (`to` picks among several). A transition the table
 * does not allow is a bug in the center, not a user's mistake: the checks below run first.
 */
export function nextAgentState(agentId: string, from: AgentState, transition: AgentTransition, to?: AgentState): AgentState {
  const targets = AGENT_TRANSITIONS[from][transition];
  const target = to ?? targets?.[0];
  if (!targets || target === undefined || !targets.includes(target)) {
    throw new CenterError("INVALID_STATE", `agent "${agentId}" cannot go from ${from} to ${to ?? "another state"} on ${transition}`);
  }
  return target;
}

/** Requests an agent or their desktop makes. */
export type AgentAction = "available" | "idle" | "accept" | "decline" | "end" | "logout" | "finish-wrap-up";

/** Throws the CenterError that refuses `action` in `state`; returns when the request may go ahead. */
export function checkAgentAction(agentId: string, state: AgentState, action: AgentAction): void {
  switch (action) {
    case "available":
    case "idle":
      notLoggedOut(agentId, state);
      if (state === "Reserved" || state === "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${state}; finish the contact first`);
      }
      return;
    case "accept":
    case "decline":
      notLoggedOut(agentId, state);
      if (state !== "Reserved") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${state}; only a ringing (Reserved) agent can ${action}`);
      }
      return;
    case "end":
      if (state !== "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${state}; only an Engaged agent can end a contact`);
      }
      return;
    case "logout":
      if (state === "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is Engaged; end the contact before logging out`);
      }
      return;
    case "finish-wrap-up":
      if (state !== "WrapUp") throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${state}, not in WrapUp`);
      return;
  }
}

function notLoggedOut(agentId: string, state: AgentState): void {
  if (state === "LoggedOut") throw new CenterError("AGENT_NOT_LOGGED_IN", `agent "${agentId}" is not logged in`);
}
