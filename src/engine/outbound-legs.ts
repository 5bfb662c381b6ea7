/**
 * The data of the event flows Webex raises around outbound legs, and what a scripted outbound leg
 * comes to. Sources (the wxcc-toolkit's notes on Cisco's Flow Designer help, global event output
 * variables):
 * - PreDial runs before each leg is dialled: `OperationType` × `ParticipantType` from Cisco's
 *   table (INBOUND/Agent, COURTESY_CALLBACK/Agent and Customer, PREVIEW_CAMPAIGN/Agent and
 *   Customer, TRANSFER_TO_DN/DN, TRANSFER_TO_AGENT/Agent, ...), with `direction`, `dialNumber`,
 *   `otherPartyDn`, `epDn` and `agentSelectedAni`;
 * - OutboundCampaignCallResult carries `CPAResult` (`AMD`, `ABANDONED`, `LIVE_VOICE`) and
 *   `CPAResultCode`;
 * - CallbackFailed carries `reason` (`AMD` for an answering machine; Webex documents no other value,
 *   ccflow's are below);
 * - ContactAniUpdated's outputs are not documented (ccflow's are below).
 */
import type { OutboundLeg } from "../activities/types.js";
import type { CallbackDialScript } from "../environment/activity-scripts.js";

/** PreDial's variables for a leg of a contact whose caller id is `ani` and dialled number `dnis`. */
export function preDialData(leg: OutboundLeg, contact: { ani: string; dnis: string }): Record<string, unknown> {
  const inbound = leg.operation === "INBOUND";
  return {
    OperationType: leg.operation,
    ParticipantType: leg.participant,
    direction: inbound ? "INBOUND" : "OUTBOUND",
    dialNumber: leg.dialNumber ?? "",
    // The party already on the call: the caller, or for a callback the customer being called back.
    otherPartyDn: contact.ani,
    epDn: contact.dnis,
    agentSelectedAni: "",
  };
}

export type CampaignResult = "LIVE_VOICE" | "AMD" | "ABANDONED";

/** An outbound campaign contact: what its dialler's call progress analysis found. */
export interface CampaignStart {
  /** Preview: an agent accepted the contact first; progressive: the dialler calls, then routes. */
  mode: "preview" | "progressive";
  result: CampaignResult;
  /** `CPAResultCode` as the dialler reports it; Webex documents no values, so it is passed through. */
  resultCode?: string;
  /**
   * The campaign's queue: a live customer whose flow ends its main path (End Flow) without
   * queuing them is placed here, as the dialler connects a live voice to the campaign's agents.
   */
  queueId?: string;
  /**
   * The agent the dialler reserved for this customer (progressive): a live customer the flow
   * leaves unqueued waits for that agent only; the campaign's queue takes them if the agent cannot.
   */
  agentId?: string;
}

/** What ccflow's own dial of the customer's leg came to. */
export type DialFirstOutcome =
  /** Answered: a campaign call (its result), or an outdial connected straight to `agentId`. */
  | { answered: true; campaign?: CampaignStart; agentId?: string }
  /** Not answered: the contact ends with `reason` (busy, no answer, failed). */
  | { answered: false; reason: string };

/**
 * A customer's leg ccflow dials itself before the contact's flow goes on; PreDial runs for `leg`
 * first (none for a progressive campaign's customer: Cisco's table has no such row).
 */
export interface DialFirst {
  leg?: OutboundLeg;
  dial(): Promise<DialFirstOutcome>;
}

/** OutboundCampaignCallResult's variables. */
export function campaignResultData(start: CampaignStart): Record<string, unknown> {
  return { CPAResult: start.result, CPAResultCode: start.resultCode ?? "" };
}

/** `CallbackFailed.reason` per outcome of dialling the customer (only `AMD` is Webex's own word). */
export const CALLBACK_FAILURE_REASONS: Readonly<Record<Exclude<CallbackDialScript["outcome"], "answered">, string>> = {
  amd: "AMD",
  "no-answer": "NO_ANSWER",
  busy: "BUSY",
};

/** The agent offered a callback declined it, or let it ring out (RONA): Webex's "agent unreachable". */
export const AGENT_DECLINED_REASON = "AGENT_DECLINED";
export const AGENT_RONA_REASON = "RONA";

/** A scheduled callback still waiting in its queue when its window closes. */
export const SCHEDULE_EXPIRED_REASON = "SCHEDULE_EXPIRED";

/** What dialling `number` comes to: the script for it, or `*`'s, or the customer answering at once. */
export function dialOutcome(scripts: readonly CallbackDialScript[] | undefined, number: string): { outcome: CallbackDialScript["outcome"]; ringSeconds: number } {
  const list = scripts ?? [];
  const hit = list.find((s) => s.number === number) ?? list.find((s) => s.number === "*");
  return hit ? { outcome: hit.outcome, ringSeconds: hit.ringSeconds } : { outcome: "answered", ringSeconds: 0 };
}
