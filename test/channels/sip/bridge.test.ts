/**
 * A SIP caller and an agent talk: SIPp calls, is queued, and the agent — signed in, with their
 * headset line open over WebRTC (werift here as the agent's browser; test/web/voice.test.ts does
 * it with Chromium) — answers. Each side sends its own tone: the caller 600 Hz from a WAV made by
 * sox and played by SIPp's rtp_stream, the agent 1400 Hz. Each must hear the other's tone and not
 * its own. Hold (POST /api/agents/:id/hold, the desktop's call control) plays music to the caller; the agent ending the call reaches SIPp as a BYE, and a
 * caller's BYE ends the agent's side.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../../../src/channels/media/music-on-hold.js";
import type { CallSession } from "../../../src/server/calls.js";
import { eventually, startTestServer, type TestServer, type TestSocket } from "../../server/helpers.js";
import { toneShare } from "../media/goertzel.js";
import { WeriftPhone } from "../media/werift-phone.js";
import { cue, hasSipp, RtpRecorder, runSipp } from "./helpers.js";
import { AGENT_HZ, CALLER_HZ, queueFlow } from "./tone-call.js";

const hasSox = !spawnSync("sox", ["--version"], { stdio: "ignore" }).error;
if (!hasSox) process.stderr.write("notice: sox is not installed; the SIP bridge tests (which make their tone with it) are skipped\n");

const CALLER = "+14806754110";
const NUMBER = "+18005550100";

describe.skipIf(!hasSipp || !hasSox)("a SIP caller and an agent's WebRTC line, bridged", () => {
  let t: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-bridge-"));
    const made = spawnSync("sox", ["-n", "-r", "8000", "-c", "1", "-e", "u-law", join(dir, "caller-tone.wav"), "synth", "30", "sine", String(CALLER_HZ), "vol", "0.5"]);
    if (made.status !== 0) throw new Error(`sox failed: ${made.stderr.toString()}`);
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }], agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Voice"] }] },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sipPort = () => Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);

  /** Ana available with her headset line open; returns her phone and the line's socket. */
  async function agentWithLine(): Promise<{ phone: WeriftPhone; audio: TestSocket }> {
    expect((await t.call("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const phone = new WeriftPhone();
    const audio = await t.socket("/api/agents/ana/audio");
    audio.send({ type: "offer", sdp: await phone.offer() });
    const answer = await audio.next((m) => m.type === "answer" || m.type === "error", "the line's answer");
    expect(answer.type, JSON.stringify(answer)).toBe("answer");
    await phone.accept(answer.sdp);
    await eventually(() => t.server.context.voice?.line("ana")?.connected, "the agent's line connected");
    phone.talk(tone(AGENT_HZ, 1000, 0.4));
    return { phone, audio };
  }

  async function callAndAnswer(scenario: string) {
    const { phone, audio } = await agentWithLine();
    const recorder = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp(scenario, { target: `127.0.0.1:${sipPort()}`, dnis: NUMBER, ani: CALLER, rtpPort: recorder.port, cwd: dir });
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    await eventually(() => t.server.context.center.agent("ana")?.state === "Reserved" || undefined, "ana offered the call");
    expect((await t.call("POST", "/api/agents/ana/accept", {})).status).toBe(200);
    const bridged = await audio.next((m) => m.type === "bridged", "bridged");
    expect(bridged.interactionId).toBe(session.interactionId);
    const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
    return { phone, audio, recorder, sipp, session, callId };
  }

  it("each hears the other's tone both ways; hold plays music to the caller; the agent's hang-up is a BYE to the caller", async () => {
    const { phone, audio, recorder, sipp, session } = await callAndAnswer("caller-talks-agent-hangs-up.xml");
    try {
      // Let the queues fill, then listen for a second on each side.
      await new Promise((r) => setTimeout(r, 500));
      const mark = recorder.heard.length;
      const agentEar = await phone.listen(1500);
      const callerEar = recorder.samples(mark);
      expect(agentEar.length, "the agent hears a steady stream").toBeGreaterThan(8000 * 1.0);
      expect(toneShare(agentEar, CALLER_HZ), "the agent hears the caller's 600 Hz").toBeGreaterThan(0.5);
      expect(toneShare(agentEar, AGENT_HZ), "the agent does not hear their own 1400 Hz").toBeLessThan(0.05);
      expect(callerEar.length, "the caller hears a steady stream").toBeGreaterThan(8000 * 1.0);
      expect(toneShare(callerEar, AGENT_HZ), "the caller hears the agent's 1400 Hz").toBeGreaterThan(0.5);
      expect(toneShare(callerEar, CALLER_HZ), "the caller does not hear their own 600 Hz").toBeLessThan(0.05);

      // Hold, from the desktop's call controls: music to the caller, silence to the agent.
      expect((await t.call("POST", "/api/agents/ana/hold", {})).status).toBe(200);
      await audio.next((m) => m.type === "held", "held");
      await new Promise((r) => setTimeout(r, 300));
      const heldMark = recorder.heard.length;
      const agentOnHold = await phone.listen(1000);
      const callerOnHold = recorder.samples(heldMark);
      expect(toneShare(callerOnHold, AGENT_HZ), "on hold the caller does not hear the agent").toBeLessThan(0.05);
      expect(Math.max(...callerOnHold.map(Math.abs)), "on hold the caller hears music").toBeGreaterThan(1000);
      expect(Math.max(...agentOnHold.map(Math.abs)), "on hold the agent hears silence").toBeLessThan(200);
      expect((await t.call("POST", "/api/agents/ana/resume", {})).status).toBe(200);
      await audio.next((m) => m.type === "resumed", "resumed");
      const again = await phone.listen(1000);
      expect(toneShare(again, CALLER_HZ), "resumed: the agent hears the caller again").toBeGreaterThan(0.5);

      // The agent hangs up: SIPp gets a BYE (its scenario then ends with 0).
      expect((await t.call("POST", "/api/agents/ana/end", {})).status).toBe(200);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await audio.next((m) => m.type === "unbridged", "unbridged");
      await eventually(() => session.ended || undefined, "the contact ended");
      expect(session.summary().endReason).toBe("agent-ended");
      expect(t.server.context.sip?.calls.length).toBe(0);
    } finally {
      sipp.kill();
      recorder.close();
      audio.close();
      await phone.close();
      await t.call("POST", "/api/agents/ana/logout", {});
    }
  }, 120_000);

  it("the caller's BYE ends the agent's side: unbridged, the contact ended by the caller", async () => {
    const { phone, audio, recorder, sipp, session, callId } = await callAndAnswer("caller-talks-hangs-up.xml");
    try {
      await cue(callId, sipp.sipPort);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await audio.next((m) => m.type === "unbridged", "unbridged");
      await eventually(() => session.ended || undefined, "the contact ended");
      expect(session.summary().endReason).toMatch(/caller|hangup/i);
      expect(t.server.context.voice!.isBridged(session.interactionId)).toBe(false);
    } finally {
      sipp.kill();
      recorder.close();
      audio.close();
      await phone.close();
    }
  }, 120_000);
});
