/** The SIP parser from the side of whoever sends us bytes: well-formed, folded, compact, hostile. */
import { describe, expect, it } from "vitest";
import { makeResponse, MAX_HEADER_BYTES, parseNameAddr, parseSipMessage, parseUri, serializeSipMessage, topVia, type SipRequest } from "../../../src/channels/sip/message.js";

const invite = (extra = "", body = "") =>
  [
    "INVITE sip:+18005550100@127.0.0.1:5060 SIP/2.0",
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1;rport",
    'From: "Yvonne" <sip:+14806754110@127.0.0.1>;tag=abc',
    "To: <sip:+18005550100@127.0.0.1>",
    "Call-ID: call-1@127.0.0.1",
    "CSeq: 1 INVITE",
    ...(extra ? [extra] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");

describe("parsing SIP", () => {
  it("reads a request with compact and folded headers, and its body by Content-Length", () => {
    const text = invite("c: application/sdp\r\nSubject: a long\r\n  folded subject", "v=0\r\n");
    const r = parseSipMessage(Buffer.from(text));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.message as SipRequest;
    expect(m).toMatchObject({ kind: "request", method: "INVITE", uri: "sip:+18005550100@127.0.0.1:5060" });
    expect(m.headers.get("content-type")).toBe("application/sdp");
    expect(m.headers.get("subject")).toBe("a long folded subject");
    expect(m.body.toString()).toBe("v=0\r\n");
    expect(topVia(m.headers)).toMatchObject({ transport: "UDP", host: "127.0.0.1", port: 5070 });
    expect(topVia(m.headers)!.params.get("branch")).toBe("z9hG4bK-1");
  });

  it("answers a request it can read with the headers a response needs, and a To tag", () => {
    const r = parseSipMessage(Buffer.from(invite()));
    if (!r.ok) throw new Error("parse");
    const response = serializeSipMessage(makeResponse(r.message as SipRequest, 486, { toTag: "xyz" })).toString();
    expect(response).toMatch(/^SIP\/2\.0 486 Busy Here\r\n/);
    expect(response).toContain("To: <sip:+18005550100@127.0.0.1>;tag=xyz\r\n");
    expect(response).toContain("CSeq: 1 INVITE\r\n");
    expect(response).toMatch(/Content-Length: 0\r\n\r\n$/);
  });

  it("frames messages on a stream: waits for the rest, then takes exactly one message", () => {
    const one = invite("Content-Type: application/sdp", "v=0\r\n");
    expect(parseSipMessage(Buffer.from(one.slice(0, 40)), true)).toEqual({ ok: false, incomplete: true });
    expect(parseSipMessage(Buffer.from(one.slice(0, -2)), true)).toEqual({ ok: false, incomplete: true });
    const two = Buffer.from(one + one);
    const r = parseSipMessage(two, true);
    expect(r.ok && r.length).toBe(Buffer.byteLength(one));
  });

  it.each([
    ["garbage", Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0a, 0x0a, 0x0d]), "not a SIP start line"],
    ["an HTTP request", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "not a SIP start line"],
    ["no blank line", Buffer.from("INVITE sip:a@b SIP/2.0\r\nVia: x"), "no blank line"],
  ])("drops %s without an answer", (_what, bytes, reason) => {
    const r = parseSipMessage(bytes);
    expect(r.ok).toBe(false);
    if (r.ok || r.incomplete) return;
    expect(r.reason).toContain(reason);
    expect(r.request).toBeUndefined();
  });

  it("refuses huge headers with a 400 it can still address", () => {
    const r = parseSipMessage(Buffer.from(invite(`X-Huge: ${"a".repeat(MAX_HEADER_BYTES)}`)));
    expect(r.ok).toBe(false);
    if (r.ok || r.incomplete) return;
    expect(r).toMatchObject({ status: 400, reason: expect.stringContaining("headers too large") });
    expect(r.request?.headers.get("call-id")).toBe("call-1@127.0.0.1");
  });

  it("refuses too many header lines, a bad CSeq, a body shorter than Content-Length, a lying CSeq method", () => {
    const many = Array.from({ length: 120 }, (_, i) => `X-H${i}: v`).join("\r\n");
    const refuse = (text: string) => {
      const r = parseSipMessage(Buffer.from(text));
      return r.ok || r.incomplete ? undefined : r.reason;
    };
    expect(refuse(invite(many))).toContain("more than 100 header lines");
    expect(refuse(invite().replace("CSeq: 1 INVITE", "CSeq: one INVITE"))).toContain("CSeq");
    expect(refuse(invite().replace("CSeq: 1 INVITE", "CSeq: 1 BYE"))).toContain("CSeq method");
    expect(refuse(invite("", "v=0").replace("Content-Length: 3", "Content-Length: 300"))).toContain("shorter than Content-Length");
    expect(refuse(invite().replace(/Call-ID:.*\r\n/, ""))).toContain("missing Call-ID");
  });

  it("reads name-addrs and URIs as From, To and Request-URI carry them", () => {
    expect(parseNameAddr('"Ana" <sip:+1480@host;user=phone>;tag=9')).toMatchObject({ display: "Ana", uri: "sip:+1480@host;user=phone" });
    expect(parseNameAddr("sip:alice@host;tag=1")!.params.get("tag")).toBe("1");
    expect(parseUri("sip:+18005550100@127.0.0.1:5060;transport=udp")).toMatchObject({ scheme: "sip", user: "+18005550100", host: "127.0.0.1", port: 5060 });
    expect(parseUri("tel:+1-480-675-4110")).toMatchObject({ scheme: "tel", user: "+1-480-675-4110" });
    expect(parseUri("http://x")).toBeUndefined();
  });
});
