/**
 * SIP over TLS (sips) and SRTP with SDES keys: a phone connects to the TLS port, trusting only
 * the CA of the development certificate ccflow made (the banner's path), and calls with an
 * RTP/SAVP offer carrying its AES_CM_128_HMAC_SHA1_80 key. The answer carries ccflow's key; the
 * hold music arrives as SRTP that the test's own RFC 3711 code (not werift's) authenticates and
 * decrypts; a key pressed as an encrypted RFC 4733 event reaches the call, a forged packet does
 * not; the phone's BYE ends it. SDES keys over cleartext UDP are refused (488).
 * SIPp is not used here: Debian's sip-tester is built without TLS (`sipp -t l1` is not there).
 */
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { connect, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeG711 } from "../../../src/channels/media/g711.js";
import type { CallSession } from "../../../src/server/calls.js";
import { eventually, startTestServer, type TestServer } from "../../server/helpers.js";
import { rms } from "../media/goertzel.js";
import { sendUdp } from "./helpers.js";
import { SrtpPeer } from "./srtp-peer.js";
import { queueFlow } from "./tone-call.js";

const CALLER = "+14806754110";
const NUMBER = "+18005550100";

function offer(port: number, key: Buffer, protocol = "RTP/SAVP"): string {
  return ["v=0", "o=tls 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", `m=audio ${port} ${protocol} 0 101`, "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", `a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${key.toString("base64")}|2^31`, "a=ptime:20", ""].join("\r\n");
}

function request(method: string, o: { transport: string; port: number; callId: string; cseq: number; toTag?: string; body?: string; branch?: string }): string {
  const lines = [
    `${method} sips:${NUMBER}@127.0.0.1:${o.port} SIP/2.0`,
    `Via: SIP/2.0/${o.transport} 127.0.0.1:5999;branch=${o.branch ?? `z9hG4bK${randomBytes(6).toString("hex")}`}`,
    "Max-Forwards: 70",
    `From: <sips:${CALLER}@127.0.0.1>;tag=tlsphone`,
    `To: <sips:${NUMBER}@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ""}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${method}`,
    `Contact: <sips:${CALLER}@127.0.0.1:5999>`,
  ];
  if (o.body) lines.push("Content-Type: application/sdp");
  lines.push(`Content-Length: ${Buffer.byteLength(o.body ?? "")}`);
  return `${lines.join("\r\n")}\r\n\r\n${o.body ?? ""}`;
}

/** Responses read off the TLS stream, framed by Content-Length. */
function reader(socket: TLSSocket): (match: (text: string) => boolean, what: string) => Promise<string> {
  let buffer = "";
  const got: string[] = [];
  const waiters: Array<{ match: (t: string) => boolean; resolve: (t: string) => void }> = [];
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("latin1");
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/\r\nContent-Length:\s*(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const text = buffer.slice(0, end + 4 + length);
      buffer = buffer.slice(end + 4 + length);
      got.push(text);
      for (const w of [...waiters]) {
        if (!w.match(text)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(text);
      }
    }
  });
  return (match, what) =>
    new Promise((resolve, reject) => {
      const seen = got.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no ${what}; got: ${got.map((g) => g.split("\r\n")[0]).join(" | ")}`)), 15_000);
      waiters.push({ match, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    });
}

describe("SIP over TLS with SRTP (SDES)", () => {
  let t: TestServer;
  let media: Socket;

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }], sip: { tls: { port: 0 } } },
      extra: { sipPort: 0 },
    });
    media = createSocket("udp4");
    await new Promise<void>((r) => media.bind(0, "127.0.0.1", () => r()));
  }, 60_000);

  afterAll(async () => {
    media?.close();
    await t?.close();
  });

  it("takes a sips call with SRTP: keys exchanged, music heard encrypted, an encrypted key pressed, a forged packet dropped", async () => {
    const urls = t.server.context.urls;
    expect(urls.sips).toMatch(/^sips:127\.0\.0\.1:\d+$/);
    expect(urls.sipsCaPath).toMatch(/tls\/ca\.pem$/);
    const tlsPort = Number(urls.sips!.split(":").pop());
    const socket = connect({ host: "127.0.0.1", port: tlsPort, ca: readFileSync(urls.sipsCaPath!), servername: "localhost" });
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", () => resolve()).once("error", reject));
    expect(socket.authorized).toBe(true);
    const next = reader(socket);

    const ourKey = randomBytes(30);
    const callId = `${randomBytes(6).toString("hex")}@tls`;
    const since = Date.now();
    socket.write(request("INVITE", { transport: "TLS", port: tlsPort, callId, cseq: 1, body: offer(media.address().port, ourKey) }));
    const ok = await next((r) => /^SIP\/2\.0 [2-6]\d\d/.test(r), "the INVITE's final response");
    expect(ok.split("\r\n")[0], ok).toBe("SIP/2.0 200 OK");
    expect(ok).toMatch(/\r\nContact: <sips:ccflow@127\.0\.0\.1:\d+>/);
    expect(ok).toMatch(/m=audio (\d+) RTP\/SAVP 0 101/);
    const crypto = /a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/=]+)\r\n/.exec(ok);
    expect(crypto, "the answer's crypto line, under the offer's tag").not.toBeNull();
    const theirKey = Buffer.from(crypto![1]!, "base64");
    expect(theirKey.length).toBe(30);
    expect(theirKey.equals(ourKey)).toBe(false);
    const rtpPort = Number(/m=audio (\d+)/.exec(ok)![1]);
    const toTag = /\r\nTo: [^\r\n]*;tag=([^;\r\n]+)/.exec(ok)![1]!;
    socket.write(request("ACK", { transport: "TLS", port: tlsPort, callId, cseq: 1, toTag }));
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    expect(t.logs.some((l) => /over TLS, SRTP PCMU \+ telephone-event/.test(l)), t.logs.join("\n")).toBe(true);

    // The hold music arrives as SRTP: every packet authenticates with ccflow's key and decrypts to sound.
    const peer = new SrtpPeer(theirKey);
    const arrived: Buffer[] = [];
    media.on("message", (m) => arrived.push(m));
    await eventually(() => arrived.length >= 50 || undefined, "50 SRTP packets");
    const plain = arrived.slice(0, 50).map((p) => peer.unprotect(p));
    expect(plain.every((p) => p !== undefined), "every packet's tag verifies").toBe(true);
    const samples = plain.flatMap((p) => [...decodeG711("PCMU", p!.subarray(12))]);
    expect(rms(samples), "the decrypted music is sound").toBeGreaterThan(300);
    expect(arrived[0]!.subarray(12, 32).equals(plain[0]!.subarray(12, 32)), "the payload on the wire is not the audio").toBe(false);

    // Our side: an RFC 4733 event for 7, encrypted with our key; and a forged packet (tag wrong) for 9.
    const mine = new SrtpPeer(ourKey);
    const send = (packet: Buffer) => new Promise<void>((r) => media.send(packet, rtpPort, "127.0.0.1", () => r()));
    const event = (digit: number, seq: number, ts: number, end: boolean) => {
      const p = Buffer.alloc(16);
      p[0] = 0x80;
      p[1] = 101 | (seq === 1 ? 0x80 : 0);
      p.writeUInt16BE(seq, 2);
      p.writeUInt32BE(ts, 4);
      p.writeUInt32BE(0x5eed, 8);
      p[12] = digit;
      p[13] = (end ? 0x80 : 0) | 10;
      p.writeUInt16BE(seq * 160, 14);
      return p;
    };
    const forged = mine.protect(event(9, 10, 8000, false));
    forged[forged.length - 1] = forged[forged.length - 1]! ^ 0xff;
    await send(forged);
    for (let seq = 1; seq <= 4; seq++) await send(mine.protect(event(7, seq, 1600, seq === 4)));
    await eventually(async () => ((await t.call("GET", `/api/calls/${session.interactionId}`)).body.bufferedDigits === "7") || undefined, "7 buffered");
    expect((await t.call("GET", `/api/calls/${session.interactionId}`)).body.bufferedDigits).toBe("7");

    socket.write(request("BYE", { transport: "TLS", port: tlsPort, callId, cseq: 2, toTag }));
    expect((await next((r) => /CSeq: 2 BYE/.test(r), "the BYE's 200")).split("\r\n")[0]).toBe("SIP/2.0 200 OK");
    await eventually(() => session.ended || undefined, "the contact ended");
    socket.destroy();
  }, 60_000);

  it("refuses SDES keys sent over cleartext UDP (488), and RTP/SAVP without a usable crypto line", async () => {
    const port = Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);
    const udp = await sendUdp(port, request("INVITE", { transport: "UDP", port, callId: "srtp-udp@t", cseq: 1, body: offer(4000, randomBytes(30)) }).replace(/sips:/g, "sip:"));
    expect(udp).toMatch(/^SIP\/2\.0 488 /);
    expect(udp).toMatch(/only over SIP over TLS/);
    const noCrypto = offer(4000, randomBytes(30)).replace(/a=crypto:[^\r\n]*\r\n/, "");
    const refused = await sendUdp(port, request("INVITE", { transport: "UDP", port, callId: "srtp-none@t", cseq: 1, body: noCrypto }).replace(/sips:/g, "sip:"));
    expect(refused).toMatch(/^SIP\/2\.0 488 /);
    expect(refused).toMatch(/without a usable a=crypto line/);
  });
});
