/**
 * SIP messages (RFC 3261 §7): a strict parser and a serializer.
 *
 * Why hand-written: the maintained SIP stacks for JavaScript are user agents for browsers.
 * JsSIP (3.13) and SIP.js (0.21) both parse with large PEG-generated grammars tied to their own
 * UA objects (JsSIP's Parser needs a UA instance; SIP.js's parser logs through its own logger
 * factory), ship only a WebSocket client transport, and build their transaction layer around one
 * registered user, not a server taking calls from many peers over UDP and TCP. What a UAS needs
 * from them is the message syntax, which is small: a start line, header fields and a body framed
 * by Content-Length. Writing that strictly, with size limits of our own, costs less than adapting
 * either stack and keeps hostile input (garbage, huge headers) away from a general grammar.
 *
 * Strictness: the start line must be exactly `METHOD SP URI SP SIP/2.0` or `SIP/2.0 SP code SP
 * reason`; header names are tokens; folded lines are joined (they are legal); CR LF or bare LF ends
 * a line; the body is exactly Content-Length bytes (on UDP a missing Content-Length means "the rest
 * of the datagram", as §18.3 allows). A problem found after the headers needed to answer (Via,
 * From, To, Call-ID, CSeq) still yields those headers, so the caller can send a 400 naming it.
 */

/** Largest message taken at all (a UDP datagram is at most 65,507 bytes). */
export const MAX_MESSAGE_BYTES = 65_535;
/** Largest header section; a request whose headers are larger gets a 400. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_HEADER_COUNT = 100;
export const MAX_BODY_BYTES = 16 * 1024;

const COMPACT: Record<string, string> = {
  v: "via",
  f: "from",
  t: "to",
  i: "call-id",
  m: "contact",
  l: "content-length",
  c: "content-type",
  k: "supported",
  s: "subject",
  e: "content-encoding",
};

/** Header names written the way RFC 3261 spells them, for messages we send. */
const CANONICAL: Record<string, string> = {
  "call-id": "Call-ID",
  cseq: "CSeq",
  "www-authenticate": "WWW-Authenticate",
  "p-asserted-identity": "P-Asserted-Identity",
};

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

export class SipHeaders {
  private readonly entries: Array<[string, string]> = [];

  static canonicalName(name: string): string {
    const lower = name.toLowerCase();
    return CANONICAL[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  }

  add(name: string, value: string): this {
    const lower = name.toLowerCase();
    this.entries.push([COMPACT[lower] ?? lower, value]);
    return this;
  }

  set(name: string, value: string): this {
    this.remove(name);
    return this.add(name, value);
  }

  remove(name: string): void {
    const lower = name.toLowerCase();
    const key = COMPACT[lower] ?? lower;
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]![0] === key) this.entries.splice(i, 1);
  }

  /** The first value of a header, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    const key = COMPACT[lower] ?? lower;
    return this.entries.find(([n]) => n === key)?.[1];
  }

  /** Every value of a header, in order (separate lines; comma lists are not split). */
  all(name: string): string[] {
    const lower = name.toLowerCase();
    const key = COMPACT[lower] ?? lower;
    return this.entries.filter(([n]) => n === key).map(([, v]) => v);
  }

  /** Appends folded text to the last header added; false when there is none. */
  extendLast(text: string): boolean {
    const last = this.entries[this.entries.length - 1];
    if (!last) return false;
    last[1] = `${last[1]} ${text}`;
    return true;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    yield* this.entries;
  }
}

export interface SipRequest {
  kind: "request";
  method: string;
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  kind: "response";
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export type ParseResult =
  | { ok: true; message: SipMessage; /** bytes consumed (TCP framing) */ length: number }
  /** Not enough bytes yet (TCP): wait for more. */
  | { ok: false; incomplete: true }
  /**
   * Refused. `request` is set when the start line and the headers a response needs were read:
   * the caller answers it with `status` and `reason`; otherwise the message is dropped.
   */
  | { ok: false; incomplete?: false; reason: string; status: number; request?: SipRequest };

const REQUIRED_FOR_RESPONSE = ["via", "from", "to", "call-id", "cseq"];

function findHeaderEnd(buf: Buffer): { end: number; sep: number } | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  if (crlf < 0 && lf < 0) return undefined;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, sep: 4 };
  return { end: lf, sep: 2 };
}

/**
 * Parses one message from the start of `buf`. `stream` is true for TCP, where Content-Length is
 * mandatory and a short buffer means "wait for more".
 */
export function parseSipMessage(buf: Buffer, stream = false): ParseResult {
  // Keep-alive CRLFs (RFC 5626) between messages on a stream.
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start > 0) buf = buf.subarray(start);
  if (buf.length === 0) return stream ? { ok: false, incomplete: true } : { ok: false, reason: "empty datagram", status: 400 };
  if (!stream && buf.length > MAX_MESSAGE_BYTES) return { ok: false, reason: "message too large", status: 513 };

  const head = findHeaderEnd(buf);
  if (!head) {
    if (buf.length > MAX_HEADER_BYTES) return { ok: false, reason: "headers too large", status: 400 };
    if (stream) return { ok: false, incomplete: true };
    return { ok: false, reason: "no blank line after the headers", status: 400 };
  }
  const headText = buf.subarray(0, head.end).toString("latin1");
  const lines = headText.split(/\r?\n/);
  const startLine = lines.shift() ?? "";

  const headers = new SipHeaders();
  let problem: string | undefined;
  if (head.end > MAX_HEADER_BYTES) problem = `headers too large (${head.end} bytes, limit ${MAX_HEADER_BYTES})`;
  let count = 0;
  for (const line of lines) {
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      // A folded continuation of the previous header (§7.3.1).
      if (!headers.extendLast(line.trim())) problem ??= "continuation line before any header";
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (!TOKEN.test(name)) {
      problem ??= "a header line is not `Name: value`";
      continue;
    }
    if (++count > MAX_HEADER_COUNT) {
      problem ??= `more than ${MAX_HEADER_COUNT} header lines`;
      break;
    }
    headers.add(name, line.slice(colon + 1).trim());
  }

  const bodyStart = head.end + head.sep;
  let message: SipMessage;
  const req = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/.exec(startLine);
  const res = /^SIP\/2\.0 ([1-6]\d\d) ([^\r\n]*)$/.exec(startLine);
  if (req) message = { kind: "request", method: req[1]!, uri: req[2]!, headers, body: Buffer.alloc(0) };
  else if (res) message = { kind: "response", status: Number(res[1]), reason: res[2]!, headers, body: Buffer.alloc(0) };
  else return { ok: false, reason: "not a SIP start line", status: 400 };

  const answerable = message.kind === "request" && REQUIRED_FOR_RESPONSE.every((h) => headers.has(h)) ? message : undefined;
  const refuse = (reason: string, status = 400): ParseResult => ({ ok: false, reason, status, ...(answerable ? { request: answerable } : {}) });
  if (problem) return refuse(problem);
  for (const h of REQUIRED_FOR_RESPONSE) if (!headers.has(h)) return refuse(`missing ${SipHeaders.canonicalName(h)} header`);
  const cseq = parseCSeq(headers.get("cseq")!);
  if (!cseq) return refuse("CSeq is not `number METHOD`");
  if (message.kind === "request" && cseq.method !== message.method && !(message.method === "ACK" && cseq.method === "ACK")) return refuse("CSeq method differs from the request method");

  const lengthHeader = headers.get("content-length");
  let length: number;
  if (lengthHeader === undefined) {
    if (stream) return refuse("Content-Length is required over TCP");
    length = buf.length - bodyStart;
  } else {
    if (!/^\d{1,6}$/.test(lengthHeader)) return refuse("Content-Length is not a number");
    length = Number(lengthHeader);
  }
  if (length > MAX_BODY_BYTES) return refuse(`body too large (${length} bytes, limit ${MAX_BODY_BYTES})`, 413);
  if (buf.length - bodyStart < length) {
    if (stream) return { ok: false, incomplete: true };
    return refuse("body shorter than Content-Length");
  }
  message.body = Buffer.from(buf.subarray(bodyStart, bodyStart + length));
  return { ok: true, message, length: start + bodyStart + length };
}

export function parseCSeq(value: string): { seq: number; method: string } | undefined {
  const m = /^(\d{1,10})\s+([A-Za-z]+)$/.exec(value.trim());
  if (!m) return undefined;
  const seq = Number(m[1]);
  return seq < 2 ** 31 ? { seq, method: m[2]! } : undefined;
}

/** Parameters after `;` (name lower-cased; a bare name maps to ""). */
export function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of text.split(";")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq < 0) params.set(p.toLowerCase(), "");
    else params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
  }
  return params;
}

export interface NameAddr {
  display?: string;
  uri: string;
  /** Header parameters (after the URI), e.g. tag. */
  params: Map<string, string>;
}

/** A From/To/Contact/P-Asserted-Identity value: `"Name" <uri>;params` or `uri;params`. */
export function parseNameAddr(value: string): NameAddr | undefined {
  const v = value.trim();
  const lt = v.indexOf("<");
  if (lt >= 0) {
    const gt = v.indexOf(">", lt);
    if (gt < 0) return undefined;
    const display = v.slice(0, lt).trim().replace(/^"(.*)"$/, "$1");
    const uri = v.slice(lt + 1, gt).trim();
    if (!uri) return undefined;
    return { ...(display ? { display } : {}), uri, params: parseParams(v.slice(gt + 1)) };
  }
  const semi = v.indexOf(";");
  const uri = semi < 0 ? v : v.slice(0, semi);
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri)) return undefined;
  return { uri, params: parseParams(semi < 0 ? "" : v.slice(semi)) };
}

export interface SipUri {
  scheme: string;
  user?: string;
  host: string;
  port?: number;
  params: Map<string, string>;
}

/** `sip:user@host:port;params`, `sips:…` or `tel:+number;params`. */
export function parseUri(uri: string): SipUri | undefined {
  const m = /^(sips?|tel):([^;?]*)([^?]*)/i.exec(uri.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const params = parseParams(m[3] ?? "");
  if (scheme === "tel") return { scheme, user: m[2]!, host: "", params };
  const at = m[2]!.lastIndexOf("@");
  const userPart = at >= 0 ? m[2]!.slice(0, at) : undefined;
  const hostPort = at >= 0 ? m[2]!.slice(at + 1) : m[2]!;
  const hp = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(hostPort);
  if (!hp) return undefined;
  const user = userPart === undefined ? undefined : decodeURIComponentSafe(userPart.split(":")[0]!);
  return { scheme, ...(user !== undefined ? { user } : {}), host: hp[1]!, ...(hp[2] ? { port: Number(hp[2]) } : {}), params };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The topmost Via's branch, sent-by and parameters. */
export function topVia(headers: SipHeaders): { transport: string; host: string; port?: number; params: Map<string, string> } | undefined {
  const first = headers.get("via");
  if (!first) return undefined;
  // The first of a comma-separated list (commas never occur inside a Via's own parameters we read).
  const one = first.split(",")[0]!.trim();
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\s*(.*)$/i.exec(one);
  if (!m) return undefined;
  return { transport: m[1]!.toUpperCase(), host: m[2]!, ...(m[3] ? { port: Number(m[3]) } : {}), params: parseParams(m[4] ?? "") };
}

const REASONS: Record<number, string> = {
  100: "Trying",
  180: "Ringing",
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  500: "Server Internal Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  513: "Message Too Large",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Unknown";
}

function headerLines(headers: SipHeaders, body: Buffer): string {
  let out = "";
  for (const [name, value] of headers) {
    if (name === "content-length") continue;
    // Never let a value carry a line break into the message we send.
    out += `${SipHeaders.canonicalName(name)}: ${value.replace(/[\r\n]+/g, " ")}\r\n`;
  }
  return `${out}Content-Length: ${body.length}\r\n\r\n`;
}

export function serializeSipMessage(message: SipMessage): Buffer {
  const start = message.kind === "request" ? `${message.method} ${message.uri} SIP/2.0` : `SIP/2.0 ${message.status} ${message.reason.replace(/[\r\n]+/g, " ")}`;
  return Buffer.concat([Buffer.from(`${start}\r\n${headerLines(message.headers, message.body)}`, "latin1"), message.body]);
}

/**
 * A response to `request` (§8.2.6): Via, From, Call-ID and CSeq copied; To copied with `toTag`
 * added when it has none (every response but 100 carries the UAS's tag).
 */
export function makeResponse(request: SipRequest, status: number, options: { reason?: string; toTag?: string; headers?: Array<[string, string]>; body?: Buffer } = {}): SipResponse {
  const headers = new SipHeaders();
  for (const via of request.headers.all("via")) headers.add("Via", via);
  headers.add("From", request.headers.get("from") ?? "");
  let to = request.headers.get("to") ?? "";
  if (options.toTag && status !== 100 && !/;\s*tag=/i.test(to)) to = `${to};tag=${options.toTag}`;
  headers.add("To", to);
  headers.add("Call-ID", request.headers.get("call-id") ?? "");
  headers.add("CSeq", request.headers.get("cseq") ?? "");
  if (status === 100 && request.headers.has("timestamp")) headers.add("Timestamp", request.headers.get("timestamp")!);
  for (const [n, v] of options.headers ?? []) headers.add(n, v);
  return { kind: "response", status, reason: options.reason ?? reasonPhrase(status), headers, body: options.body ?? Buffer.alloc(0) };
}

type Framed = Extract<ParseResult, { ok: true }>;
type Refused = Extract<ParseResult, { incomplete?: false; ok: false }>;

/**
 * A byte stream's (TCP, TLS) data handler: frames SIP messages by Content-Length and hands each to
 * `message`; a message that cannot be framed goes to `refused` (nothing after it can be framed, so
 * the stream stops there), and more than `maxBuffered` bytes without a whole message to `overflow`.
 */
export function sipStreamReader(maxBuffered: number, on: { message(result: Framed): void; refused(result: Refused): void; overflow(): void }): (chunk: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      const result = parseSipMessage(buffer, true);
      if (result.ok) {
        buffer = buffer.subarray(result.length);
        on.message(result);
        continue;
      }
      if (result.incomplete) {
        if (buffer.length > maxBuffered) on.overflow();
        return;
      }
      on.refused(result);
      return;
    }
  };
}
