/**
 * Who may call: an address allow-list (loopback by default) or SIP digest authentication
 * (RFC 3261 §22, MD5 as RFC 2617 defines it; qop=auth or none). Anyone else gets a 403: an open
 * SIP port invites toll fraud. Written here because digest is a few hashes, and none of the
 * maintained SIP libraries offers it for a server without its whole user agent.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { parseParams } from "./message.js";

export interface SipUser {
  username: string;
  password: string;
}

export interface AccessOptions {
  /** Addresses or CIDR ranges; default loopback (127.0.0.0/8 and ::1). */
  allow?: string[];
  users?: SipUser[];
  realm?: string;
}

export type AccessDecision = { ok: true; by: "address" | "digest"; user?: string } | { ok: false; status: 401 | 403; challenge?: string; reason: string };

const NONCE_TTL_MS = 5 * 60_000;

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

export class SipAccess {
  private readonly list = new BlockList();
  private readonly users = new Map<string, string>();
  private readonly realm: string;
  private readonly nonceKey = randomBytes(16);

  constructor(options: AccessOptions = {}) {
    for (const entry of options.allow ?? ["127.0.0.0/8", "::1"]) addRule(this.list, entry);
    for (const u of options.users ?? []) this.users.set(u.username, u.password);
    this.realm = options.realm ?? "ccflow";
  }

  check(source: string, method: string, authorization: string | undefined): AccessDecision {
    const family = isIP(source) === 6 ? "ipv6" : "ipv4";
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(source);
    if (this.list.check(mapped ? mapped[1]! : source, mapped ? "ipv4" : family)) return { ok: true, by: "address" };
    if (this.users.size === 0) return { ok: false, status: 403, reason: "source address not allowed" };
    if (authorization) {
      const user = this.verify(method, authorization);
      if (user) return { ok: true, by: "digest", user };
    }
    return { ok: false, status: 401, challenge: `Digest realm="${this.realm}", nonce="${this.nonce()}", algorithm=MD5, qop="auth"`, reason: authorization ? "credentials refused" : "authentication required" };
  }

  /**
   * Digest only, whatever the address (REGISTER: an allowed address says nothing about which user
   * it is). 403 when no users are configured at all.
   */
  authenticate(method: string, authorization: string | undefined): AccessDecision {
    if (this.users.size === 0) return { ok: false, status: 403, reason: "no SIP users are configured (sip.users)" };
    if (authorization) {
      const user = this.verify(method, authorization);
      if (user) return { ok: true, by: "digest", user };
    }
    return { ok: false, status: 401, challenge: `Digest realm="${this.realm}", nonce="${this.nonce()}", algorithm=MD5, qop="auth"`, reason: authorization ? "credentials refused" : "authentication required" };
  }

  private nonce(): string {
    const time = Date.now().toString(16);
    return `${time}.${createHash("sha256").update(this.nonceKey).update(time).digest("hex").slice(0, 24)}`;
  }

  private nonceValid(nonce: string): boolean {
    const [time, mac] = nonce.split(".");
    if (!time || !mac || !/^[0-9a-f]+$/.test(time)) return false;
    const expected = createHash("sha256").update(this.nonceKey).update(time).digest("hex").slice(0, 24);
    if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return false;
    return Date.now() - parseInt(time, 16) < NONCE_TTL_MS;
  }

  private verify(method: string, header: string): string | undefined {
    const m = /^Digest\s+(.*)$/is.exec(header.trim());
    if (!m) return undefined;
    const p = parseParams(m[1]!.replace(/,\s*(?=[A-Za-z-]+=)/g, ";"));
    const username = p.get("username");
    const nonce = p.get("nonce");
    const uri = p.get("uri");
    const response = p.get("response");
    if (!username || !nonce || !uri || !response || p.get("realm") !== this.realm) return undefined;
    const password = this.users.get(username);
    if (password === undefined || !this.nonceValid(nonce)) return undefined;
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = p.get("qop");
    const expected = qop === "auth" ? md5(`${ha1}:${nonce}:${p.get("nc") ?? ""}:${p.get("cnonce") ?? ""}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    if (response.length !== expected.length || !timingSafeEqual(Buffer.from(response.toLowerCase()), Buffer.from(expected))) return undefined;
    return username;
  }
}

function addRule(list: BlockList, entry: string): void {
  const [address, bits] = entry.trim().split("/");
  const family = isIP(address ?? "");
  if (!address || family === 0) throw new Error(`sip.allow: "${entry}" is not an IP address or CIDR range`);
  const type = family === 6 ? "ipv6" : "ipv4";
  if (bits === undefined) list.addAddress(address, type);
  else {
    const prefix = Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) throw new Error(`sip.allow: "${entry}" has a bad prefix length`);
    list.addSubnet(address, prefix, type);
  }
}
