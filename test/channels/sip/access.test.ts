/** Who may call: the allow-list, digest authentication, and everyone else refused. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SipAccess } from "../../../src/channels/sip/access.js";
import { callerNumber, checkCallerNumber, dialledNumber } from "../../../src/channels/sip/caller-id.js";
import { parseSipMessage, type SipRequest } from "../../../src/channels/sip/message.js";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

describe("SIP access", () => {
  it("takes loopback by default and refuses anyone else with 403", () => {
    const access = new SipAccess();
    expect(access.check("127.0.0.1", "INVITE", undefined)).toMatchObject({ ok: true, by: "address" });
    expect(access.check("::1", "INVITE", undefined)).toMatchObject({ ok: true });
    expect(access.check("::ffff:127.0.0.1", "INVITE", undefined)).toMatchObject({ ok: true });
    expect(access.check("203.0.113.9", "INVITE", undefined)).toMatchObject({ ok: false, status: 403 });
  });

  it("takes a listed range", () => {
    const access = new SipAccess({ allow: ["10.1.0.0/16"] });
    expect(access.check("10.1.2.3", "INVITE", undefined).ok).toBe(true);
    expect(access.check("10.2.0.1", "INVITE", undefined).ok).toBe(false);
    expect(() => new SipAccess({ allow: ["10.1.0.0/40"] })).toThrow(/bad prefix/);
    expect(() => new SipAccess({ allow: ["example.com"] })).toThrow(/not an IP address/);
  });

  it("challenges outsiders when users are configured, and takes a correct digest answer", () => {
    const access = new SipAccess({ allow: [], users: [{ username: "trunk", password: "s3cret" }], realm: "ccflow" });
    const first = access.check("203.0.113.9", "INVITE", undefined);
    expect(first).toMatchObject({ ok: false, status: 401 });
    const nonce = /nonce="([^"]+)"/.exec(first.ok ? "" : first.challenge!)![1]!;
    const uri = "sip:+18005550100@203.0.113.1";
    const ha1 = md5("trunk:ccflow:s3cret");
    const ha2 = md5(`INVITE:${uri}`);
    const response = md5(`${ha1}:${nonce}:00000001:abc:auth:${ha2}`);
    const header = `Digest username="trunk", realm="ccflow", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, nc=00000001, cnonce="abc", algorithm=MD5`;
    expect(access.check("203.0.113.9", "INVITE", header)).toMatchObject({ ok: true, by: "digest", user: "trunk" });
    expect(access.check("203.0.113.9", "INVITE", header.replace("s3cret", "x").replace(response, md5("wrong")))).toMatchObject({ ok: false, status: 401 });
    expect(access.check("203.0.113.9", "INVITE", header.replace(nonce, "1.forged"))).toMatchObject({ ok: false, status: 401 });
  });
});

describe("caller id at the edge", () => {
  const req = (headers: string, uri = "sip:+18005550100@127.0.0.1") => {
    const r = parseSipMessage(Buffer.from(`INVITE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n${headers}\r\nTo: <sip:x@h>\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`));
    if (!r.ok) throw new Error(r.incomplete ? "incomplete" : r.reason);
    return r.message as SipRequest;
  };

  it("takes P-Asserted-Identity over From, and the Request-URI's number as DNIS", () => {
    const r = req("From: <sip:alice@h>;tag=1\r\nP-Asserted-Identity: <tel:+1-480-675-4110>");
    expect(callerNumber(r)).toBe("+14806754110");
    expect(dialledNumber(r)).toBe("+18005550100");
  });

  it("takes a withheld number as empty, and refuses a caller id that is not a number", () => {
    expect(callerNumber(req("From: <sip:anonymous@anonymous.invalid>;tag=1"))).toBe("anonymous");
    expect(callerNumber(req("From: <sip:restricted@h>;tag=1"))).toBe("anonymous");
    expect(() => callerNumber(req("From: <sip:1'%20OR%201=1@h>;tag=1"))).toThrow(`From: caller id "1' OR 1=1" is not a number a carrier delivers`);
    expect(() => checkCallerNumber("alice", "From")).toThrow(/not a number a carrier delivers/);
  });
});
