/**
 * One call ccflow places itself (a SIP user agent client), for an agent's transfer to an outside
 * number: INVITE with a G.711 offer to the dial plan's SIP URI, over UDP retransmitted until a
 * response (RFC 3261 timer A) or, for a URI with `;transport=tcp`, over one TCP connection per
 * call (messages framed by Content-Length, no retransmission), CANCEL when nobody answers in time, ACK of the final response, then
 * RTP both ways (an `RtpSession`, so the audio bridge takes it like a caller's leg) until either
 * side sends BYE.
 *
 * A trunk that challenges (401/407) is answered once with digest credentials (RFC 2617/7616,
 * MD5, qop=auth or none), and only when the challenge comes from the dial plan's own host: a
 * redirect elsewhere never gets them. A 3xx with a Contact is followed (a new INVITE to the first
 * sip: target not tried yet), at most `maxRedirects` times, within the one ring time.
 *
 * Hand-written on the SIP server's own message parser and SDP code: the npm SIP stacks bring
 * their own transports and dialog layers (or are unmaintained), and this needs one client
 * transaction per call. Not covered: TLS, re-INVITEs from the far end (answered 488), digest
 * algorithms other than MD5.
 */
import { createSocket } from "node:dgram";
import { connect as connectTcp } from "node:net";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { RtpSession } from "../media/rtp-session.js";
import { makeResponse, parseSipMessage, parseUri, serializeSipMessage, SipHeaders, sipStreamReader, type SipMessage, type SipRequest, type SipResponse } from "./message.js";
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
  /** Digest credentials for a trunk that challenges; sent only to the host of `uri`. */
  auth?: { username: string; password: string };
  /** 3xx redirects followed at most this many times (default 3). */
  maxRedirects?: number;
  /** Gives up ringing at once, as when the ring time runs out (CANCEL): the server is stopping. */
  signal?: AbortSignal;
}

/** A digest credential as sent in Authorization / Proxy-Authorization. */
export function digestAuthorization(challenge: string, method: string, uri: string, auth: { username: string; password: string }, cnonce = randomBytes(8).toString("hex")): string | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(challenge);
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const p of m[1]!.matchAll(/([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) params.set(p[1]!.toLowerCase(), p[2] ?? p[3] ?? "");
  const realm = params.get("realm") ?? "";
  const nonce = params.get("nonce");
  const algorithm = params.get("algorithm") ?? "MD5";
  if (nonce === undefined || algorithm.toUpperCase() !== "MD5") return undefined;
  const md5 = (text: string) => createHash("md5").update(text).digest("hex");
  const qop = (params.get("qop") ?? "").split(",").map((q) => q.trim().toLowerCase()).includes("auth") ? "auth" : undefined;
  const ha1 = md5(`${auth.username}:${realm}:${auth.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const nc = "00000001";
  const response = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  const opaque = params.get("opaque");
  return `Digest username="${auth.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5${opaque !== undefined ? `, opaque="${opaque}"` : ""}${qop ? `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"` : ""}`;
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

/** A 3xx: where the far end says to call instead (its Contact URIs, in order). */
class Redirected extends DialError {
  constructor(
    status: number,
    reason: string,
    readonly targets: string[],
  ) {
    super("REJECTED", `the far end answered ${status} ${reason}`, status);
  }
}

const DEFAULT_MAX_REDIRECTS = 3;
/** How long a TCP connection to the far end may take to open. */
const TCP_CONNECT_MS = 5000;
/** More than this buffered without a whole message: the stream is garbage. */
const MAX_STREAM_BYTES = 256 * 1024;

/** How the call's SIP messages travel: one UDP socket, or one TCP connection to the far end. */
interface Wire {
  readonly transport: "UDP" | "TCP";
  readonly localPort: number;
  send(data: Buffer): void;
  /** Answers a request that came from `to` (UDP: its address; TCP: the same connection). */
  reply(data: Buffer, to: { address: string; port: number }): void;
  onMessage?: (m: SipMessage, from: { address: string; port: number }) => void;
  /** TCP: the far end closed the connection. */
  onClosed?: () => void;
  close(): void;
}

async function udpWire(local: string, peer: { host: string; port: number }): Promise<Wire> {
  const socket = createSocket(peer.host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, local, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const wire: Wire = {
    transport: "UDP",
    localPort: socket.address().port,
    send: (data) => socket.send(data, peer.port, peer.host),
    reply: (data, to) => socket.send(data, to.port, to.address),
    close: () => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    },
  };
  socket.on("message", (buf, rinfo) => {
    const parsed = parseSipMessage(buf);
    if (parsed.ok) wire.onMessage?.(parsed.message, rinfo);
  });
  return wire;
}

async function tcpWire(local: string, peer: { host: string; port: number }): Promise<Wire> {
  const socket = connectTcp({ host: peer.host, port: peer.port, localAddress: local });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError("FAILED", `no TCP connection to ${peer.host}:${peer.port} within ${TCP_CONNECT_MS / 1000} s`));
    }, TCP_CONNECT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(new DialError("FAILED", `cannot connect to ${peer.host}:${peer.port} over TCP: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
  });
  const from = { address: peer.host, port: peer.port };
  let closing = false;
  const wire: Wire = {
    transport: "TCP",
    localPort: socket.localPort ?? 0,
    send: (data) => void (socket.writable && socket.write(data)),
    reply: (data) => void (socket.writable && socket.write(data)),
    close: () => {
      closing = true;
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    },
  };
  socket.on(
    "data",
    sipStreamReader(MAX_STREAM_BYTES, {
      message: (result) => wire.onMessage?.(result.message, from),
      refused: () => socket.destroy(),
      overflow: () => socket.destroy(),
    }),
  );
  socket.on("error", () => undefined);
  socket.on("close", () => {
    if (!closing) wire.onClosed?.();
  });
  return wire;
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
  /** The CSeq number of the INVITE in progress (2 after a digest challenge). */
  private inviteSeq = 1;

  private constructor(
    private readonly wire: Wire,
    readonly rtp: RtpSession,
    private readonly peer: { host: string; port: number },
    private readonly local: { host: string; port: number },
    private invite: SipRequest,
  ) {
    this.remoteTarget = invite.uri;
  }

  /**
   * Places the call, following redirects; resolves once it is answered (the ACK sent), rejects
   * with a DialError.
   */
  static async dial(o: DialOptions): Promise<OutboundCall> {
    const deadline = Date.now() + o.ringTimeoutMs;
    const home = parseUri(o.uri);
    const max = o.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const tried = new Set<string>();
    let uri = o.uri;
    for (let hop = 0; ; hop++) {
      tried.add(uri);
      const target = parseUri(uri);
      // Credentials go to the dial plan's own host and port only, never to where a redirect points.
      const sameHost = !!target && !!home && target.host === home.host && (target.port ?? 5060) === (home.port ?? 5060);
      const { auth, ...rest } = o;
      try {
        return await OutboundCall.dialOnce({ ...rest, ...(auth && sameHost ? { auth } : {}), uri, ringTimeoutMs: Math.max(1000, deadline - Date.now()) });
      } catch (err) {
        if (!(err instanceof Redirected)) throw err;
        const next = err.targets.find((t) => !tried.has(t) && parseUri(t)?.scheme === "sip");
        if (!next) throw new DialError("REJECTED", `${err.message}, redirecting to no sip: address not tried yet${err.targets.length ? ` (${err.targets.join(", ")})` : ""}`, err.status);
        if (hop >= max) throw new DialError("REJECTED", `redirected more than ${max} times (the last ${err.status} to ${next})`, err.status);
        uri = next;
      }
    }
  }

  private static async dialOnce(o: DialOptions): Promise<OutboundCall> {
    const uri = parseUri(o.uri);
    if (!uri || uri.scheme !== "sip" || !uri.host) throw new DialError("INVALID_DESTINATION", `"${o.uri}" is not a sip: URI`);
    const peer = { host: uri.host.replace(/^\[|\]$/g, ""), port: uri.port ?? 5060 };
    const transport = (uri.params.get("transport") ?? "udp").toLowerCase();
    if (transport !== "udp" && transport !== "tcp") throw new DialError("INVALID_DESTINATION", `"${o.uri}": transport ${transport} is not supported (udp or tcp)`);
    const wire = transport === "tcp" ? await tcpWire(o.host, peer) : await udpWire(o.host, peer);
    const rtp = new RtpSession({ host: o.host });
    let rtpPort: number;
    try {
      rtpPort = await rtp.open();
    } catch (err) {
      wire.close();
      throw new DialError("FAILED", `no RTP port: ${(err as Error).message}`);
    }
    const local = { host: o.host, port: wire.localPort };
    const hostPart = local.host.includes(":") ? `[${local.host}]` : local.host;
    const offer = writeAnswer({ address: local.host, port: rtpPort, codec: "PCMU", payloadType: 0, dtmfPayloadType: 101, direction: "sendrecv" }, { address: local.host, port: rtpPort, sessionId: Date.now(), version: 1 });
    const headers = new SipHeaders()
      .add("Via", `SIP/2.0/${wire.transport} ${hostPart}:${local.port};branch=z9hG4bK${token()};rport`)
      .add("Max-Forwards", "70")
      .add("From", `<sip:${encodeURIComponent(o.from)}@${hostPart}>;tag=${token()}`)
      .add("To", `<${o.uri}>`)
      .add("Call-ID", `${randomUUID()}@${hostPart}`)
      .add("CSeq", "1 INVITE")
      .add("Contact", `<sip:ccflow@${hostPart}:${local.port}${wire.transport === "TCP" ? ";transport=tcp" : ""}>`)
      .add("Content-Type", "application/sdp");
    const invite: SipRequest = { kind: "request", method: "INVITE", uri: o.uri, headers, body: Buffer.from(offer) };
    const call = new OutboundCall(wire, rtp, peer, local, invite);
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
        o.signal?.removeEventListener("abort", giveUp);
        if (err) reject(err);
        else resolve();
      };
      const again = () => {
        if (Date.now() - started >= TIMER_B) return done(new DialError("FAILED", `no response from ${this.peer.host}:${this.peer.port} within ${TIMER_B / 1000} s`));
        this.send(this.invite);
        // Over TCP the transport delivers it: no retransmission, only timer B (RFC 3261 §17.1.1.2).
        retransmit = setTimeout(again, this.wire.transport === "TCP" ? TIMER_B : (wait = Math.min(wait * 2, 4000)));
      };
      const giveUp = () => {
        if (cancelled || settled) return;
        clearTimeout(ring);
        cancelled = true;
        this.send(this.cancel());
        // The 487 that follows is acknowledged below; the answer is no answer either way.
        setTimeout(() => done(new DialError("NO_ANSWER", `no answer within ${Math.round(o.ringTimeoutMs / 1000)} s`)), 2000).unref();
      };
      const ring = setTimeout(giveUp, o.ringTimeoutMs);
      if (o.signal?.aborted) queueMicrotask(giveUp);
      else o.signal?.addEventListener("abort", giveUp, { once: true });
      this.wire.onClosed = () => {
        if (!settled) done(new DialError("FAILED", `${this.peer.host}:${this.peer.port} closed the TCP connection`));
        else this.finish("remote");
      };
      this.wire.onMessage = (m, rinfo) => {
        if (m.headers.get("call-id") !== this.invite.headers.get("call-id")) return;
        if (m.kind === "request") return this.onRequest(m, rinfo);
        const [seqText, method] = (m.headers.get("cseq") ?? "").trim().split(/\s+/);
        if (method?.toUpperCase() !== "INVITE") return;
        if (Number(seqText) !== this.inviteSeq) {
          // A late answer to the INVITE a challenge replaced: its transaction still wants an ACK.
          if (m.status >= 300) this.send(this.ackOfFailure(m));
          return;
        }
        clearTimeout(retransmit);
        if (m.status < 200) {
          if (m.status >= 180) o.onRinging?.();
          return;
        }
        this.remoteTag = /;\s*tag=([^;>\s]+)/i.exec(m.headers.get("to") ?? "")?.[1] ?? "";
        if (m.status >= 300) {
          this.send(this.ackOfFailure(m));
          if ((m.status === 401 || m.status === 407) && !cancelled && !settled) {
            const challenge = m.headers.get(m.status === 401 ? "www-authenticate" : "proxy-authenticate");
            if (!o.auth) return done(new DialError("REJECTED", `the far end asks for credentials (${m.status}) and the dial plan entry has none`, m.status));
            if (this.inviteSeq > 1) return done(new DialError("REJECTED", `the far end refused the dial plan entry's credentials (${m.status} ${m.reason})`, m.status));
            const authorization = challenge ? digestAuthorization(challenge, "INVITE", this.invite.uri, o.auth) : undefined;
            if (!authorization) return done(new DialError("REJECTED", `the far end's ${m.status} challenge is not digest MD5 ccflow can answer`, m.status));
            this.reinviteWith(m.status === 401 ? "Authorization" : "Proxy-Authorization", authorization);
            wait = TIMER_T1;
            again();
            return;
          }
          if (m.status >= 300 && m.status < 400) {
            const targets = m.headers.all("contact").flatMap((v) => [...v.matchAll(/<([^>]+)>/g)].map((x) => x[1]!));
            return done(new Redirected(m.status, m.reason, targets));
          }
          return done(cancelled ? new DialError("NO_ANSWER", `no answer within ${Math.round(o.ringTimeoutMs / 1000)} s`) : new DialError("REJECTED", `the far end answered ${m.status} ${m.reason}`, m.status));
        }
        const contact = /<([^>]+)>/.exec(m.headers.get("contact") ?? "")?.[1];
        if (contact && parseUri(contact)) this.remoteTarget = contact;
        this.send(this.request("ACK", this.inviteSeq));
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
      };
      again();
    });
  }

  /** The INVITE again, as a new transaction (CSeq + 1, new branch), carrying a credential. */
  private reinviteWith(header: string, value: string): void {
    const headers = new SipHeaders();
    for (const [name, v] of this.invite.headers) {
      if (name === "via") headers.add("Via", v.replace(/branch=z9hG4bK[^;]+/, `branch=z9hG4bK${token()}`));
      else if (name === "cseq") headers.add("CSeq", `${this.inviteSeq + 1} INVITE`);
      else if (name !== "authorization" && name !== "proxy-authorization") headers.add(name, v);
    }
    headers.add(header, value);
    this.inviteSeq++;
    this.cseq = this.inviteSeq;
    this.invite = { ...this.invite, headers };
  }

  private onRequest(m: SipRequest, rinfo: { address: string; port: number }): void {
    const reply = (status: number) => this.wire.reply(serializeSipMessage(makeResponse(m, status, { toTag: undefined })), rinfo);
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
      .add("Via", `SIP/2.0/${this.wire.transport} ${hostPart}:${this.local.port};branch=z9hG4bK${token()};rport`)
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
    const headers = new SipHeaders().add("Via", h.get("via")!).add("Max-Forwards", "70").add("From", h.get("from")!).add("To", h.get("to")!).add("Call-ID", h.get("call-id")!).add("CSeq", `${this.inviteSeq} CANCEL`);
    return { kind: "request", method: "CANCEL", uri: this.invite.uri, headers, body: Buffer.alloc(0) };
  }

  /** The ACK of a non-2xx final response: part of that INVITE's transaction (its branch and CSeq number). */
  private ackOfFailure(response: SipResponse): SipRequest {
    const h = this.invite.headers;
    const seq = (response.headers.get("cseq") ?? "").trim().split(/\s+/)[0] ?? String(this.inviteSeq);
    const via = response.headers.get("via")?.replace(/;\s*(received|rport)=[^;]*/gi, "") ?? h.get("via")!;
    const headers = new SipHeaders().add("Via", via).add("Max-Forwards", "70").add("From", h.get("from")!).add("To", response.headers.get("to") ?? h.get("to")!).add("Call-ID", h.get("call-id")!).add("CSeq", `${seq} ACK`);
    return { kind: "request", method: "ACK", uri: this.invite.uri, headers, body: Buffer.alloc(0) };
  }

  private send(message: SipRequest): void {
    if (this.ended && message.method !== "BYE") return;
    this.wire.send(serializeSipMessage(message));
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
    this.wire.close();
  }
}
