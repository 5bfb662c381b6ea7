/**
 * What dialling a customer came to, from the SIP outcome of ccflow's own INVITE: the call
 * progress a dialler reports. Cisco documents `LIVE_VOICE`, `AMD` and `ABANDONED` as
 * OutboundCampaignCallResult's CPAResult (a call that was answered); for calls that were not,
 * Webex names no values a flow can see, so these are ccflow's words, after the SIP status:
 * 486/600 busy → `BUSY`; 408/480 (the far end or a proxy gave up, nobody there) → `NO_ANSWER`;
 * still ringing when the ring time ran out (ccflow sent CANCEL) → `RING_NO_ANSWER`; anything
 * else (no route, no response, another error) → `FAILED`.
 *
 * Answering-machine detection is not done: telling a recorded greeting from a person needs an
 * analysis of the answered audio that ccflow does not have, so an answered call is `LIVE_VOICE`.
 */

export type NotAnswered = "BUSY" | "NO_ANSWER" | "RING_NO_ANSWER" | "FAILED";

export type DialResult =
  | { answered: true }
  | {
      answered: false;
      outcome: NotAnswered;
      /** The far end's final SIP status, when one came. */
      sipStatus?: number;
      /** Why, in words (the SIP reason phrase, the timeout). */
      reason: string;
    };

/**
 * The outcome of a dial that was not answered: `code` is how the SIP leg failed (outbound-call.ts
 * DialError: NO_ANSWER is ccflow's own ring timeout), `status` the final response's code.
 */
export function notAnswered(code: string, status: number | undefined): NotAnswered {
  if (code === "NO_ANSWER") return "RING_NO_ANSWER";
  if (status === 486 || status === 600) return "BUSY";
  if (status === 408 || status === 480 || status === 487) return "NO_ANSWER";
  return "FAILED";
}
