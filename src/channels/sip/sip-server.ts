/**
 * The SIP user agent server that takes calls: INVITE (with its transaction's retransmissions),
 * ACK, BYE, CANCEL, OPTIONS and INFO (DTMF), over UDP, TCP, TLS and WebSocket.
 *
 * A call's life: INVITE → 100 Trying → checks (who is calling, caller id, SDP) → RTP socket →
 * [180 Ringing while `answerDelayMs` runs] → 200 OK with the SDP answer, resent over UDP until
 * the ACK (RFC 3261 §13.3.1.4) → ACK: the call is handed over (`onCall`). It ends with a BYE from
 * either side, a CANCEL before the 200, or a 200 never acknowledged within 64·T1 (32 s); in every
 * case the RTP socket closes and the call leaves the table, so none is left half-open.
 *
 * Over WebSocket (RFC 7118) a browser's SIP phone offers WebRTC media (ICE, DTLS-SRTP, RTP/SAVPF):
 * that call's media is a werift peer connection (`WebRtcLeg`) instead of a plain RTP socket; a
 * plain RTP/AVP offer over a WebSocket gets plain RTP like any other.
 *
 * A confirmed call takes new offers by re-INVITE or UPDATE (`mid-call-offer.ts`): hold, resume,
 * new addresses and codecs, on plain RTP and WebRTC legs alike. A re-INVITE or UPDATE that asserts
 * a new caller number (P-Asserted-Identity, or a From whose URI changed: caller-id.ts) changes the
 * call's `ani` and tells `onAniChange`; a number no carrier delivers is ignored with a log line (the
 * request itself is answered as usual). REGISTER from digest users keeps
 * their phones' contacts (`registrar.ts`); nothing calls them yet.
 *
 * What is not here: PRACK/100rel, UPDATE before the call is answered, session timers (RFC 4028;
 * an UPDATE or re-INVITE that refreshes the session is answered like any other).
 */
import { randomBytes } from "node:crypto";
import type { WebSocket } from "ws";
import type { MediaLeg } from "../media/media-leg.js";
import { RtpSession } from "../media/rtp-session.js";
import { WebRtcError, WebRtcLeg } from "../media/webrtc-leg.js";
import type { SipAccess } from "./access.js";
import { Registrar, type RegistrarOptions } from "./registrar.js";
import { CallerIdError, callerNumber, dialledNumber, updatedCallerNumber, userOf } from "./caller-id.js";
import { makeResponse, parseCSeq, parseNameAddr, SipHeaders, topVia, type SipRequest, type SipResponse } from "./message.js";
import { answerMidCallOffer, applyAckAnswer, rtpPeer } from "./mid-call-offer.js";
import { isWebRtcOffer, readOffer, SdpError, SRTP_KEY_BYTES, writeAnswer, type MediaOffer } from "./sdp.js";
import { isReliable, SipTransport, type SipPeer } from "./transport.js";

const T1 = 500;
const T2 = 4000;
const TIMER_H = 64 * T1;
const ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REGISTER";

export type SipLog = (level: "info" | "warn", message: string) => void;

export interface SipServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** SIP over TLS (sips) on this port (0: a free one), with this PEM key and certificate. */
  tls?: { port: number; key: string; cert: string };
  access: SipAccess;
  /** The address put in Contact and SDP; default: `host` (127.0.0.1 when listening on all). */
  advertisedHost?: string;
  rtpPortRange?: { min: number; max: number };
  /** Ring this long (180 Ringing) before answering; default 0. */
  answerDelayMs?: number;
  /** Calls taken at once; more get 503. Default 500. */
  maxCalls?: number;
  /**
   * Hang up an answered call whose caller has sent no RTP for this long, ms (a caller who vanished
   * without a BYE); not while the caller holds us (a=sendonly or a=inactive). Default: never.
   */
  rtpTimeoutMs?: number;
  /** Refuses a call before it is answered (status and reason), or takes it (undefined). */
  admit?: (call: { ani: string; dnis: string }) => { status: number; reason: string } | undefined;
  /** An answered (acknowledged) call. */
  onCall: (call: SipCall) => void;
  /** Registration limits (REGISTER is taken from digest users only). */
  registrar?: RegistrarOptions;
  log?: SipLog;
}

type CallState = "inviting" | "answered" | "confirmed" | "ended";

/** A call's audio: plain RTP (`RtpSession`) or, for a browser's WebRTC offer, `WebRtcLeg`. */
export interface CallMedia extends MediaLeg {
  /** When the caller's media last arrived (or the media was connected), performance.now() ms. */
  lastReceivedAt: number;
  /** Sends or not (the caller holds us); what plays goes on unsent. */
  setSending(on: boolean): void;
  close(): void;
}

/** One call's dialog and media. */
export class SipCall {
  state: CallState = "inviting";
  readonly localTag = randomBytes(6).toString("hex");
  readonly media: CallMedia;
  /** Keys from RFC 4733 or SIP INFO, in the order they came. */
  onKey?: (key: string) => void;
  /**
   * The call ended (`caller-hangup`, `cancelled`, `no-ack`, `rtp-timeout`, `media-failed` (the
   * WebRTC connection failed), `hangup` for ours, `shutdown`).
   */
  onEnded?: (reason: string) => void;
  /** A re-INVITE or UPDATE asserted a new caller number (already checked), now `call.ani`. */
  onAniChange?: (ani: string, previous: string) => void;
  /** The user part of the dialog's From so far (RFC 4916: it may change mid-dialog). */
  fromUser: string | undefined;
  endReason?: string;
  /** The caller sends no media now (a new offer said sendonly, recvonly or inactive): no RTP timeout. */
  onHold = false;
  offer!: MediaOffer;
  answerSdp = "";
  readonly sdpSessionId = Date.now();
  sdpVersion = 1;
  /** A new offer (re-INVITE or UPDATE) is being answered. */
  updating = false;
  /** Our 2xx to a re-INVITE, resent over UDP until its ACK (CSeq number `cseq`). */
  reinvite?: { cseq: number; key: string; timer?: NodeJS.Timeout; offerless: boolean };
  /** Our SRTP master key and salt, for an RTP/SAVP call. */
  srtpKey?: Buffer;
  invite: SipRequest;
  finalResponse?: SipResponse;
  private retransmit?: NodeJS.Timeout;
  private timerH?: NodeJS.Timeout;
  private ringing?: NodeJS.Timeout;
  private cseq = 1;
  readonly remoteTag: string;

  constructor(
    private readonly server: SipServer,
    invite: SipRequest,
    readonly peer: SipPeer,
    /** The caller's number: as the INVITE had it, or as a later re-INVITE or UPDATE asserted it. */
    public ani: string,
    readonly dnis: string,
    media: CallMedia,
  ) {
    this.invite = invite;
    try {
      this.fromUser = userOf(invite.headers.get("from"));
    } catch {
      this.fromUser = undefined;
    }
    this.media = media;
    this.remoteTag = parseNameAddr(invite.headers.get("from")!)?.params.get("tag") ?? "";
    media.onKey = (key) => this.key(key);
  }

  /** Media over WebRTC (a browser's offer), not plain RTP. */
  get webrtc(): boolean {
    return this.media instanceof WebRtcLeg;
  }

  get callId(): string {
    return this.invite.headers.get("call-id")!;
  }

  key(key: string): void {
    if (this.state === "ended") return;
    this.onKey?.(key);
  }

  /** Sends `response` for the INVITE, and over UDP again until the ACK or 32 s. */
  respondFinal(response: SipResponse): void {
    this.finalResponse = response;
    this.server.send(this.peer, response);
    if (!isReliable(this.peer)) {
      let interval = T1;
      const again = () => {
        this.retransmit = setTimeout(() => {
          if (!this.finalResponse) return;
          this.server.send(this.peer, this.finalResponse);
          interval = Math.min(interval * 2, T2);
          again();
        }, interval);
      };
      again();
    }
    this.timerH = setTimeout(() => {
      const unanswered = this.state === "answered";
      this.acknowledged();
      if (unanswered) {
        this.server.log("warn", `call ${this.callId.slice(0, 12)} from ${this.peer.address}: no ACK for the 200 in ${TIMER_H / 1000} s; hanging up`);
        this.hangup("no-ack");
      } else this.end(this.endReason ?? "refused");
      this.server.forget(this);
    }, TIMER_H);
  }

  /** The ACK came: stop resending. */
  acknowledged(): void {
    clearTimeout(this.retransmit);
    clearTimeout(this.timerH);
    this.retransmit = undefined;
    this.finalResponse = undefined;
  }

  ring(ms: number, then: () => void): void {
    this.ringing = setTimeout(then, ms);
  }

  /** Ends the call from our side: BYE when a dialog exists, then closes. */
  hangup(reason = "hangup"): void {
    if (this.state === "ended") return;
    if (this.state === "answered" || this.state === "confirmed") this.server.sendBye(this);
    this.end(reason);
  }

  /** Closes everything the call holds. */
  end(reason: string): void {
    clearTimeout(this.ringing);
    clearTimeout(this.reinvite?.timer);
    if (this.state === "ended") {
      if (!this.finalResponse) this.server.forget(this);
      return;
    }
    this.state = "ended";
    this.endReason = reason;
    clearTimeout(this.retransmit);
    this.media.close();
    // A non-2xx final response keeps its transaction until the ACK (or Timer H) to absorb retransmissions.
    if (!this.finalResponse || this.finalResponse.status < 300) {
      clearTimeout(this.timerH);
      this.server.forget(this);
    }
    this.onEnded?.(reason);
  }

  nextCSeq(): number {
    return ++this.cseq;
  }
}

export class SipServer {
  private readonly transport: SipTransport;
  /** INVITE transactions by branch (retransmissions, CANCEL, ACK of non-2xx). */
  private readonly byBranch = new Map<string, SipCall>();
  /** Dialogs by Call-ID (tags checked on use). */
  private readonly byCallId = new Map<string, SipCall>();
  /** Our BYE transactions, resent over UDP until answered. */
  private readonly byes = new Map<string, NodeJS.Timeout>();
  /**
   * Re-INVITE and UPDATE transactions by branch: their response (or "pending" while answering),
   * resent when the request comes again, kept for 64·T1.
   */
  private readonly midCall = new Map<string, SipResponse | "pending">();
  private closed = false;
  private rtpWatch?: NodeJS.Timeout;
  private registrationWatch?: NodeJS.Timeout;
  /** Phones registered by digest users (REGISTER), with their expiry. */
  readonly registrar: Registrar;

  constructor(private readonly options: SipServerOptions) {
    this.registrar = new Registrar(options.registrar);
    this.transport = new SipTransport(options.host, (result, peer) => this.receive(result, peer));
  }

  get port(): number {
    return this.transport.port;
  }

  /** The TLS port, when listening for sips (else 0). */
  get tlsPort(): number {
    return this.transport.tlsPort;
  }

  get advertisedHost(): string {
    const h = this.options.advertisedHost ?? this.options.host;
    return h === "0.0.0.0" ? "127.0.0.1" : h === "::" ? "::1" : h;
  }

  /** Calls in progress (ringing or answered). */
  get calls(): SipCall[] {
    return [...new Set(this.byCallId.values())].filter((c) => c.state !== "ended");
  }

  async listen(): Promise<number> {
    const port = await this.transport.listen(this.options.port);
    if (this.options.tls) {
      try {
        await this.transport.listenTls(this.options.tls.port, this.options.tls);
      } catch (err) {
        await this.transport.close();
        throw err;
      }
    }
    this.registrationWatch = setInterval(() => {
      for (const b of this.registrar.sweep()) this.log("info", `registration of ${b.user} at ${b.contact} expired`);
    }, 1000);
    this.registrationWatch.unref();
    const timeout = this.options.rtpTimeoutMs;
    if (timeout && timeout > 0) {
      this.rtpWatch = setInterval(() => this.watchRtp(timeout), Math.min(1000, Math.max(100, timeout / 4)));
      this.rtpWatch.unref();
    }
    return port;
  }

  private watchRtp(timeout: number): void {
    const now = performance.now();
    for (const call of this.calls) {
      if (call.state !== "confirmed" || call.onHold || now - call.media.lastReceivedAt < timeout) continue;
      this.log("warn", `call ${call.callId.slice(0, 12)} from ${call.peer.address}: no RTP from the caller for ${Math.round(timeout / 1000)} s; hanging up (rtp-timeout)`);
      call.hangup("rtp-timeout");
    }
  }

  /** Hangs up every call (BYE) and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.rtpWatch);
    clearInterval(this.registrationWatch);
    for (const call of this.calls) call.hangup("shutdown");
    this.closed = true;
    for (const t of this.byes.values()) clearTimeout(t);
    this.byes.clear();
    for (const call of new Set([...this.byBranch.values(), ...this.byCallId.values()])) call.end(call.endReason ?? "shutdown");
    this.byBranch.clear();
    this.byCallId.clear();
    // Let the last BYEs leave before the socket closes.
    await new Promise((r) => setTimeout(r, 20));
    await this.transport.close();
  }

  log(level: "info" | "warn", message: string): void {
    this.options.log?.(level, message);
  }

  send(peer: SipPeer, message: SipRequest | SipResponse): void {
    if (!this.closed || message.kind === "request") this.transport.send(peer, message);
  }

  forget(call: SipCall): void {
    for (const [k, c] of this.byBranch) if (c === call) this.byBranch.delete(k);
    if (this.byCallId.get(call.callId) === call) this.byCallId.delete(call.callId);
  }

  private receive(result: Parameters<ConstructorParameters<typeof SipTransport>[1]>[0], peer: SipPeer): void {
    if (!result.ok) {
      if (result.request && result.request.method !== "ACK") {
        this.log("warn", `SIP ${result.request.method} from ${peer.address}:${peer.port} refused: ${result.reason}`);
        this.send(peer, makeResponse(result.request, result.status, { reason: `${reasonFor(result.status)}`, toTag: randomBytes(4).toString("hex"), headers: [["Warning", warning(result.reason)]] }));
      }
      return;
    }
    const message = result.message;
    if (message.kind === "response") return this.response(message);
    if (!topVia(message.headers)?.params.get("branch")) {
      if (message.method !== "ACK") this.send(peer, makeResponse(message, 400, { headers: [["Warning", warning("Via has no branch")]] }));
      return;
    }
    try {
      switch (message.method) {
        case "INVITE":
          return this.invite(message, peer);
        case "ACK":
          return this.ack(message);
        case "CANCEL":
          return this.cancel(message, peer);
        case "BYE":
          return this.bye(message, peer);
        case "INFO":
          return this.info(message, peer);
        case "OPTIONS":
          return this.optionsRequest(message, peer);
        case "UPDATE":
          return this.update(message, peer);
        case "REGISTER":
          return this.register(message, peer);
        default:
          this.send(peer, makeResponse(message, 405, { toTag: randomBytes(4).toString("hex"), headers: [["Allow", ALLOW]] }));
      }
    } catch (err) {
      this.log("warn", `SIP ${message.method} from ${peer.address}:${peer.port} failed: ${(err as Error).message}`);
      if (message.method !== "ACK") this.send(peer, makeResponse(message, 500, { toTag: randomBytes(4).toString("hex") }));
    }
  }

  private branchKey(request: SipRequest): string {
    const via = topVia(request.headers)!;
    return `${via.params.get("branch")}|${via.host}:${via.port ?? ""}`;
  }

  private dialogOf(request: SipRequest): SipCall | undefined {
    const call = this.byCallId.get(request.headers.get("call-id")!);
    if (!call) return undefined;
    const fromTag = parseNameAddr(request.headers.get("from")!)?.params.get("tag") ?? "";
    const toTag = parseNameAddr(request.headers.get("to")!)?.params.get("tag") ?? "";
    return fromTag === call.remoteTag && toTag === call.localTag ? call : undefined;
  }

  private refuse(request: SipRequest, peer: SipPeer, status: number, why: string, extra: Array<[string, string]> = []): void {
    this.log("warn", `call from ${peer.address}:${peer.port} refused (${status}): ${why}`);
    // The refusal is the INVITE's final response: kept (and resent) until the ACK absorbs it.
    const response = makeResponse(request, status, { toTag: randomBytes(4).toString("hex"), headers: [...extra, ["Warning", warning(why)]] });
    const holder = new SipCall(this, request, peer, "", "", new RtpSession({ host: this.options.host }));
    holder.state = "ended";
    holder.endReason = "refused";
    this.byBranch.set(this.branchKey(request), holder);
    holder.respondFinal(response);
  }

  private invite(request: SipRequest, peer: SipPeer): void {
    const key = this.branchKey(request);
    const previous = this.midCall.get(key);
    if (previous) return this.send(peer, previous === "pending" ? makeResponse(request, 100) : previous);
    const existing = this.byBranch.get(key);
    if (existing) {
      // A retransmission: say again what we last said.
      if (existing.finalResponse) this.send(peer, existing.finalResponse);
      else this.send(peer, makeResponse(request, 100));
      return;
    }
    const toTag = parseNameAddr(request.headers.get("to")!)?.params.get("tag");
    if (toTag) return this.reinvite(request, peer);
    if (this.closed) return this.send(peer, makeResponse(request, 503, { toTag: "closing" }));

    this.send(peer, makeResponse(request, 100));
    const access = this.options.access.check(peer.address, "INVITE", request.headers.get("authorization") ?? request.headers.get("proxy-authorization"));
    if (!access.ok) return this.refuse(request, peer, access.status, access.reason, access.challenge ? [["WWW-Authenticate", access.challenge]] : []);
    if (this.calls.length >= (this.options.maxCalls ?? 500)) return this.refuse(request, peer, 503, "too many calls");
    if (this.byCallId.has(request.headers.get("call-id")!)) return this.refuse(request, peer, 400, "Call-ID already in use");
    if (!parseNameAddr(request.headers.get("from")!)?.params.get("tag")) return this.refuse(request, peer, 400, "From has no tag");

    let ani: string;
    let dnis: string;
    try {
      ani = callerNumber(request);
      dnis = dialledNumber(request);
    } catch (err) {
      if (err instanceof CallerIdError) return this.refuse(request, peer, 400, err.message);
      throw err;
    }
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (request.body.length === 0) return this.refuse(request, peer, 488, "no SDP offer (ccflow needs the offer in the INVITE)");
    if (type !== "application/sdp") return this.refuse(request, peer, 415, `body is ${type || "untyped"}, not application/sdp`, [["Accept", "application/sdp"]]);
    const sdp = request.body.toString("utf8");
    const webrtc = isWebRtcOffer(sdp);
    let offer: MediaOffer | undefined;
    if (!webrtc) {
      try {
        offer = readOffer(sdp);
      } catch (err) {
        if (err instanceof SdpError) return this.refuse(request, peer, err.status, err.message);
        throw err;
      }
    }
    // SDES puts the media keys in the SDP: over cleartext signalling anyone on the path has them (RFC 4568 §8.3).
    if (offer?.srtp && peer.transport !== "TLS" && peer.transport !== "WSS") return this.refuse(request, peer, 488, "SRTP keys (a=crypto) are taken only over SIP over TLS (sips) or WSS");
    const refusal = this.options.admit?.({ ani, dnis });
    if (refusal) return this.refuse(request, peer, refusal.status, refusal.reason);
    if (!offer) return this.inviteWebRtc(request, peer, key, ani, dnis, sdp);

    const rtp = new RtpSession({ host: this.options.host, ...(this.options.rtpPortRange ? { portRange: this.options.rtpPortRange } : {}) });
    const call = new SipCall(this, request, peer, ani, dnis, rtp);
    call.offer = offer;
    if (offer.srtp) call.srtpKey = randomBytes(SRTP_KEY_BYTES);
    this.byBranch.set(key, call);
    this.byCallId.set(call.callId, call);
    rtp.open().then(
      (port) => {
        if (call.state !== "inviting") return rtp.close();
        rtp.connect(rtpPeer(offer, call.srtpKey));
        call.answerSdp = writeAnswer(offer, { address: this.advertisedHost, port, sessionId: call.sdpSessionId, version: call.sdpVersion, ...(call.srtpKey ? { srtpKey: call.srtpKey } : {}) });
        this.ringThenAnswer(call);
      },
      (err: unknown) => {
        this.forget(call);
        call.state = "ended";
        this.refuse(request, peer, 503, `no RTP port: ${(err as Error).message}`);
      },
    );
  }

  /**
   * A browser's offer (ICE, DTLS-SRTP): werift answers it, with its ICE candidates gathered, and
   * the call's media is that peer connection.
   */
  private inviteWebRtc(request: SipRequest, peer: SipPeer, key: string, ani: string, dnis: string, sdp: string): void {
    const leg = new WebRtcLeg({ host: this.advertisedHost });
    const call = new SipCall(this, request, peer, ani, dnis, leg);
    // What the log and the front read of any offer; the leg itself answers PCMU only.
    call.offer = { address: peer.address, port: 0, codec: "PCMU", payloadType: 0, direction: "sendrecv" };
    leg.onClosed = (why) => {
      this.log("warn", `call ${call.callId.slice(0, 12)} from ${peer.address}: WebRTC media ${why}; hanging up`);
      call.hangup("media-failed");
    };
    this.byBranch.set(key, call);
    this.byCallId.set(call.callId, call);
    leg.answer(sdp).then(
      (answer) => {
        if (call.state !== "inviting") return leg.close();
        call.answerSdp = answer;
        if (/a=rtpmap:\d+ telephone-event\/8000/i.test(answer)) call.offer.dtmfPayloadType = 101;
        this.ringThenAnswer(call);
      },
      (err: unknown) => {
        leg.close();
        this.forget(call);
        call.state = "ended";
        if (err instanceof WebRtcError) return this.refuse(request, peer, 488, err.message);
        this.refuse(request, peer, 500, `WebRTC answer failed: ${(err as Error).message}`);
      },
    );
  }

  private ringThenAnswer(call: SipCall): void {
    const delay = this.options.answerDelayMs ?? 0;
    if (delay > 0) {
      this.send(call.peer, makeResponse(call.invite, 180, { toTag: call.localTag, headers: [["Contact", this.contact(call.peer)]] }));
      call.ring(delay, () => this.answer(call));
    } else this.answer(call);
  }

  /**
   * A WebSocket the HTTP server upgraded with the `sip` subprotocol, from `remote` (the HTTP
   * client's address): SIP over WebSocket (RFC 7118). When it closes, its calls end: the phone is gone.
   */
  acceptWebSocket(ws: WebSocket, remote: { address: string; port: number }, secure: boolean): void {
    if (this.closed) return ws.close(1001, "SIP server closing");
    const peer = this.transport.acceptWebSocket(ws, remote, secure);
    ws.on("close", () => {
      for (const call of this.calls) if (call.peer.connection === peer.connection) call.end("caller-hangup");
      for (const b of this.registrar.dropConnection(peer.connection)) this.log("info", `registration of ${b.user} at ${b.contact} ended with its WebSocket`);
    });
  }

  private answer(call: SipCall): void {
    if (call.state !== "inviting") return;
    call.state = "answered";
    call.respondFinal(
      makeResponse(call.invite, 200, {
        toTag: call.localTag,
        headers: [
          ["Contact", this.contact(call.peer)],
          ["Allow", ALLOW],
          ["Content-Type", "application/sdp"],
        ],
        body: Buffer.from(call.answerSdp),
      }),
    );
  }

  private contact(peer: SipPeer): string {
    const host = this.advertisedHost.includes(":") ? `[${this.advertisedHost}]` : this.advertisedHost;
    if (peer.transport === "WS" || peer.transport === "WSS") {
      // RFC 7118 §5.2: the peer cannot reach us at an address; the dialog lives on its socket.
      return `<sip:ccflow@${randomBytes(6).toString("hex")}.invalid;transport=ws>`;
    }
    if (peer.transport === "TLS") return `<sips:ccflow@${host}:${this.tlsPort}>`;
    return `<sip:ccflow@${host}:${this.port}${peer.transport === "TCP" ? ";transport=tcp" : ""}>`;
  }

  /** Keeps a mid-call transaction's response for its retransmissions (Timer J / H: 64·T1). */
  private remember(key: string, response: SipResponse | "pending"): void {
    const first = !this.midCall.has(key);
    this.midCall.set(key, response);
    if (first) setTimeout(() => this.midCall.delete(key), TIMER_H).unref();
  }

  /** A new offer, or a request for ours, in an established call. */
  private reinvite(request: SipRequest, peer: SipPeer): void {
    const call = this.dialogOf(request);
    if (!call || call.state === "ended") return this.send(peer, makeResponse(request, 481));
    // RFC 3261 §14.2: an INVITE while another of the dialog's is unfinished gets 500 with Retry-After.
    if (call.state !== "confirmed" || call.updating || call.reinvite) return this.send(peer, makeResponse(request, 500, { headers: [["Retry-After", "1"], ["Warning", warning("the previous INVITE is not finished")]] }));
    const key = this.branchKey(request);
    const cseq = parseCSeq(request.headers.get("cseq") ?? "")?.seq ?? 0;
    this.send(peer, makeResponse(request, 100));
    this.remember(key, "pending");
    this.identityUpdate(call, request);
    const offerless = request.body.length === 0;
    void this.answerInDialog(call, request).then((response) => {
      this.remember(key, response);
      if (response.status >= 300) {
        this.send(peer, response);
        return;
      }
      // Our 2xx, resent over UDP until the ACK; none in 64·T1 ends the call (RFC 3261 §13.3.1.4).
      const tx: NonNullable<SipCall["reinvite"]> = { cseq, key, offerless };
      call.reinvite = tx;
      this.send(peer, response);
      const giveUp = () => {
        if (call.reinvite !== tx || call.state === "ended") return;
        call.reinvite = undefined;
        this.log("warn", `call ${call.callId.slice(0, 12)} from ${peer.address}: no ACK for the re-INVITE's 200 in ${TIMER_H / 1000} s; hanging up`);
        call.hangup("no-ack");
      };
      if (isReliable(peer)) {
        tx.timer = setTimeout(giveUp, TIMER_H);
        return;
      }
      let interval = T1;
      let elapsed = 0;
      const again = () => {
        tx.timer = setTimeout(() => {
          if (call.reinvite !== tx || call.state === "ended") return;
          elapsed += interval;
          if (elapsed >= TIMER_H) return giveUp();
          this.send(peer, response);
          interval = Math.min(interval * 2, T2);
          again();
        }, interval);
      };
      again();
    }).catch((err: unknown) => this.log("warn", `re-INVITE on call ${call.callId.slice(0, 12)} failed: ${(err as Error).message}`));
  }

  /** RFC 3311: a new offer (or a refresh without one) in an established call, no ACK. */
  private update(request: SipRequest, peer: SipPeer): void {
    const key = this.branchKey(request);
    const previous = this.midCall.get(key);
    if (previous) {
      if (previous !== "pending") this.send(peer, previous);
      return;
    }
    const call = this.dialogOf(request);
    if (!call || call.state === "ended") return this.send(peer, makeResponse(request, 481));
    if (call.state !== "confirmed") return this.send(peer, makeResponse(request, 500, { headers: [["Retry-After", "1"], ["Warning", warning("UPDATE is taken once the call is answered and acknowledged")]] }));
    if (request.body.length > 0 && (call.updating || call.reinvite)) return this.send(peer, makeResponse(request, 500, { headers: [["Retry-After", "1"], ["Warning", warning("another offer is being answered")]] }));
    this.remember(key, "pending");
    this.identityUpdate(call, request);
    void this.answerInDialog(call, request).then((response) => {
      this.remember(key, response);
      this.send(peer, response);
    }).catch((err: unknown) => this.log("warn", `UPDATE on call ${call.callId.slice(0, 12)} failed: ${(err as Error).message}`));
  }

  /**
   * A re-INVITE or UPDATE that asserts a new caller number: the call takes it and says so. One no
   * carrier delivers is not taken (logged); the request goes on to be answered either way, since
   * its media change does not depend on who the caller says they are.
   */
  private identityUpdate(call: SipCall, request: SipRequest): void {
    let update: ReturnType<typeof updatedCallerNumber>;
    try {
      update = updatedCallerNumber(request, call.fromUser);
    } catch (err) {
      if (!(err instanceof CallerIdError)) throw err;
      this.log("warn", `call ${call.callId.slice(0, 12)} from ${call.peer.address}: ${request.method}'s new caller id ignored: ${err.message}`);
      return;
    }
    if (!update) return;
    call.fromUser = update.fromUser;
    if (update.ani === call.ani) return;
    const previous = call.ani;
    call.ani = update.ani;
    this.log("info", `call ${call.callId.slice(0, 12)} from ${call.peer.address}: ${request.method}'s ${update.header} changes the caller's number from ${previous || "(none)"} to ${update.ani || "(none)"}`);
    call.onAniChange?.(update.ani, previous);
  }

  /**
   * The response to a re-INVITE or UPDATE: 200 with our answer to its offer, or with our current
   * description when it has none (an offerless re-INVITE: the answer comes in the ACK; an UPDATE
   * without a body only refreshes the session), or the offer's refusal.
   */
  private async answerInDialog(call: SipCall, request: SipRequest): Promise<SipResponse> {
    const ok = (body?: string) =>
      makeResponse(request, 200, {
        headers: [["Contact", this.contact(call.peer)], ["Allow", ALLOW], ...(body ? ([["Content-Type", "application/sdp"]] as Array<[string, string]>) : [])],
        ...(body ? { body: Buffer.from(body) } : {}),
      });
    const refuse = (status: number, why: string, extra: Array<[string, string]> = []) => {
      this.log("warn", `call ${call.callId.slice(0, 12)} from ${call.peer.address}: ${request.method} refused (${status}): ${why}`);
      return makeResponse(request, status, { headers: [...extra, ["Warning", warning(why)]] });
    };
    if (request.body.length === 0) return ok(request.method === "INVITE" ? call.answerSdp : undefined);
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/sdp") return refuse(415, `body is ${type || "untyped"}, not application/sdp`, [["Accept", "application/sdp"]]);
    call.updating = true;
    try {
      const result = await answerMidCallOffer(call, request.body.toString("utf8"), this.advertisedHost);
      // A BYE while werift was answering: the request is answered, the dialog is gone.
      if (call.state === "ended") return makeResponse(request, 487);
      if (!result.ok) return refuse(result.status, result.reason);
      this.log("info", `call ${call.callId.slice(0, 12)} from ${call.peer.address}: ${request.method} ${result.hold ? "holds ccflow (no audio sent)" : `sendrecv, ${call.offer.codec}`}`);
      return ok(result.answer);
    } catch (err) {
      return refuse(500, `the new offer could not be answered: ${(err as Error).message}`);
    } finally {
      call.updating = false;
    }
  }

  private ack(request: SipRequest): void {
    // ACK of a non-2xx response: same branch as the INVITE.
    const tx = this.byBranch.get(this.branchKey(request));
    if (tx && tx.finalResponse && tx.finalResponse.status >= 300) {
      tx.acknowledged();
      this.forget(tx);
      return;
    }
    const call = this.dialogOf(request);
    if (!call) return;
    const reinvite = call.reinvite;
    if (reinvite && parseCSeq(request.headers.get("cseq") ?? "")?.seq === reinvite.cseq) {
      clearTimeout(reinvite.timer);
      call.reinvite = undefined;
      this.midCall.delete(reinvite.key);
      if (reinvite.offerless && request.body.length > 0 && call.state === "confirmed") {
        const applied = applyAckAnswer(call, request.body.toString("utf8"));
        if (!applied.ok) this.log("warn", `call ${call.callId.slice(0, 12)} from ${call.peer.address}: the ACK's answer is not taken: ${applied.reason}`);
      }
      return;
    }
    call.acknowledged();
    if (call.state === "answered") {
      call.state = "confirmed";
      try {
        this.options.onCall(call);
      } catch (err) {
        this.log("warn", `call ${call.callId.slice(0, 12)} could not start: ${(err as Error).message}`);
        call.hangup("error");
      }
    }
  }

  private cancel(request: SipRequest, peer: SipPeer): void {
    const call = this.byBranch.get(this.branchKey(request));
    if (!call) return this.send(peer, makeResponse(request, 481));
    this.send(peer, makeResponse(request, 200, { toTag: call.localTag }));
    if (call.state !== "inviting") return;
    call.end("cancelled");
    this.byBranch.set(this.branchKey(request), call);
    call.respondFinal(makeResponse(call.invite, 487, { toTag: call.localTag }));
  }

  private bye(request: SipRequest, peer: SipPeer): void {
    const call = this.dialogOf(request);
    if (!call) return this.send(peer, makeResponse(request, 481));
    this.send(peer, makeResponse(request, 200));
    call.acknowledged();
    call.end("caller-hangup");
  }

  private info(request: SipRequest, peer: SipPeer): void {
    const call = this.dialogOf(request);
    if (!call || call.state === "ended") return this.send(peer, makeResponse(request, 481));
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const body = request.body.toString("utf8");
    let key: string | undefined;
    if (type === "application/dtmf-relay") key = /^\s*signal\s*=\s*([0-9*#A-D])\s*$/im.exec(body)?.[1];
    else if (type === "application/dtmf") key = /^\s*([0-9*#A-D])\s*$/i.exec(body)?.[1];
    else return this.send(peer, makeResponse(request, 415, { headers: [["Accept", "application/dtmf-relay, application/dtmf"]] }));
    if (!key) return this.send(peer, makeResponse(request, 400, { headers: [["Warning", warning(`${type} body names no key`)]] }));
    this.send(peer, makeResponse(request, 200));
    call.key(key.toUpperCase());
  }

  /** REGISTER (RFC 3261 §10.3): digest always, then the registrar's table. */
  private register(request: SipRequest, peer: SipPeer): void {
    const toTag = randomBytes(4).toString("hex");
    const access = this.options.access.authenticate("REGISTER", request.headers.get("authorization"));
    if (!access.ok) {
      if (access.status === 403 || request.headers.get("authorization")) this.log("warn", `REGISTER from ${peer.address}:${peer.port} refused (${access.status}): ${access.reason}`);
      return this.send(peer, makeResponse(request, access.status, { toTag, headers: [...(access.challenge ? ([["WWW-Authenticate", access.challenge]] as Array<[string, string]>) : []), ["Warning", warning(access.reason)]] }));
    }
    const outcome = this.registrar.register(request, access.user!, peer);
    if (outcome.status !== 200) {
      this.log("warn", `REGISTER of ${access.user} from ${peer.address}:${peer.port} refused (${outcome.status}): ${outcome.reason}`);
      const extra: Array<[string, string]> = outcome.minExpires !== undefined ? [["Min-Expires", String(outcome.minExpires)]] : [];
      return this.send(peer, makeResponse(request, outcome.status, { toTag, headers: [...extra, ["Warning", warning(outcome.reason)]] }));
    }
    for (const b of outcome.added) this.log("info", `${b.user} registered ${b.contact} for ${this.registrar.remaining(b)} s over ${peer.transport}`);
    for (const b of outcome.removed) this.log("info", `${b.user} unregistered ${b.contact}`);
    const contacts: Array<[string, string]> = outcome.bindings.map((b) => ["Contact", `<${b.contact}>;expires=${this.registrar.remaining(b)}`]);
    this.send(peer, makeResponse(request, 200, { toTag, headers: [...contacts, ["Date", new Date().toUTCString()]] }));
  }

  private optionsRequest(request: SipRequest, peer: SipPeer): void {
    const inDialog = parseNameAddr(request.headers.get("to")!)?.params.get("tag") !== undefined;
    if (!inDialog) {
      const access = this.options.access.check(peer.address, "OPTIONS", request.headers.get("authorization") ?? undefined);
      if (!access.ok) {
        const extra: Array<[string, string]> = access.challenge ? [["WWW-Authenticate", access.challenge]] : [];
        return this.send(peer, makeResponse(request, access.status, { toTag: randomBytes(4).toString("hex"), headers: extra }));
      }
    }
    this.send(peer, makeResponse(request, 200, { toTag: randomBytes(4).toString("hex"), headers: [["Allow", ALLOW], ["Accept", "application/sdp, application/dtmf-relay, application/dtmf"]] }));
  }

  /** Our BYE for `call`, resent over UDP until answered (or 32 s). */
  sendBye(call: SipCall): void {
    const contact = parseNameAddr(call.invite.headers.get("contact") ?? "")?.uri ?? call.invite.headers.get("from") ?? "";
    const target = contact.startsWith("sip") ? contact : (parseNameAddr(call.invite.headers.get("from")!)?.uri ?? "sip:caller@invalid");
    const branch = `z9hG4bK${randomBytes(8).toString("hex")}`;
    const host = this.advertisedHost.includes(":") ? `[${this.advertisedHost}]` : this.advertisedHost;
    const headers = new SipHeaders()
      .add("Via", `SIP/2.0/${call.peer.transport} ${call.peer.transport.startsWith("WS") ? `${randomBytes(6).toString("hex")}.invalid` : `${host}:${call.peer.transport === "TLS" ? this.tlsPort : this.port}`};branch=${branch};rport`)
      .add("Max-Forwards", "70")
      .add("From", toWithTag(call))
      .add("To", call.invite.headers.get("from")!)
      .add("Call-ID", call.callId)
      .add("CSeq", `${call.nextCSeq()} BYE`);
    for (const rr of call.invite.headers.all("record-route")) headers.add("Route", rr);
    const bye: SipRequest = { kind: "request", method: "BYE", uri: target, headers, body: Buffer.alloc(0) };
    this.send(call.peer, bye);
    if (isReliable(call.peer)) return;
    let interval = T1;
    let elapsed = 0;
    const again = () => {
      const t = setTimeout(() => {
        elapsed += interval;
        if (elapsed >= TIMER_H || !this.byes.has(branch)) return this.byes.delete(branch);
        this.transport.send(call.peer, bye);
        interval = Math.min(interval * 2, T2);
        again();
      }, interval);
      this.byes.set(branch, t);
    };
    again();
  }

  private response(response: SipResponse): void {
    const branch = topVia(response.headers)?.params.get("branch");
    if (!branch || response.status < 200) return;
    const cseq = parseCSeq(response.headers.get("cseq") ?? "");
    if (cseq?.method !== "BYE") return;
    const t = this.byes.get(branch);
    if (t) clearTimeout(t);
    this.byes.delete(branch);
  }
}

function toWithTag(call: SipCall): string {
  const to = call.invite.headers.get("to")!;
  return /;\s*tag=/i.test(to) ? to : `${to};tag=${call.localTag}`;
}

function reasonFor(status: number): string {
  return makeResponse({ kind: "request", method: "X", uri: "", headers: new SipHeaders(), body: Buffer.alloc(0) }, status).reason;
}

/** A Warning header (RFC 3261 §20.43) carrying our reason, quotes and controls removed. */
function warning(text: string): string {
  return `399 ccflow "${text.replace(/["\\\r\n]/g, "'").slice(0, 200)}"`;
}
