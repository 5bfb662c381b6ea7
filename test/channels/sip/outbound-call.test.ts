/**
 * The outside call's client side, against small SIP responders on loopback UDP: the digest
 * answer (RFC 2617's own example), redirects that loop or go on too long, and credentials kept
 * from a host a redirect points to. (The full transfer — SIPp trunk with a challenge and a 302,
 * audio to where it pointed — is test/server/outside-transfer.test.ts.)
 */
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { makeResponse, parseSipMessage, serializeSipMessage, type SipRequest } from "../../../src/channels/sip/message.js";
import { digestAuthorization, OutboundCall } from "../../../src/channels/sip/outbound-call.js";

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A UDP SIP responder: `answer` gives the status and extra headers for each INVITE. */
async function responder(answer: (invite: SipRequest) => { status: number; reason?: string; headers?: Array<[string, string]> }): Promise<{ port: number; invites: SipRequest[] }> {
  const socket = createSocket("udp4");
  open.push(socket);
  const invites: SipRequest[] = [];
  socket.on("message", (buf, rinfo) => {
    const parsed = parseSipMessage(buf);
    if (!parsed.ok || parsed.message.kind !== "request" || parsed.message.method !== "INVITE") return;
    invites.push(parsed.message);
    const { status, reason, headers } = answer(parsed.message);
    socket.send(serializeSipMessage(makeResponse(parsed.message, status, { toTag: "t1", ...(reason ? { reason } : {}), ...(headers ? { headers } : {}) })), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, invites };
}

const dial = (port: number, extra: Partial<Parameters<typeof OutboundCall.dial>[0]> = {}) => OutboundCall.dial({ uri: `sip:+15550001@127.0.0.1:${port}`, from: "+14805550100", host: "127.0.0.1", ringTimeoutMs: 8000, ...extra });

describe("outside calls: digest and redirects", () => {
  it("answers a digest challenge as RFC 2617's example works it out", () => {
    const header = digestAuthorization('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"', "GET", "/dir/index.html", { username: "Mufasa", password: "Circle Of Life" }, "0a4f113b");
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(header).toContain("qop=auth, nc=00000001");
    expect(header).not.toContain("Circle Of Life");
    expect(digestAuthorization('Digest realm="r", nonce="n", algorithm=SHA-512-256', "INVITE", "sip:x@y", { username: "u", password: "p" })).toBeUndefined();
  });

  it("stops a redirect loop, naming where it was sent", async () => {
    let bPort = 0;
    const a = await responder(() => ({ status: 302, reason: "Moved Temporarily", headers: [["Contact", `<sip:+15550001@127.0.0.1:${bPort}>`]] }));
    const b = await responder(() => ({ status: 302, reason: "Moved Temporarily", headers: [["Contact", `<sip:+15550001@127.0.0.1:${a.port}>`]] }));
    bPort = b.port;
    await expect(dial(a.port)).rejects.toThrow(/302 Moved Temporarily, redirecting to no sip: address not tried yet \(sip:\+15550001@127\.0\.0\.1:\d+\)/);
    expect([a.invites.length, b.invites.length]).toEqual([1, 1]);
  });

  it("follows at most three redirects", async () => {
    const ports: number[] = [];
    const hops = await Promise.all(Array.from({ length: 5 }, (_, i) => responder(() => ({ status: 301, headers: [["Contact", `<sip:+15550001@127.0.0.1:${ports[i + 1] ?? 9}>`]] }))));
    ports.push(...hops.map((h) => h.port));
    await expect(dial(ports[0]!)).rejects.toThrow(/redirected more than 3 times \(the last 301 to sip:\+15550001@127\.0\.0\.1:\d+\)/);
    expect(hops.map((h) => h.invites.length)).toEqual([1, 1, 1, 1, 0]);
  });

  it("keeps the credentials from a host a redirect points to", async () => {
    const elsewhere = await responder(() => ({ status: 401, headers: [["WWW-Authenticate", 'Digest realm="other", nonce="abc", qop="auth"']] }));
    const trunk = await responder(() => ({ status: 302, headers: [["Contact", `<sip:+15550001@127.0.0.1:${elsewhere.port}>`]] }));
    await expect(dial(trunk.port, { auth: { username: "ccflow-trunk", password: "s3cret-pw" } })).rejects.toThrow("the far end asks for credentials (401) and the dial plan entry has none");
    expect(elsewhere.invites.every((i) => !i.headers.has("authorization"))).toBe(true);
  });

  it("gives up when the trunk refuses the credentials a second time", async () => {
    const trunk = await responder(() => ({ status: 407, reason: "Proxy Authentication Required", headers: [["Proxy-Authenticate", 'Digest realm="trunk", nonce="n1"']] }));
    await expect(dial(trunk.port, { auth: { username: "ccflow-trunk", password: "s3cret-pw" } })).rejects.toThrow("the far end refused the dial plan entry's credentials (407 Proxy Authentication Required)");
    expect(trunk.invites.map((i) => i.headers.get("cseq"))).toEqual(["1 INVITE", "2 INVITE"]);
    expect(trunk.invites[1]!.headers.get("proxy-authorization")).toMatch(/^Digest username="ccflow-trunk", realm="trunk", nonce="n1", uri="sip:\+15550001@127\.0\.0\.1:\d+", response="[0-9a-f]{32}", algorithm=MD5$/);
  });
});
