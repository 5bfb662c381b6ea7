/**
 * SIP over WebSocket (RFC 7118): a browser-style SIP phone opens `ws://…/sip` with the `sip`
 * subprotocol on the server's HTTP port and calls without registering. Its media is WebRTC
 * (werift stands in for the browser's RTCPeerConnection: ICE, DTLS-SRTP, PCMU): the caller hears
 * the hold music, is queued, and when the agent answers on their headset line each hears the
 * other's tone; SIP INFO presses keys; the caller's BYE ends the contact. The same access rules
 * as UDP and TCP apply (an address not allowed gets 403, digest credentials open the door), and
 * a browser socket from a foreign origin, or one without the subprotocol, is refused at the upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../../../src/channels/media/music-on-hold.js";
import type { CallSession } from "../../../src/server/calls.js";
import { eventually, startTestServer, type TestServer } from "../../server/helpers.js";
import { rms, toneShare } from "../media/goertzel.js";
import { WeriftPhone } from "../media/werift-phone.js";
import { RtpRecorder } from "./helpers.js";
import { AGENT_HZ, CALLER_HZ, queueFlow } from "./tone-call.js";
import { WsSipPhone } from "./ws-phone.js";

const CALLER = "+14806754110";
const NUMBER = "+18005550100";

const plainOffer = (port: number) => ["v=0", "o=ws 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", `m=audio ${port} RTP/AVP 0 101`, "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=ptime:20", ""].join("\r\n");

describe("SIP over WebSocket on the HTTP port", () => {
  let t: TestServer;
  const phones: WsSipPhone[] = [];
  const media: WeriftPhone[] = [];

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }], agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Voice"] }] },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    for (const p of phones) p.close();
    for (const m of media) await m.close().catch(() => undefined);
    await t?.close();
  });

  const wsUrl = () => `${t.url.replace(/^http/, "ws")}/sip`;
  async function phone(options: { protocols?: string[]; origin?: string } = {}): Promise<WsSipPhone> {
    const p = await WsSipPhone.open(wsUrl(), options);
    phones.push(p);
    return p;
  }

  it("takes a WebRTC call over SIP/WS: music while queued, then caller and agent hear each other; INFO keys and BYE work", async () => {
    // Ana, available, with her headset line open (werift as her browser).
    expect((await t.call("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const headset = new WeriftPhone();
    media.push(headset);
    const line = await t.socket("/api/agents/ana/audio");
    line.send({ type: "offer", sdp: await headset.offer() });
    const lineAnswer = await line.next((m) => m.type === "answer" || m.type === "error", "the line's answer");
    expect(lineAnswer.type, JSON.stringify(lineAnswer)).toBe("answer");
    await headset.accept(lineAnswer.sdp);
    // ICE and DTLS take seconds on a loaded machine: the test waits for the outcome, not for speed.
    await eventually(() => t.server.context.voice?.line("ana")?.connected, "the agent's line connected", 60_000);
    headset.talk(tone(AGENT_HZ, 1000, 0.4));

    const caller = await phone();
    expect(caller.protocol).toBe("sip");
    const callerMedia = new WeriftPhone();
    media.push(callerMedia);
    const offer = await callerMedia.offer();
    expect(offer).toMatch(/UDP\/TLS\/RTP\/SAVPF/);
    const since = Date.now();
    const ok = await caller.invite({ ani: CALLER, dnis: NUMBER, sdp: offer });
    expect(ok.status, ok.raw).toBe(200);
    expect(ok.headers.get("contact")?.[0]).toMatch(/;transport=ws>/);
    expect(ok.body).toMatch(/a=fingerprint:/);
    expect(ok.body).toMatch(/a=rtpmap:0 PCMU\/8000/);
    await callerMedia.accept(ok.body);
    caller.ack();
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    expect(session.summary()).toMatchObject({ ani: CALLER, dnis: NUMBER });
    expect(t.logs.some((l) => / is SIP from 127\.0\.0\.1:\d+ over WS, WebRTC PCMU/.test(l)), t.logs.join("\n")).toBe(true);

    // Queued: the caller hears the hold music over WebRTC.
    await eventually(() => callerMedia.heard.length > 0 || undefined, "the caller's WebRTC media connected", 60_000);
    const music = await callerMedia.listen(1500);
    expect(music.length, "the caller hears a stream").toBeGreaterThan(4000);
    expect(rms(music), "the hold music is not silence").toBeGreaterThan(300);

    // A key by SIP INFO over the socket reaches the call.
    const info = await caller.info("5");
    expect(info.status).toBe(200);
    // Nothing in the queue flow reads keys: the call keeps it for the next menu.
    await eventually(async () => ((await t.call("GET", `/api/calls/${session.interactionId}`)).body.bufferedDigits === "5") || undefined, "the key buffered");

    // Ana answers: each hears the other's tone.
    callerMedia.talk(tone(CALLER_HZ, 1000, 0.4));
    await eventually(() => t.server.context.center.agent("ana")?.state === "Reserved" || undefined, "ana offered the call");
    expect((await t.call("POST", "/api/agents/ana/accept", {})).status).toBe(200);
    await line.next((m) => m.type === "bridged", "bridged");
    await new Promise((r) => setTimeout(r, 400));
    const [agentEar, callerEar] = await Promise.all([headset.listen(1500), callerMedia.listen(1500)]);
    expect(toneShare(agentEar, CALLER_HZ), "the agent hears the WebSocket caller's 600 Hz").toBeGreaterThan(0.5);
    expect(toneShare(agentEar, AGENT_HZ)).toBeLessThan(0.05);
    expect(toneShare(callerEar, AGENT_HZ), "the WebSocket caller hears the agent's 1400 Hz").toBeGreaterThan(0.5);
    expect(toneShare(callerEar, CALLER_HZ)).toBeLessThan(0.05);

    // The caller hangs up over the socket.
    expect((await caller.bye()).status).toBe(200);
    await eventually(() => session.ended || undefined, "the contact ended");
    expect(session.summary().endReason).toBe("caller-hangup");
    await line.next((m) => m.type === "unbridged", "unbridged");
    expect(t.server.context.sip?.calls.length).toBe(0);
  }, 180_000);

  it("takes a plain RTP/AVP offer over the socket too, and ccflow's hang-up reaches the phone as a BYE on its socket", async () => {
    const caller = await phone();
    const ear = await RtpRecorder.open();
    try {
      const since = Date.now();
      const ok = await caller.invite({ ani: CALLER, dnis: NUMBER, sdp: plainOffer(ear.port) });
      expect(ok.status, ok.raw).toBe(200);
      expect(ok.body).toMatch(/m=audio \d+ RTP\/AVP 0 101/);
      caller.ack();
      const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
      await eventually(() => ear.heard.length > 20 || undefined, "hold music as RTP");
      // The contact is ended on ccflow's side (the API's hang-up): the phone gets a BYE on its socket.
      const bye = caller.next((m) => m.method === "BYE", "the server's BYE");
      expect((await t.call("POST", `/api/calls/${session.interactionId}/hangup`, {})).status).toBe(200);
      const got = await bye;
      expect(got.headers.get("via")?.[0]).toMatch(/^SIP\/2\.0\/WS [0-9a-f]+\.invalid;branch=z9hG4bK/);
    } finally {
      ear.close();
    }
  }, 60_000);

  it("answers a re-INVITE without SDP with its current description, and applies the answer in the ACK (plain RTP)", async () => {
    const caller = await phone();
    const ear = await RtpRecorder.open();
    const moved = await RtpRecorder.open();
    try {
      const ok = await caller.invite({ ani: CALLER, dnis: NUMBER, sdp: plainOffer(ear.port) });
      expect(ok.status, ok.raw).toBe(200);
      caller.ack();
      await eventually(() => ear.heard.length > 10 || undefined, "hold music as RTP");
      const refresh = await caller.reoffer("INVITE", "", () => plainOffer(moved.port));
      expect(refresh.status, refresh.raw).toBe(200);
      // Nothing changed on ccflow's side: the same description, the same o= version.
      expect(refresh.body).toBe(ok.body);
      await eventually(() => moved.heard.length > 10 || undefined, "RTP at the port the ACK's answer names");
      const before = ear.heard.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(ear.heard.length - before, "nothing more to the old port").toBeLessThanOrEqual(1);
      expect((await caller.bye()).status).toBe(200);
    } finally {
      ear.close();
      moved.close();
    }
  }, 60_000);

  it("ends the call when the phone's socket closes without a BYE", async () => {
    const caller = await phone();
    const ear = await RtpRecorder.open();
    try {
      const since = Date.now();
      expect((await caller.invite({ ani: CALLER, dnis: NUMBER, sdp: plainOffer(ear.port) })).status).toBe(200);
      caller.ack();
      const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
      caller.close();
      await eventually(() => session.ended || undefined, "the contact ended with the socket");
      expect(session.summary().endReason).toBe("caller-hangup");
    } finally {
      ear.close();
    }
  }, 60_000);

  it("lets the WebRTC caller hold ccflow and take it back by re-INVITE and UPDATE: nothing is sent while held", async () => {
    const caller = await phone();
    const callerMedia = new WeriftPhone();
    media.push(callerMedia);
    const since = Date.now();
    const ok = await caller.invite({ ani: CALLER, dnis: NUMBER, sdp: await callerMedia.offer() });
    expect(ok.status, ok.raw).toBe(200);
    await callerMedia.accept(ok.body);
    caller.ack();
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    await eventually(() => callerMedia.heard.length > 4000 || undefined, "the hold music over WebRTC", 60_000);
    const version = (sdp: string) => Number(/^o=\S+ \d+ (\d+)/m.exec(sdp)?.[1]);

    // Hold (a=sendonly): answered recvonly on the same connection; ccflow sends nothing.
    const held = await caller.reoffer("INVITE", await callerMedia.reoffer("sendonly"));
    expect(held.status, held.raw).toBe(200);
    expect(held.body).toMatch(/^a=recvonly/m);
    expect(held.body).toMatch(/a=fingerprint:/);
    expect(version(held.body), `${/^o=.*$/m.exec(ok.body)?.[0]} then ${/^o=.*$/m.exec(held.body)?.[0]}`).toBeGreaterThan(version(ok.body));
    await callerMedia.accept(held.body);
    await new Promise((r) => setTimeout(r, 300));
    expect((await callerMedia.listen(1500)).length, "samples sent to a caller who holds ccflow").toBe(0);

    // Resume (sendrecv): the music again, on the same ICE and DTLS connection.
    const resumed = await caller.reoffer("INVITE", await callerMedia.reoffer("sendrecv"));
    expect(resumed.status, resumed.raw).toBe(200);
    expect(resumed.body).toMatch(/^a=sendrecv/m);
    await callerMedia.accept(resumed.body);
    await eventually(async () => rms(await callerMedia.listen(500)) > 300 || undefined, "the music after resuming");

    // UPDATE with a=inactive, then sendrecv again.
    const inactive = await caller.reoffer("UPDATE", await callerMedia.reoffer("inactive"));
    expect(inactive.status, inactive.raw).toBe(200);
    expect(inactive.body).toMatch(/^a=inactive/m);
    await callerMedia.accept(inactive.body);
    await new Promise((r) => setTimeout(r, 300));
    expect((await callerMedia.listen(1000)).length, "samples sent while inactive").toBe(0);
    const again = await caller.reoffer("UPDATE", await callerMedia.reoffer("sendrecv"));
    expect(again.status, again.raw).toBe(200);
    await callerMedia.accept(again.body);
    await eventually(async () => (await callerMedia.listen(500)).length > 0 || undefined, "audio after the UPDATE");

    expect(session.ended).toBe(false);
    expect((await caller.bye()).status).toBe(200);
    await eventually(() => session.ended || undefined, "the contact ended");
  }, 180_000);

  it("refuses an upgrade without the sip subprotocol, or from a foreign origin, and a plain GET", async () => {
    await expect(phone({ protocols: ["chat"] })).rejects.toThrow(/HTTP 400/);
    await expect(phone({ origin: "https://evil.example" })).rejects.toThrow(/HTTP 403/);
    const own = await phone({ origin: t.url });
    expect(own.protocol).toBe("sip");
    const res = await fetch(`${t.url}/sip`);
    expect(res.status).toBe(426);
    expect(await res.text()).toMatch(/subprotocol "sip"/);
  });

  it("answers garbage with nothing and a bad request with 400, and keeps the socket usable", async () => {
    const caller = await phone();
    caller.sendRaw("hello there");
    caller.sendRaw(["OPTIONS sip:x@ccflow.invalid SIP/2.0", "Via: SIP/2.0/WS a.invalid;branch=z9hG4bKx1", "From: <sip:a@a.invalid>;tag=1", "To: <sip:x@ccflow.invalid>", "Call-ID: bad-1", "CSeq: one OPTIONS", "", ""].join("\r\n"));
    const bad = await caller.next((m) => m.status !== undefined, "the 400");
    expect(bad.status).toBe(400);
    caller.sendRaw(["OPTIONS sip:x@ccflow.invalid SIP/2.0", "Via: SIP/2.0/WS a.invalid;branch=z9hG4bKx2", "From: <sip:a@a.invalid>;tag=1", "To: <sip:x@ccflow.invalid>", "Call-ID: ok-1", "CSeq: 1 OPTIONS", "", ""].join("\r\n"));
    const ok = await caller.next((m) => m.status === 200, "the OPTIONS 200");
    expect(ok.headers.get("allow")?.[0]).toMatch(/INVITE/);
  });
});

describe("SIP over WebSocket follows the SIP access rules", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }], sip: { allow: [], users: [{ username: "web-phone", password: "correct-horse" }] } },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it("registers a browser phone over the socket by digest, and forgets it when the socket closes", async () => {
    const browserPhone = await WsSipPhone.open(`${t.url.replace(/^http/, "ws")}/sip`);
    try {
      const ok = await browserPhone.register("web-phone", "correct-horse", 300);
      expect(ok.status, ok.raw).toBe(200);
      expect(ok.headers.get("contact")?.[0]).toMatch(/^<sip:web-phone@[0-9a-f]+\.invalid;transport=ws>;expires=(300|29\d)$/);
      const [binding] = t.server.context.sip!.registrar.lookup("web-phone");
      expect(binding?.peer.transport).toBe("WS");
    } finally {
      browserPhone.close();
    }
    await eventually(() => t.server.context.sip!.registrar.lookup("web-phone").length === 0 || undefined, "the binding gone with the socket");
  }, 60_000);

  it("challenges a caller from an address not allowed (401) and takes it with the right digest credentials", async () => {
    const ear = await RtpRecorder.open();
    const wrong = await WsSipPhone.open(`${t.url.replace(/^http/, "ws")}/sip`);
    const right = await WsSipPhone.open(`${t.url.replace(/^http/, "ws")}/sip`);
    try {
      const refused = await wrong.invite({ ani: CALLER, dnis: NUMBER, sdp: plainOffer(ear.port), credentials: { username: "web-phone", password: "wrong-horse" } });
      expect(refused.status).toBe(401);
      expect(t.server.context.calls.list()).toHaveLength(0);
      const ok = await right.invite({ ani: CALLER, dnis: NUMBER, sdp: plainOffer(ear.port), credentials: { username: "web-phone", password: "correct-horse" } });
      expect(ok.status, ok.raw).toBe(200);
      right.ack();
      await eventually(() => t.server.context.calls.list()[0], "the call");
      expect((await right.bye()).status).toBe(200);
    } finally {
      wrong.close();
      right.close();
      ear.close();
    }
  }, 60_000);
});
