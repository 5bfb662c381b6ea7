/**
 * A SIP phone over WebSocket (RFC 7118) for tests: the `ws` client opens the server's `/sip`
 * with the `sip` subprotocol and speaks SIP as text frames, the way a browser's SIP library does
 * (Via transport WS, a `.invalid` sent-by, no Content-Length needed). It places one call: INVITE
 * (answering a digest challenge when given credentials), ACK, INFO and BYE; it answers the
 * server's BYE with 200 and keeps every message it got.
 */
import { createHash, randomBytes } from "node:crypto";
import WebSocket from "ws";

export interface SipText {
  startLine: string;
  status?: number;
  method?: string;
  headers: Map<string, string[]>;
  body: string;
  raw: string;
}

function parse(raw: string): SipText {
  const [head = "", ...rest] = raw.split("\r\n\r\n");
  const lines = head.split("\r\n");
  const startLine = lines.shift() ?? "";
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(":");
    const name = line.slice(0, i).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  const status = /^SIP\/2\.0 (\d{3})/.exec(startLine)?.[1];
  const method = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(startLine)?.[1];
  return { startLine, ...(status ? { status: Number(status) } : {}), ...(method ? { method } : {}), headers, body: rest.join("\r\n\r\n"), raw };
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

export class WsSipPhone {
  readonly received: SipText[] = [];
  closed = false;
  private waiters: Array<{ match: (m: SipText) => boolean; resolve: (m: SipText) => void }> = [];
  private readonly host = `${randomBytes(5).toString("hex")}.invalid`;
  readonly callId = `${randomBytes(8).toString("hex")}@ws-phone`;
  private readonly fromTag = randomBytes(4).toString("hex");
  private cseq = 1;
  private toHeader = "";
  private uri = "";
  private from = "";

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = parse(String(data));
      this.received.push(m);
      if (m.method === "BYE") this.reply(m, 200);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    ws.on("close", () => (this.closed = true));
  }

  static open(url: string, options: { protocols?: string[]; origin?: string } = {}): Promise<WsSipPhone> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols ?? ["sip"], options.origin ? { origin: options.origin } : {});
      ws.once("open", () => resolve(new WsSipPhone(ws)));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  /** The next message from now on that matches (or one already received, with `seen`). */
  next(match: (m: SipText) => boolean, what: string, timeoutMs = 15_000, seen = false): Promise<SipText> {
    if (seen) {
      const m = this.received.find(match);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got: ${this.received.map((m) => m.startLine).join(" | ")}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  private inviteBranch = "";

  private request(method: string, extra: string[], body = "", cseq = this.cseq, branch = `z9hG4bK${randomBytes(6).toString("hex")}`): string {
    if (method === "INVITE") this.inviteBranch = branch;
    const lines = [
      `${method} ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/WS ${this.host};branch=${branch}`,
      "Max-Forwards: 70",
      `From: ${this.from};tag=${this.fromTag}`,
      `To: ${this.toHeader}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      ...extra,
    ];
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    return `${lines.join("\r\n")}\r\n\r\n${body}`;
  }

  private reply(request: SipText, status: number): void {
    const copy = (name: string) => (request.headers.get(name) ?? []).map((v) => `${name === "call-id" ? "Call-ID" : name === "cseq" ? "CSeq" : name[0]!.toUpperCase() + name.slice(1)}: ${v}`);
    this.ws.send([`SIP/2.0 ${status} OK`, ...copy("via"), ...copy("from"), ...copy("to"), ...copy("call-id"), ...copy("cseq"), "Content-Length: 0", "", ""].join("\r\n"));
  }

  /**
   * INVITE with `sdp`; answers a 401 with `credentials`. Resolves with the final response (the
   * phone sends the ACK of a refusal itself, as a transaction layer would).
   */
  async invite(o: { ani: string; dnis: string; sdp: string; credentials?: { username: string; password: string } }): Promise<SipText> {
    this.uri = `sip:${o.dnis}@ccflow.invalid`;
    this.from = `"WS caller" <sip:${o.ani}@${this.host}>`;
    this.toHeader = `<${this.uri}>`;
    const contact = `Contact: <sip:${o.ani}@${this.host};transport=ws>`;
    const send = (auth?: string) => {
      const final = this.next((m) => m.status !== undefined && m.status >= 200 && (m.headers.get("cseq")?.[0] ?? "").startsWith(`${this.cseq} `), "the INVITE's final response", 30_000);
      this.ws.send(this.request("INVITE", [contact, "Content-Type: application/sdp", ...(auth ? [`Authorization: ${auth}`] : [])], o.sdp));
      return final;
    };
    let final = await send();
    if (final.status === 401 && o.credentials) {
      this.ackRefusal(final);
      const challenge = final.headers.get("www-authenticate")![0]!;
      const realm = /realm="([^"]*)"/.exec(challenge)![1]!;
      const nonce = /nonce="([^"]*)"/.exec(challenge)![1]!;
      const cnonce = randomBytes(4).toString("hex");
      const ha1 = md5(`${o.credentials.username}:${realm}:${o.credentials.password}`);
      const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`INVITE:${this.uri}`)}`);
      this.cseq++;
      final = await send(`Digest username="${o.credentials.username}", realm="${realm}", nonce="${nonce}", uri="${this.uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`);
    }
    if (final.status === 200) this.toHeader = final.headers.get("to")![0]!;
    else this.ackRefusal(final);
    return final;
  }

  /** REGISTER as `user` (answering the 401 with `password`); resolves with the final response. */
  async register(user: string, password: string, expires = 600): Promise<SipText> {
    this.uri = "sip:ccflow.invalid";
    this.from = `<sip:${user}@ccflow.invalid>`;
    this.toHeader = this.from;
    const extra = [`Contact: <sip:${user}@${this.host};transport=ws>;expires=${expires}`];
    const send = (auth?: string) => {
      const cseq = ++this.cseq;
      const final = this.next((m) => m.status !== undefined && m.status >= 200 && (m.headers.get("cseq")?.[0] ?? "") === `${cseq} REGISTER`, "the REGISTER's final response");
      this.ws.send(this.request("REGISTER", [...extra, ...(auth ? [`Authorization: ${auth}`] : [])], "", cseq));
      return final;
    };
    const first = await send();
    if (first.status !== 401) return first;
    const challenge = first.headers.get("www-authenticate")![0]!;
    const realm = /realm="([^"]*)"/.exec(challenge)![1]!;
    const nonce = /nonce="([^"]*)"/.exec(challenge)![1]!;
    const cnonce = randomBytes(4).toString("hex");
    const response = md5(`${md5(`${user}:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${this.uri}`)}`);
    return send(`Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${this.uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`);
  }

  /** The ACK of a non-2xx final response belongs to the INVITE's transaction (same branch). */
  private ackRefusal(final: SipText): void {
    this.toHeader = final.headers.get("to")![0]!;
    this.ws.send(this.request("ACK", [], "", this.cseq, this.inviteBranch));
    this.toHeader = `<${this.uri}>`;
  }

  ack(): void {
    this.ws.send(this.request("ACK", [], "", this.cseq));
  }

  /**
   * A new offer in the call: a re-INVITE (acknowledged on its 200) or an UPDATE; resolves with
   * the final response.
   */
  async reoffer(method: "INVITE" | "UPDATE", sdp: string, ackAnswer?: (offer: string) => string): Promise<SipText> {
    const cseq = ++this.cseq;
    const final = this.next((m) => m.status !== undefined && m.status >= 200 && (m.headers.get("cseq")?.[0] ?? "") === `${cseq} ${method}`, `the ${method}'s final response`, 30_000);
    this.ws.send(this.request(method, sdp ? ["Content-Type: application/sdp"] : [], sdp, cseq));
    const response = await final;
    // An offerless re-INVITE's 200 carries the offer; the answer goes in the ACK.
    const answer = ackAnswer?.(response.body);
    if (method === "INVITE") this.ws.send(this.request("ACK", answer ? ["Content-Type: application/sdp"] : [], answer ?? "", cseq));
    return response;
  }

  /** A key by SIP INFO (application/dtmf-relay); resolves with the response. */
  info(key: string): Promise<SipText> {
    const cseq = ++this.cseq;
    const done = this.next((m) => m.status !== undefined && (m.headers.get("cseq")?.[0] ?? "") === `${cseq} INFO`, "the INFO's response");
    this.ws.send(this.request("INFO", ["Content-Type: application/dtmf-relay"], `Signal=${key}\r\nDuration=160\r\n`, cseq));
    return done;
  }

  bye(): Promise<SipText> {
    const cseq = ++this.cseq;
    const done = this.next((m) => m.status !== undefined && (m.headers.get("cseq")?.[0] ?? "") === `${cseq} BYE`, "the BYE's response");
    this.ws.send(this.request("BYE", [], "", cseq));
    return done;
  }

  close(): void {
    if (!this.closed) this.ws.close();
  }
}
