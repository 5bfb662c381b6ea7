/**
 * A new SDP offer in an established call (RFC 3264 §8), as a re-INVITE or an UPDATE (RFC 3311)
 * carries it: hold and resume (a=sendonly or a=inactive, or the old c=0.0.0.0 of RFC 2543), a
 * new address or port, another G.711 codec, new SRTP keys. The answer keeps our address, port
 * and key; its o= version rises only when it says something new (RFC 3264 §8).
 *
 * A plain RTP leg is re-read with the same rules as the first offer; a WebRTC leg (a browser's
 * SIP phone) is renegotiated by werift on its live connection. An offer that cannot be taken
 * leaves the call as it was (RFC 3261 §14.2) and is refused with the status the first offer would
 * have had.
 */
import { RtpSession, type RtpPeer } from "../media/rtp-session.js";
import { WebRtcError, WebRtcLeg } from "../media/webrtc-leg.js";
import { readOffer, SdpError, writeAnswer, type MediaOffer } from "./sdp.js";

/** What a mid-call offer needs of the call. */
export interface RenegotiableCall {
  readonly media: object;
  offer: MediaOffer;
  answerSdp: string;
  srtpKey?: Buffer;
  sdpSessionId: number;
  sdpVersion: number;
  /** The caller sends no media now (it holds us, or only listens): no RTP timeout. */
  onHold: boolean;
}

export type MidCallAnswer = { ok: true; answer: string; hold: boolean } | { ok: false; status: 400 | 488 | 500; reason: string };

/** Where and how a call's RTP goes, from the caller's offer (and our SRTP key, if any). */
export function rtpPeer(offer: MediaOffer, srtpKey: Buffer | undefined): RtpPeer {
  return {
    address: offer.address,
    port: offer.port,
    codec: offer.codec,
    payloadType: offer.payloadType,
    ...(offer.dtmfPayloadType !== undefined ? { dtmfPayloadType: offer.dtmfPayloadType } : {}),
    ...(offer.srtp && srtpKey ? { srtp: { localKey: srtpKey, remoteKey: offer.srtp.key } } : {}),
  };
}

const UNSPECIFIED = new Set(["0.0.0.0", "::"]);

/** The caller holds us: we must not send (it offered sendonly or inactive, or no address). */
function holdsUs(offer: MediaOffer): boolean {
  return offer.direction === "sendonly" || offer.direction === "inactive" || UNSPECIFIED.has(offer.address);
}

/** Answers `sdp`, a new offer on `call`, and applies it to the call's media. */
export async function answerMidCallOffer(call: RenegotiableCall, sdp: string, address: string): Promise<MidCallAnswer> {
  const media = call.media;
  if (media instanceof WebRtcLeg) {
    try {
      const { answer, direction } = await media.renegotiate(sdp);
      call.answerSdp = answer;
      call.onHold = direction !== "sendrecv";
      return { ok: true, answer, hold: direction === "sendonly" || direction === "inactive" };
    } catch (err) {
      if (err instanceof WebRtcError) return { ok: false, status: 488, reason: err.message };
      return { ok: false, status: 500, reason: `WebRTC renegotiation failed: ${(err as Error).message}` };
    }
  }
  if (!(media instanceof RtpSession)) return { ok: false, status: 488, reason: "the call's media takes no new offer" };
  let offer: MediaOffer;
  try {
    offer = readOffer(sdp);
  } catch (err) {
    if (err instanceof SdpError) return { ok: false, status: err.status, reason: err.message };
    throw err;
  }
  if (Boolean(offer.srtp) !== Boolean(call.srtpKey)) return { ok: false, status: 488, reason: call.srtpKey ? "the call is SRTP: a new offer must keep RTP/SAVP" : "a new offer cannot turn on SRTP" };
  const wasQuiet = call.onHold;
  call.offer = offer;
  call.onHold = offer.direction !== "sendrecv" || UNSPECIFIED.has(offer.address);
  if (wasQuiet && !call.onHold) media.lastReceivedAt = performance.now();
  const hold = holdsUs(offer);
  media.connect(rtpPeer(offer, call.srtpKey));
  media.setSending(!hold);
  call.answerSdp = answerFor(call, offer, address, media.port);
  return { ok: true, answer: call.answerSdp, hold };
}

/** Our answer to `offer`, with the o= version raised only when the answer changes. */
function answerFor(call: RenegotiableCall, offer: MediaOffer, address: string, port: number): string {
  const write = (version: number) => writeAnswer(offer, { address, port, sessionId: call.sdpSessionId, version, ...(call.srtpKey ? { srtpKey: call.srtpKey } : {}) });
  const same = write(call.sdpVersion);
  if (same === call.answerSdp) return same;
  call.sdpVersion++;
  return write(call.sdpVersion);
}

/**
 * The answer in the ACK to our offer (an offerless re-INVITE got our current description as
 * the offer): applied like an offer to a plain RTP leg. A WebRTC leg keeps its session as it was.
 */
export function applyAckAnswer(call: RenegotiableCall, sdp: string): { ok: true } | { ok: false; reason: string } {
  if (!(call.media instanceof RtpSession)) return { ok: false, reason: "an answer in the ACK is not applied to a WebRTC leg" };
  let answer: MediaOffer;
  try {
    answer = readOffer(sdp);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (Boolean(answer.srtp) !== Boolean(call.srtpKey)) return { ok: false, reason: "the answer changes SRTP" };
  call.offer = answer;
  call.onHold = answer.direction !== "sendrecv" || UNSPECIFIED.has(answer.address);
  call.media.connect(rtpPeer(answer, call.srtpKey));
  call.media.setSending(!holdsUs(answer));
  return { ok: true };
}
