/**
 * A browser SIP phone calls over SIP over WebSocket: Chromium (fake microphone playing a 600 Hz
 * tone made by sox) runs a small SIP user agent written in the page — no REGISTER, an INVITE with
 * its RTCPeerConnection's offer over `ws://…/sip` (subprotocol `sip`), the 200's answer, the ACK —
 * the way JsSIP or SIP.js would (neither is a dependency). ccflow answers the WebRTC offer with
 * werift. The page hears the hold music (getStats), presses 5 with RTCDTMFSender (RFC 4733 over
 * SRTP), and when the agent (a werift headset line saying 1400 Hz) answers, the page hears the
 * agent and the agent hears the page. The page's BYE ends the contact.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../../src/channels/media/music-on-hold.js";
import type { CallSession } from "../../src/server/calls.js";
import { toneShare } from "../channels/media/goertzel.js";
import { WeriftPhone } from "../channels/media/werift-phone.js";
import { AGENT_HZ, CALLER_HZ, queueFlow } from "../channels/sip/tone-call.js";
import { eventually, startTestServer, type TestServer } from "../server/helpers.js";
import { hasChromium, launch, type TestBrowser } from "./browser.js";
import { pageHears } from "./page-hears.js";

const hasSox = !spawnSync("sox", ["--version"], { stdio: "ignore" }).error;
if (!hasSox) process.stderr.write("notice: sox is not installed; the browser SIP-over-WebSocket test (which makes its tone with it) is skipped\n");

/** The page's SIP phone: places one call over SIP/WS; `window.sipPhone` keeps its parts. */
async function placeCall(page: Page, wsUrl: string, ani: string, dnis: string): Promise<{ protocol: string; status: string; answerHasFingerprint: boolean }> {
  return page.evaluate(
    async ([wsUrl, ani, dnis]) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      const audio = document.createElement("audio");
      audio.id = "sip-audio";
      audio.autoplay = true;
      document.body.appendChild(audio);
      pc.ontrack = (e) => (audio.srcObject = e.streams[0] ?? new MediaStream([e.track]));
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === "complete") return resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
      });
      const ws = new WebSocket(wsUrl, "sip");
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const host = `${Math.random().toString(36).slice(2, 10)}.invalid`;
      const callId = `${Math.random().toString(36).slice(2)}@browser`;
      const uri = `sip:${dnis}@ccflow.invalid`;
      const state = { cseq: 1, to: `<${uri}>`, ws, pc, callId, host, uri, ani, received: [] as string[] };
      const request = (method: string, cseq: number, extra: string[], body = "") =>
        [`${method} ${uri} SIP/2.0`, `Via: SIP/2.0/WS ${host};branch=z9hG4bK${Math.random().toString(36).slice(2)}`, "Max-Forwards: 70", `From: <sip:${ani}@${host}>;tag=page1`, `To: ${state.to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, ...extra, `Content-Length: ${new TextEncoder().encode(body).length}`, "", body].join("\r\n");
      const final = new Promise<string>((resolve) => {
        ws.onmessage = (e) => {
          const text = String(e.data);
          state.received.push(text.split("\r\n")[0]!);
          if (/^SIP\/2\.0 [2-6]\d\d/.test(text) && /\r\nCSeq: 1 INVITE/i.test(text)) resolve(text);
        };
      });
      ws.send(request("INVITE", 1, [`Contact: <sip:${ani}@${host};transport=ws>`, "Content-Type: application/sdp"], pc.localDescription!.sdp));
      const response = await final;
      const status = response.split("\r\n")[0]!;
      if (!status.startsWith("SIP/2.0 200")) return { protocol: ws.protocol, status, answerHasFingerprint: false };
      state.to = /\r\nTo: ([^\r\n]+)/i.exec(response)![1]!;
      const sdp = response.slice(response.indexOf("\r\n\r\n") + 4);
      await pc.setRemoteDescription({ type: "answer", sdp });
      ws.send(request("ACK", 1, []));
      (window as unknown as Record<string, unknown>).sipPhone = { ...state, bye: () => ws.send(request("BYE", 2, [])) };
      return { protocol: ws.protocol, status, answerHasFingerprint: /a=fingerprint:/.test(sdp) };
    },
    [wsUrl, ani, dnis] as const,
  );
}

describe.skipIf(!hasChromium || !hasSox)("a browser SIP phone over WebSocket (Chromium)", () => {
  let t: TestServer;
  let b: TestBrowser;
  let dir: string;
  let page: Page;
  let headset: WeriftPhone | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-sip-ws-web-"));
    const made = spawnSync("sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer", join(dir, "caller-tone.wav"), "synth", "60", "sine", String(CALLER_HZ), "vol", "0.5"]);
    if (made.status !== 0) throw new Error(`sox failed: ${made.stderr.toString()}`);
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }], agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Voice"] }] },
      extra: { sipPort: 0 },
    });
    b = await launch([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${join(dir, "caller-tone.wav")}`,
      "--allow-loopback-in-peer-connection",
      "--autoplay-policy=no-user-gesture-required",
    ]);
    page = await b.context.newPage();
    // A page of the server's own origin (the SIP socket's Origin must be allowed) that stays put:
    // the plain GET of /sip answers 426 with a line of text; the web UI would redirect to sign-in.
    await page.goto(`${t.url}/sip`);
  }, 90_000);

  afterAll(async () => {
    await headset?.close().catch(() => undefined);
    await b?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("calls in with its RTCPeerConnection: hears the music, presses 5 by RFC 4733, talks with the agent, hangs up", async () => {
    const since = Date.now();
    const placed = await placeCall(page, `${t.url.replace(/^http/, "ws")}/sip`, "+14806754110", "+18005550100");
    expect(placed, JSON.stringify(placed)).toMatchObject({ protocol: "sip", status: "SIP/2.0 200 OK", answerHasFingerprint: true });
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    expect(session.summary()).toMatchObject({ ani: "+14806754110", dnis: "+18005550100" });
    await page.waitForFunction(() => (window as unknown as { sipPhone: { pc: RTCPeerConnection } }).sipPhone.pc.connectionState === "connected", undefined, { timeout: 60_000 });

    // Queued with music: the page receives audio energy.
    const music = await pageHears(page, 1500, { elementId: "sip-audio", handle: "sipPhone" });
    expect(music.energy, `getStats: hold music energy received (${JSON.stringify(music)})`).toBeGreaterThan(0);

    // 5 by RTCDTMFSender: RFC 4733 events over the SRTP media; nothing reads keys in this flow, so the call keeps it.
    await page.evaluate(() => (window as unknown as { sipPhone: { pc: RTCPeerConnection } }).sipPhone.pc.getSenders()[0]!.dtmf!.insertDTMF("5", 200, 100));
    await eventually(async () => ((await t.call("GET", `/api/calls/${session.interactionId}`)).body.bufferedDigits === "5") || undefined, "5 buffered", 30_000);

    // Ana answers on her headset line (werift as her browser).
    expect((await t.call("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    headset = new WeriftPhone();
    const line = await t.socket("/api/agents/ana/audio");
    line.send({ type: "offer", sdp: await headset.offer() });
    const answer = await line.next((m) => m.type === "answer" || m.type === "error", "the line's answer");
    expect(answer.type, JSON.stringify(answer)).toBe("answer");
    await headset.accept(answer.sdp);
    await eventually(() => t.server.context.voice?.line("ana")?.connected, "the agent's line connected", 60_000);
    headset.talk(tone(AGENT_HZ, 1000, 0.4));
    await eventually(() => t.server.context.center.agent("ana")?.state === "Reserved" || undefined, "ana offered the call", 30_000);
    expect((await t.call("POST", "/api/agents/ana/accept", {})).status).toBe(200);
    await line.next((m) => m.type === "bridged", "bridged");
    await new Promise((r) => setTimeout(r, 800));
    const [heard, agentEar] = await Promise.all([pageHears(page, 1500, { elementId: "sip-audio", handle: "sipPhone" }), headset.listen(1500)]);
    expect(heard.agent, `the page hears Ana's 1400 Hz (${JSON.stringify(heard)})`).toBeGreaterThan(0.3);
    expect(heard.caller, "the page does not hear its own 600 Hz").toBeLessThan(0.05);
    expect(toneShare(agentEar, CALLER_HZ), "Ana hears the page's microphone (600 Hz)").toBeGreaterThan(0.3);

    // The page hangs up.
    await page.evaluate(() => (window as unknown as { sipPhone: { bye(): void } }).sipPhone.bye());
    await eventually(() => session.ended || undefined, "the contact ended");
    expect(session.summary().endReason).toBe("caller-hangup");
    await line.next((m) => m.type === "unbridged", "unbridged");
    line.close();
  }, 240_000);
});
