/**
 * One call ccflow places itself (a SIP user agent client over UDP), for an agent's transfer to an
 * outside number: INVITE with a G.711 offer to the dial plan's SIP URI, retransmitted until a
 * response (RFC 3261 timer A), CANCEL when nobody answers in time, ACK of the final response, then
 * RTP both ways (an `RtpSession`, so the audio bridge takes it like a caller's leg) until either
 * side sends BYE.
 *
 * Hand-written on the SIP server's own message parser and SDP code: the npm SIP stacks bring
 * their own transports and dialog layers (or are unmaintained), and this needs one client
 * transaction per call. Not covered: authentication challenges (401/407 end the attempt),
 * redirects (3xx are failures), TCP/TLS, re-INVITEs from the far end (answered 488).
 */
import { createSocket, type Socket } from "node:dgram";
import { randomBytes, randomUUID } from "node:crypto";
import { RtpSession } from "../media/rtp-session.js";
import { makeResponse, parseSipMessage, parseUri, serializeSipMessage, SipHeaders, type SipRequest, type SipResponse } from "./message.js";
import { readOffer, SdpError, writeAnswer } from "./sdp.js";

export interface DialOptions {
  /** Where to call: `sip:user@host[:port]` (UDP). */
  uri: string;
  /** The caller's number, shown to the far end in From. */
  from: string;
  /** The local address to send from and take RTP on. */
  host: string;
  ringTimeoutMs: number;
  /** Called while it rings (a 18x arrived). */
  onRinging?: () => void;
}

/** Why a call was not answered: `NO_ANSWER` (timeout), `REJECTED` (a final error response), `FAILED` (nothing came back, or no usable SDP). */
export class DialError extends Error {
  constructor(
    readonly code: "NO_ANSWER" | "REJECTED" | "FAILED" | "INVALID_DESTINATION",
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const TIMER_T1 = 500;
/** No response at all to the INVITE for this long (timer B, 64·T1). */
const TIMER_B = 64 * TIMER_T1;

const token = () => randomBytes(6).toString("hex");

export class OutboundCall {
  /** The far end hung up (BYE), or we did. */
  onEnded?: (by: "remote" | "local") => void;
  private ended = false;
  private cseq = 1;
  private remoteTag = "";
  private remoteTarget: string;

  private constructor(
    private readonly socket: Socket,
    readonly rtp: RtpSession,
    private readonly peer: { host: string; port: number },
    private readonly local: { host: string; port: number },
    private readonly invite: SipRequest,
  ) {
    this.remoteTarget = invite.uri;
  }

  /** Places the call; resolves once it is answered (the ACK sent), rejects with a DialError. */
  static async dial(o: DialOptions): Promise<OutboundCall> {
    const uri = parseUri(o.uri);
    if (!uri || uri.scheme !== "sip" || !uri.host) throw new DialError("INVALID_DESTINATION", `"${o.uri}" is not a sip: URI`);
    const peer = { host: uri.host.replace(/^\[|\]$/g, ""), port: uri.port ?? 5060 };
    const socket = createSocket(peer.host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, o.host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    const rtp = new RtpSession({ host: o.host });
    let rtpPort: number;
    try {
      rtpPort = await rtp.open();
    } catch (err) {
      socket.close();
      throw new DialError("FAILED", `no RTP port: ${(err as Error).message}`);
    }
    const local = { host: o.host, port: socket.address().port };
    const hostPart = local.host.includes(":") ? `[${local.host}]` : local.host;
    const offer = writeAnswer({ address: local.host, port: rtpPort, codec: "PCMU", payloadType: 0, dtmfPayloadType: 101, direction: "sendrecv" }, { address: local.host, port: rtpPort, sessionId: Date.now(), version: 1 });
    const headers = new SipHeaders()
      .add("Via", `SIP/2.0/UDP ${hostPart}:${local.port};branch=z9hG4bK${token()};rport`)
      .add("Max-Forwards", "70")
      .add("From", `<sip:${encodeURIComponent(o.from)}@${hostPart}>;tag=${token()}`)
      .add("To", `<${o.uri}>`)
      .add("Call-ID", `${randomUUID()}@${hostPart}`)
      .add("CSeq", "1 INVITE")
      .add("Contact", `<sip:ccflow@${hostPart}:${local.port}>`)
      .add("Content-Type", "application/sdp");
    const invite: SipRequest = { kind: "request", method: "INVITE", uri: o.uri, headers, body: Buffer.from(offer) };
    const call = new OutboundCall(socket, rtp, peer, local, invite);
    try {
      await call.inviteTransaction(o);
    } catch (err) {
      call.close();
      throw err;
    }
    return call;
  }

  /** Hangs up an answered call (BYE). */
  hangup(): void {
    if (this.ended) return;
    this.send(this.request("BYE", ++this.cseq));
    this.finish("local");
  }

  private inviteTransaction(o: DialOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let wait = TIMER_T1;
      let retransmit: NodeJS.Timeout | undefined;
      let settled = false;
      let cancelled = false;
      const started = Date.now();
      const done = (err?: DialError) => {
        if (settled) return;
        settled = true;
        clearTimeout(retransmit);
        clearTimeout(ring);
        if (err) reject(err);
        else resolve();
      };
      const again = () => {
        if (Date.now() - started >= TIMER_B) return done(new DialError("FAILED", `no response from ${this.peer.host}:${this.peer.port} within ${TIMER_B / 1000} s`));
        this.send(this.invite);
        retransmit = setTimeout(again, (wait = Math.min(wait * 2, 4000)));
      };
      const ring = setTimeout(() => {
        cancelled = true;
        this.send(this.cancel());
        // The 487 that follows is acknowledged below; the answer is no answer either way.
        setTimeout(() => done(new DialError("NO_ANSWER", `no answer within ${Math.round(o.ringTimeoutMs / 1000)} s`)), 2000).unref();
      }, o.ringTimeoutMs);
      this.socket.on("message", (buf, rinfo) => {
        const parsed = parseSipMessage(buf);
        if (!parsed.ok) return;
        const m = parsed.message;
        if (m.headers.get("call-id") !== this.invite.headers.get("call-id")) return;
        if (m.kind === "request") return this.onRequest(m, rinfo);
        const method = (m.headers.get("cseq") ?? "").trim().split(/\s+/)[1]?.toUpperCase();
        if (method !== "INVITE") return;
        clearTimeout(retransmit);
        if (m.status < 200) {
          if (m.status >= 180) o.onRinging?.();
          return;
        }
        this.remoteTag = /;\s*tag=([^;>\s]+)/i.exec(m.headers.get("to") ?? "")?.[1] ?? "";
        if (m.status >= 300) {
          this.send(this.ackOfFailure(m));
          return done(cancelled ? new DialError("NO_ANSWER", `no answer within ${Math.round(o.ringTimeoutMs / 1000)} s`) : new DialError("REJECTED", `the far end answered ${m.status} ${m.reason}`, m.status));
        }
        const contact = /<([^>]+)>/.exec(m.headers.get("contact") ?? "")?.[1];
        if (contact && parseUri(contact)) this.remoteTarget = contact;
        this.send(this.request("ACK", 1));
        if (settled) return; // a retransmitted 200: acknowledged again
        if (cancelled) {
          // Answered as the CANCEL crossed it: hang up at once.
          this.send(this.request("BYE", ++this.cseq));
          return done(new DialError("NO_ANSWER", `no answer within ${Math.round(o.ringTimeoutMs / 1000)} s`));
        }
        try {
          const answer = readOffer(m.body.toString("utf8"));
          if (answer.codec !== "PCMU" && answer.codec !== "PCMA") throw new SdpError(488, "no G.711 codec in the answer");
          this.rtp.connect({ address: answer.address, port: answer.port, codec: answer.codec, payloadType: answer.payloadType, ...(answer.dtmfPayloadType !== undefined ? { dtmfPayloadType: answer.dtmfPayloadType } : {}) });
        } catch (err) {
          this.send(this.request("BYE", ++this.cseq));
          return done(new DialError("FAILED", `the far end's SDP answer is not usable: ${(err as Error).message}`));
        }
        done();
      });
      again();
    });
  }

  private onRequest(m: SipRequest, rinfo: { address: string; port: number }): void {
    const reply = (status: number) => this.socket.send(serializeSipMessage(makeResponse(m, status, { toTag: undefined })), rinfo.port, rinfo.address);
    if (m.method === "BYE") {
      reply(200);
      this.finish("remote");
    } else if (m.method === "ACK") {
      // Nothing to do: we never answer an INVITE with 2xx.
    } else if (m.method === "INVITE") reply(488);
    else reply(m.method === "OPTIONS" ? 200 : 405);
  }

  /** A request inside the dialog (ACK of a 2xx, BYE). */
  private request(method: "ACK" | "BYE", seq: number): SipRequest {
    const h = this.invite.headers;
    const hostPart = this.local.host.includes(":") ? `[${this.local.host}]` : this.local.host;
    const headers = new SipHeaders()
      .add("Via", `SIP/2.0/UDP ${hostPart}:${this.local.port};branch=z9hG4bK${token()};rport`)
      .add("Max-Forwards", "70")
      .add("From", h.get("from")!)
      .add("To", `${h.get("to")!}${this.remoteTag ? `;tag=${this.remoteTag}` : ""}`)
      .add("Call-ID", h.get("call-id")!)
      .add("CSeq", `${seq} ${method}`);
    return { kind: "request", method, uri: this.remoteTarget, headers, body: Buffer.alloc(0) };
  }

  /** CANCEL: the INVITE's Via (same branch), Request-URI, From, To, Call-ID and CSeq number. */
  private cancel(): SipRequest {
    const h = this.invite.headers;
    const headers = new SipHeaders().add("Via", h.get("via")!).add("Max-Forwards", "70").add("From", h.get("from")!).add("To", h.get("to")!).add("Call-ID", h.get("call-id")!).add("CSeq", "1 CANCEL");
    return { kind: "request", method: "CANCEL", uri: this.invite.uri, headers, body: Buffer.alloc(0) };
  }

  /** The ACK of a non-2xx final response: part of the INVITE transaction (same branch). */
  private ackOfFailure(response: SipResponse): SipRequest {
    const h = this.invite.headers;
    const headers = new SipHeaders().add("Via", h.get("via")!).add("Max-Forwards", "70").add("From", h.get("from")!).add("To", response.headers.get("to") ?? h.get("to")!).add("Call-ID", h.get("call-id")!).add("CSeq", "1 ACK");
    return { kind: "request", method: "ACK", uri: this.invite.uri, headers, body: Buffer.alloc(0) };
  }

  private send(message: SipRequest): void {
    if (this.ended && message.method !== "BYE") return;
    this.socket.send(serializeSipMessage(message), this.peer.port, this.peer.host);
  }

  private finish(by: "remote" | "local"): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnded?.(by);
    // Let the BYE's last datagram leave, and take the far end's 200 OK, before closing.
    setTimeout(() => this.close(), 1000).unref();
  }

  private close(): void {
    this.ended = true;
    this.rtp.close();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
