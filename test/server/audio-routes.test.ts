/**
 * The WebRTC audio routes refuse what they cannot use with an error that says what to send:
 * not an offer, an offer without PCMU, a line for a call placed without audio, and audio on a
 * server started without SIP (which carries no audio).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";
import { expectSocketMessagesFit } from "./socket-conformance.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

const OPUS_ONLY = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=rtpmap:111 opus/48000/2", "a=sendrecv", "a=mid:0", ""].join("\r\n");

describe("the WebRTC audio routes, given what they cannot use", () => {
  let t: TestServer;
  let quiet: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment, extra: { sipPort: 0 } });
    quiet = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await quiet?.close();
  });

  it("answers a message that is not an offer, and an offer without PCMU, with errors naming what is wanted", async () => {
    const line = await t.socket("/api/agents/ana/audio");
    line.send({ type: "hello" });
    const bad = await line.next((m) => m.type === "error", "an error");
    expect(bad.error).toEqual({ code: "BAD_MESSAGE", message: 'send {"type":"offer","sdp":"…"} with an SDP offer of at most 32768 bytes' });
    line.send({ type: "offer", sdp: OPUS_ONLY });
    const opus = await line.wait((m) => m.type === "error", "the offer refused");
    expect(opus.error.code).toBe("BAD_OFFER");
    expect(opus.error.message).toMatch(/does not include PCMU/);
    line.close();
  });

  it("refuses a line for a call placed without audio", async () => {
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550100", flow: "support" });
    const line = await t.socket(`/api/calls/${placed.body.interactionId}/audio`);
    line.send({ type: "offer", sdp: OPUS_ONLY });
    const refused = await line.next((m) => m.type === "error", "refused");
    expect(refused.error.code).toBe("NO_AUDIO");
    await t.call("POST", `/api/calls/${placed.body.interactionId}/hangup`);
  });

  it("on a server without SIP: no audio lines, and a call with audio is refused (409)", async () => {
    const line = await quiet.socket("/api/agents/ana/audio");
    const refused = await line.next((m) => m.type === "error", "refused");
    expect(refused.error.code).toBe("NO_AUDIO");
    const placed = await quiet.call("POST", "/api/calls", { ani: "+14805550100", flow: "support", audio: true });
    expect(placed.status).toBe(409);
    expect(placed.body.error.code).toBe("NO_AUDIO");
  });

  it("and each refusal is a message the OpenAPI document describes", async () => {
    await expectSocketMessagesFit(t);
    await expectSocketMessagesFit(quiet);
  });
});
