/**
 * Hostile and broken SIP against a running server, over UDP and TCP: garbage is dropped, huge
 * headers, broken SDP, unknown codecs and bad caller ids get a 4xx, nothing starts a call or
 * leaves one half-open, and the server keeps answering. A source outside the allow-list gets 403.
 */
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSipMessage } from "../../../src/channels/sip/message.js";
import { FlowCatalog } from "../../../src/server/flows.js";
import { exampleFlowFile } from "../../../src/server/paths.js";
import { startTestServer, type TestServer } from "../../server/helpers.js";
import { sendUdp } from "./helpers.js";

const sdp = (m = "0 8 101", extra = "a=rtpmap:101 telephone-event/8000\r\n") => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP ${m}\r\n${extra}`;

let seq = 0;
function request(method: string, o: { from?: string; body?: string; extra?: string[]; toTag?: string; uri?: string } = {}): string {
  const n = ++seq;
  const body = o.body ?? "";
  return [
    `${method} ${o.uri ?? "sip:+18005550100@127.0.0.1"} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbad${n}`,
    `From: <sip:${o.from ?? "+14806754110"}@127.0.0.1>;tag=f${n}`,
    `To: <sip:+18005550100@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ""}`,
    `Call-ID: bad-${n}-${Date.now()}`,
    `CSeq: 1 ${method}`,
    "Max-Forwards: 70",
    ...(body ? ["Content-Type: application/sdp"] : []),
    ...(o.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");
}

const status = (reply: string | undefined) => (reply ? Number(/^SIP\/2\.0 (\d{3})/.exec(reply)?.[1]) : undefined);

describe("malformed SIP", () => {
  let t: TestServer;
  let port: number;

  beforeAll(async () => {
    t = await startTestServer({ flows: await FlowCatalog.load([{ file: exampleFlowFile, source: "example" }]), crm: false, extra: { sipPort: 0 } });
    port = Number(t.server.context.urls.sip!.split(":").pop());
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const noCallLeft = () => {
    expect(t.server.context.sip!.calls.length).toBe(0);
    expect(t.server.context.calls.list().length).toBe(0);
  };

  it("drops garbage and keeps answering", async () => {
    expect(await sendUdp(port, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 13, 10, 13, 10]), 300)).toBeUndefined();
    expect(await sendUdp(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 300)).toBeUndefined();
    expect(status(await sendUdp(port, request("OPTIONS")))).toBe(200);
    noCallLeft();
  });

  it.each([
    ["huge headers", () => request("INVITE", { body: sdp(), extra: [`X-Filler: ${"x".repeat(20_000)}`] }), 400, /headers too large/],
    ["broken SDP", () => request("INVITE", { body: "v=0\r\nthis is not sdp" }), 400, /SDP/],
    ["unknown codecs", () => request("INVITE", { body: sdp("9 111", "a=rtpmap:9 G722/8000\r\na=rtpmap:111 opus/48000/2\r\n") }), 488, /no common codec: offered G722, OPUS/],
    ["no SDP", () => request("INVITE"), 488, /no SDP offer/],
    ["a caller id that is not a number", () => request("INVITE", { body: sdp(), from: "1'or'1" }), 400, /not a number a carrier delivers/],
    ["a BYE for no call", () => request("BYE", { toTag: "nope" }), 481, undefined],
    ["an INFO for no call", () => request("INFO", { toTag: "nope" }), 481, undefined],
    ["a method we do not take", () => request("SUBSCRIBE"), 405, undefined],
    ["a REGISTER when no SIP users are configured", () => request("REGISTER"), 403, /no SIP users are configured/],
  ])("answers %s with a 4xx and starts nothing", async (_what, make, code, warning) => {
    const reply = await sendUdp(port, make());
    expect(status(reply)).toBe(code);
    if (warning) expect(reply).toMatch(new RegExp(`Warning: 399 ccflow "[^"]*${warning.source}`));
    noCallLeft();
    expect(status(await sendUdp(port, request("OPTIONS")))).toBe(200);
  });

  it("over TCP: answers a good request, then closes a connection that sends garbage", async () => {
    const socket = connect(port, "127.0.0.1");
    const received: string[] = [];
    socket.on("data", (b) => received.push(b.toString("latin1")));
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(request("OPTIONS").replace("SIP/2.0/UDP", "SIP/2.0/TCP"));
    await new Promise((r) => setTimeout(r, 300));
    expect(received.join("")).toMatch(/^SIP\/2\.0 200 OK/);
    socket.write("\u0000\u0001garbage\r\n\r\n");
    await closed;
    noCallLeft();
  });

  it("never throws on arbitrary bytes or mangled requests (property)", () => {
    const base = request("INVITE", { body: sdp() });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(base.length), fc.string({ maxLength: 50 }), fc.boolean(), (bytes, at, insert, stream) => {
        parseSipMessage(Buffer.from(bytes), stream);
        parseSipMessage(Buffer.from(base.slice(0, at) + insert + base.slice(at)), stream);
      }),
      { numRuns: 500 },
    );
  });
});

describe("a source outside the allow-list", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ flows: await FlowCatalog.load([{ file: exampleFlowFile, source: "example" }]), crm: false, environment: { sip: { allow: ["192.0.2.0/24"] } }, extra: { sipPort: 0 } });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it("gets 403 for an INVITE and an OPTIONS (an open SIP port invites toll fraud)", async () => {
    const port = Number(t.server.context.urls.sip!.split(":").pop());
    const reply = await sendUdp(port, request("INVITE", { body: sdp() }));
    expect(status(reply)).toBe(403);
    expect(status(await sendUdp(port, request("OPTIONS")))).toBe(403);
    expect(t.server.context.calls.list().length).toBe(0);
  });
});
