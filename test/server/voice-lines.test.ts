/**
 * Who hears whom when the agent uses the call controls, with real audio: SIPp calls (600 Hz from a
 * WAV made by sox) and is queued; Ana (1400 Hz) and Ben (1000 Hz) have their headset lines open
 * over WebRTC (werift as their browsers). Mute cuts Ana's voice to the caller while she still
 * hears the caller. A consult bridges Ana and Ben to each other while the caller hears music and
 * neither agent; the consulted transfer bridges the caller to Ben, and the caller's audio follows.
 * A blind transfer to Ben does the same once he answers. Ending a consult brings the caller back
 * to Ana, still on hold. Ana's mute holds toward Ben in a consult too. A consult made a conference
 * mixes all three: the caller hears both agents and each agent hears the caller and the other;
 * Ana muted is heard by neither; when Ben leaves, the caller and Ana talk on.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../../src/channels/media/music-on-hold.js";
import { toneShare } from "../channels/media/goertzel.js";
import { WeriftPhone } from "../channels/media/werift-phone.js";
import { hasSipp, RtpRecorder, runSipp, type SippRun } from "../channels/sip/helpers.js";
import { AGENT_HZ, CALLER_HZ, queueFlow } from "../channels/sip/tone-call.js";
import { eventually, startTestServer, type TestServer, type TestSocket } from "./helpers.js";
import { expectSocketMessagesFit } from "./socket-conformance.js";

const hasSox = !spawnSync("sox", ["--version"], { stdio: "ignore" }).error;
if (!hasSox) process.stderr.write("notice: sox is not installed; the call-control audio tests (which make their tone with it) are skipped\n");

/** Ben's tone: apart from the caller's, Ana's and the hold music's notes. */
const BEN_HZ = 1000;
const peak = (samples: number[]) => samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);

interface Line {
  phone: WeriftPhone;
  audio: TestSocket;
}

describe.skipIf(!hasSipp || !hasSox)("call controls on a bridged SIP call: mute, consult and transfer (SIPp and WebRTC lines)", () => {
  let t: TestServer;
  let dir: string;
  const lines = new Map<string, Line>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-voice-controls-"));
    const made = spawnSync("sox", ["-n", "-r", "8000", "-c", "1", "-e", "u-law", join(dir, "caller-tone.wav"), "synth", "60", "sine", String(CALLER_HZ), "vol", "0.5"]);
    if (made.status !== 0) throw new Error(`sox failed: ${made.stderr.toString()}`);
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: {
        queues: [{ id: "Q-Voice", name: "Voice" }],
        agents: [
          { id: "ana", name: "Ana Lima", queues: ["Q-Voice"] },
          { id: "ben", name: "Ben Okafor", queues: [] },
        ],
      },
      extra: { sipPort: 0 },
    });
    for (const [id, hz] of [["ana", AGENT_HZ], ["ben", BEN_HZ]] as const) lines.set(id, await openLine(id, hz));
  }, 60_000);

  afterAll(async () => {
    for (const l of lines.values()) {
      l.audio.close();
      await l.phone.close();
    }
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sipPort = () => Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);

  async function openLine(agentId: string, hz: number): Promise<Line> {
    const phone = new WeriftPhone();
    const audio = await t.socket(`/api/agents/${agentId}/audio`);
    audio.send({ type: "offer", sdp: await phone.offer() });
    const answer = await audio.next((m) => m.type === "answer" || m.type === "error", `${agentId}'s line answer`);
    expect(answer.type, JSON.stringify(answer)).toBe("answer");
    await phone.accept(answer.sdp);
    await eventually(() => t.server.context.voice?.line(agentId)?.connected, `${agentId}'s line connected`);
    phone.talk(tone(hz, 1000, 0.4));
    return { phone, audio };
  }

  const line = (id: string) => lines.get(id)!;
  /** The agent's line was told `type` about this contact (lines stay open across the tests). */
  const told = (agentId: string, type: string, interactionId: string) => line(agentId).audio.next((m) => m.type === type && m.interactionId === interactionId, `${agentId}: ${type}`);

  /** What the caller and the named agents hear over the same second (after a moment to settle). */
  async function listen(agents: string[]): Promise<{ caller: number[]; [agent: string]: number[] }> {
    await new Promise((r) => setTimeout(r, 400));
    const mark = recorder.heard.length;
    const heard = await Promise.all(agents.map((a) => line(a).phone.listen(1200)));
    return { caller: recorder.samples(mark), ...Object.fromEntries(agents.map((a, i) => [a, heard[i]!])) };
  }

  let recorder: RtpRecorder;

  /**
   * How clearly an ear hears a tone: the stretch already heard, and if it is not clear, up to three
   * more (a loaded machine garbles some stretches; a missing path never gets clear). The best share.
   */
  async function hears(ear: string, hz: number, first: number[]): Promise<number> {
    let best = toneShare(first, hz);
    for (let i = 0; i < 3 && best <= 0.5; i++) {
      const mark = recorder.heard.length;
      const heard = ear === "caller" ? await new Promise<number[]>((r) => setTimeout(() => r(recorder.samples(mark)), 1200)) : await line(ear).phone.listen(1200);
      best = Math.max(best, toneShare(heard, hz));
    }
    return best;
  }

  /**
   * How clearly an ear hears two tones at once (a conference: two voices summed, each about half
   * of what it gets): the weaker tone's share, retried like `hears`.
   */
  async function hearsBoth(ear: string, hzA: number, hzB: number, first: number[]): Promise<number> {
    const weaker = (samples: number[]) => Math.min(toneShare(samples, hzA), toneShare(samples, hzB));
    let best = weaker(first);
    for (let i = 0; i < 3 && best <= 0.2; i++) {
      const mark = recorder.heard.length;
      const heard = ear === "caller" ? await new Promise<number[]>((r) => setTimeout(() => r(recorder.samples(mark)), 1200)) : await line(ear).phone.listen(1200);
      best = Math.max(best, weaker(heard));
    }
    return best;
  }

  /** A SIPp caller answered by Ana, bridged to her line. */
  async function anaAnswers(): Promise<{ sipp: SippRun; interactionId: string }> {
    expect((await t.call("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    recorder = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp("caller-talks-agent-hangs-up.xml", { target: `127.0.0.1:${sipPort()}`, dnis: "+18005550100", ani: "+14806754110", rtpPort: recorder.port, cwd: dir });
    const session = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    await eventually(() => t.server.context.center.agent("ana")?.state === "Reserved" || undefined, "Ana offered the call");
    expect((await t.call("POST", "/api/agents/ana/accept", {})).status).toBe(200);
    await told("ana", "bridged", session.interactionId);
    return { sipp, interactionId: session.interactionId };
  }

  async function hangUp(agentId: string, sipp: SippRun): Promise<void> {
    expect((await t.call("POST", `/api/agents/${agentId}/end`, {})).status).toBe(200);
    const result = await sipp.done;
    expect(result.code, result.output.slice(-3000)).toBe(0);
    recorder.close();
  }

  async function afterWrapUp(agentId: string): Promise<void> {
    await eventually(() => t.server.context.center.agent(agentId)?.state === "WrapUp" || undefined, `${agentId} in wrap-up`);
    expect((await t.call("POST", `/api/agents/${agentId}/wrapup`, { state: "Idle" })).status).toBe(200);
  }

  it("mute: the caller hears Ana before, silence from her while muted, and her again after; she hears the caller throughout", async () => {
    const { sipp, interactionId } = await anaAnswers();
    try {
      const before = await listen(["ana"]);
      expect((await hears("caller", AGENT_HZ, before.caller)), "before: the caller hears Ana's 1400 Hz").toBeGreaterThan(0.5);

      const muted = await t.call("POST", "/api/agents/ana/mute", { muted: true });
      expect(muted.body.contact.controls.muted).toBe(true);
      await told("ana", "muted", interactionId);
      const during = await listen(["ana"]);
      expect(during.caller.length, "the caller still gets a steady stream").toBeGreaterThan(8000);
      expect(toneShare(during.caller, AGENT_HZ), "muted: the caller does not hear Ana").toBeLessThan(0.05);
      expect(peak(during.caller), "muted: the caller hears silence").toBeLessThan(200);
      expect((await hears("ana", CALLER_HZ, during.ana!)), "muted: Ana still hears the caller").toBeGreaterThan(0.5);

      await t.call("POST", "/api/agents/ana/mute", { muted: false });
      await told("ana", "unmuted", interactionId);
      const after = await listen(["ana"]);
      expect((await hears("caller", AGENT_HZ, after.caller)), "unmuted: the caller hears Ana again").toBeGreaterThan(0.5);
      await hangUp("ana", sipp);
    } finally {
      sipp.kill();
    }
    await afterWrapUp("ana");
  }, 120_000);

  it("consult then transfer: Ana and Ben talk while the caller hears music; after the transfer the caller and Ben hear each other", async () => {
    const { sipp, interactionId } = await anaAnswers();
    try {
      expect((await t.call("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
      // Ana's mute holds toward Ben while they consult.
      await t.call("POST", "/api/agents/ana/mute", { muted: true });
      expect((await t.call("POST", "/api/agents/ana/consult", { agent: "ben" })).status).toBe(200);
      await told("ana", "consulting", interactionId);
      await told("ben", "consulting", interactionId);
      expect(t.server.context.voice!.isConsulting(interactionId)).toBe(true);
      const mutedConsult = await listen(["ana", "ben"]);
      expect(toneShare(mutedConsult.ben!, AGENT_HZ), "Ana muted: Ben does not hear her").toBeLessThan(0.05);
      expect((await hears("ana", BEN_HZ, mutedConsult.ana!)), "Ana muted still hears Ben").toBeGreaterThan(0.5);
      await t.call("POST", "/api/agents/ana/mute", { muted: false });
      await told("ana", "unmuted", interactionId);
      const consult = await listen(["ana", "ben"]);
      expect((await hears("ana", BEN_HZ, consult.ana!)), "Ana hears Ben").toBeGreaterThan(0.5);
      expect((await hears("ben", AGENT_HZ, consult.ben!)), "Ben hears Ana").toBeGreaterThan(0.5);
      expect(toneShare(consult.ana!, CALLER_HZ), "Ana does not hear the caller").toBeLessThan(0.05);
      expect(toneShare(consult.ben!, CALLER_HZ), "Ben does not hear the caller").toBeLessThan(0.05);
      for (const hz of [AGENT_HZ, BEN_HZ]) expect(toneShare(consult.caller, hz), `the caller hears neither agent (${hz} Hz)`).toBeLessThan(0.05);
      expect(peak(consult.caller), "the caller hears music").toBeGreaterThan(1000);

      // Mute does not follow the call to the next agent.
      await t.call("POST", "/api/agents/ana/mute", { muted: true });
      expect((await t.call("POST", "/api/agents/ana/consult/transfer", {})).status).toBe(200);
      await told("ben", "bridged", interactionId);
      await told("ana", "unbridged", interactionId);
      expect(t.server.context.voice!.bridgedFor("ben")).toBe(interactionId);
      expect(t.server.context.voice!.bridgedFor("ana")).toBeUndefined();
      const after = await listen(["ana", "ben"]);
      expect((await hears("caller", BEN_HZ, after.caller)), "the caller hears Ben").toBeGreaterThan(0.5);
      expect(toneShare(after.caller, AGENT_HZ), "the caller no longer hears Ana").toBeLessThan(0.05);
      expect((await hears("ben", CALLER_HZ, after.ben!)), "Ben hears the caller").toBeGreaterThan(0.5);
      expect(peak(after.ana!), "Ana hears nothing").toBeLessThan(200);
      expect((await t.call("GET", "/api/agents/ben")).body.contact.controls).toMatchObject({ held: false, muted: false });
      await hangUp("ben", sipp);
    } finally {
      sipp.kill();
    }
    await afterWrapUp("ana");
    await afterWrapUp("ben");
  }, 120_000);

  it("a conference: the caller hears both agents and each hears the caller and the other; Ana muted is heard by neither; Ben leaves and the caller and Ana talk on", async () => {
    const { sipp, interactionId } = await anaAnswers();
    try {
      expect((await t.call("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
      await t.call("POST", "/api/agents/ana/consult", { agent: "ben" });
      await told("ana", "consulting", interactionId);
      expect((await t.call("POST", "/api/agents/ana/consult/conference", {})).status).toBe(200);
      await told("ana", "conference", interactionId);
      await told("ben", "conference", interactionId);
      expect(t.server.context.voice!.isConference(interactionId)).toBe(true);
      // Two tones summed: each is about half of what an ear gets.
      const all = await listen(["ana", "ben"]);
      expect(peak(all.caller), "the caller hears the agents, not silence").toBeGreaterThan(1000);
      expect(await hearsBoth("caller", AGENT_HZ, BEN_HZ, all.caller), "the caller hears Ana and Ben").toBeGreaterThan(0.2);
      expect(await hearsBoth("ana", CALLER_HZ, BEN_HZ, all.ana!), "Ana hears the caller and Ben").toBeGreaterThan(0.2);
      expect(await hearsBoth("ben", CALLER_HZ, AGENT_HZ, all.ben!), "Ben hears the caller and Ana").toBeGreaterThan(0.2);
      expect(toneShare(all.ana!, AGENT_HZ), "Ana does not hear herself").toBeLessThan(0.05);

      await t.call("POST", "/api/agents/ana/mute", { muted: true });
      await told("ana", "muted", interactionId);
      const muted = await listen(["ana", "ben"]);
      expect(toneShare(muted.caller, AGENT_HZ), "Ana muted: the caller does not hear her").toBeLessThan(0.05);
      expect(toneShare(muted.ben!, AGENT_HZ), "Ana muted: Ben does not hear her").toBeLessThan(0.05);
      expect(await hearsBoth("ana", CALLER_HZ, BEN_HZ, muted.ana!), "Ana muted still hears both").toBeGreaterThan(0.2);
      await t.call("POST", "/api/agents/ana/mute", { muted: false });

      expect((await t.call("POST", "/api/agents/ben/consult/end", {})).status).toBe(200);
      await told("ana", "bridged", interactionId);
      expect(t.server.context.voice!.bridgedFor("ana")).toBe(interactionId);
      const after = await listen(["ana", "ben"]);
      expect((await hears("caller", AGENT_HZ, after.caller)), "the caller hears Ana, talking (not on hold)").toBeGreaterThan(0.5);
      expect(toneShare(after.caller, BEN_HZ), "the caller no longer hears Ben").toBeLessThan(0.05);
      expect(peak(after.ben!), "Ben hears nothing").toBeLessThan(200);
      await hangUp("ana", sipp);
    } finally {
      sipp.kill();
    }
    await afterWrapUp("ana");
  }, 120_000);

  it("a consult called off brings the caller back to Ana on hold; a blind transfer to Ben bridges him once he answers", async () => {
    const { sipp, interactionId } = await anaAnswers();
    try {
      expect((await t.call("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
      await t.call("POST", "/api/agents/ana/consult", { agent: "ben" });
      await told("ana", "consulting", interactionId);
      expect((await t.call("POST", "/api/agents/ana/resume", {})).body.error.code, "no resume during a consult").toBe("INVALID_STATE");
      await t.call("POST", "/api/agents/ben/end", {});
      await told("ana", "held", interactionId);
      expect(t.server.context.voice!.bridgedFor("ana")).toBe(interactionId);
      const held = await listen(["ana"]);
      expect(toneShare(held.caller, AGENT_HZ), "on hold the caller does not hear Ana").toBeLessThan(0.05);
      expect(peak(held.caller), "on hold the caller hears music").toBeGreaterThan(1000);
      expect(peak(held.ana!), "Ana hears silence").toBeLessThan(200);
      await t.call("POST", "/api/agents/ana/resume", {});
      const resumed = await listen(["ana"]);
      expect((await hears("caller", AGENT_HZ, resumed.caller)), "resumed: the caller hears Ana").toBeGreaterThan(0.5);

      expect((await t.call("POST", "/api/agents/ana/transfer", { agent: "ben" })).status).toBe(200);
      await told("ana", "unbridged", interactionId);
      await eventually(() => t.server.context.center.agent("ben")?.state === "Reserved" || undefined, "Ben offered the call");
      expect((await t.call("POST", "/api/agents/ben/accept", {})).status).toBe(200);
      await told("ben", "bridged", interactionId);
      const ben = await listen(["ben"]);
      expect((await hears("caller", BEN_HZ, ben.caller)), "the caller hears Ben").toBeGreaterThan(0.5);
      expect((await hears("ben", CALLER_HZ, ben.ben!)), "Ben hears the caller").toBeGreaterThan(0.5);
      await hangUp("ben", sipp);
    } finally {
      sipp.kill();
    }
  }, 120_000);

  it("every message the audio lines sent above fits the schema the OpenAPI document gives them", async () => {
    const counted = await expectSocketMessagesFit(t);
    for (const seen of ["answer", "bridged", "unbridged", "held", "muted", "consulting"]) expect(counted[`/api/agents/{id}/audio ${seen}`], seen).toBeGreaterThan(0);
  });
});
