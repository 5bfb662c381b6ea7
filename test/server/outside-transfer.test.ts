/**
 * An agent transfers a SIP caller to an outside number: the environment's dial plan routes
 * +1555… to a SIPp UAS (the outside party), which ccflow calls with its own INVITE. The party
 * answers and echoes what it hears (-rtp_echo), so once bridged the caller (600 Hz) hears their
 * own tone coming back through ccflow and the far end, and no longer the agent (1400 Hz). The
 * agent wraps up; the contact's trace has the `transferred` event with the number. Before the number
 * is dialled the flow's PreDial runs as TRANSFER_TO_DN/DN with it (Cisco's operationType table).
 * A consult to a number (PreDial CONSULT_TO_DN/DN): the agent hears the party (their own voice
 * echoed back) while the caller hears music and neither; the consulted transfer hands the caller
 * to the party; ending the consult instead hangs the party up (it gets ccflow's BYE) and leaves
 * the caller on hold with the agent, who resumes and talks to them again. The caller's
 * BYE reaches the outside party as ccflow's BYE. A busy number leaves the caller on hold with the
 * agent; a number outside the dial plan is refused. A trunk (SIPp) that asks for digest
 * credentials and then redirects: ccflow answers the challenge with the entry's user and the
 * password from its environment variable, follows the 302 to another SIPp party, and the caller
 * talks to it; the password is in no log. A dial plan entry with `;transport=tcp` reaches a SIPp
 * party listening on TCP.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../../src/channels/media/music-on-hold.js";
import { toneShare } from "../channels/media/goertzel.js";
import { WeriftPhone } from "../channels/media/werift-phone.js";
import { cue, freeUdpPort, hasSipp, RtpRecorder, runSipp, scenarioDir } from "../channels/sip/helpers.js";
import { AGENT_HZ, CALLER_HZ } from "../channels/sip/tone-call.js";
import { buildFlow, logs } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer, type TestSocket } from "./helpers.js";

/** Straight to the queue with music, as tone-call.ts's, and a PreDial handler that logs each leg. */
const queueFlow = buildFlow({
  name: "Straight_To_Queue",
  variables: [{ name: "Log", value: "" }],
  main: [
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Voice", toggle: true } },
    { name: "Wait", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "60" } },
  ],
  links: [
    ["Queue", "default", "Wait"],
    ["Wait", "default", "Wait"],
  ],
  events: { ContactPredial: logs("ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}/{{PreDial.dialNumber}}") },
});

const peak = (samples: number[]) => samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);

const hasSox = !spawnSync("sox", ["--version"], { stdio: "ignore" }).error;
if (!hasSox) process.stderr.write("notice: sox is not installed; the outside-transfer tests (which make their tone with it) are skipped\n");

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** SIPp as the outside party, listening on `port`. */
function outsideParty(scenario: string, port: number, mediaPort: number, cwd: string, extra: string[] = []) {
  const child = spawn("sipp", ["-sf", join(scenarioDir, scenario), "-i", "127.0.0.1", "-p", String(port), "-mp", String(mediaPort), "-m", "1", "-nostdin", "-timeout", "120", "-timeout_error", ...extra], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on("close", (code) => resolve({ code, output })));
  return { done, kill: () => child.kill("SIGKILL") };
}

describe.skipIf(!hasSipp || !hasSox)("transfer to an outside number (SIPp caller, SIPp outside party, WebRTC agent line)", () => {
  let t: TestServer;
  let dir: string;
  let phone: WeriftPhone;
  let audio: TestSocket;
  let partyPort: number;
  let busyPort: number;
  let trunkPort: number;
  let redirectPort: number;
  let tcpPort: number;
  const TRUNK_PASSWORD = "trunk-pw-7Hq2";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-outside-"));
    const made = spawnSync("sox", ["-n", "-r", "8000", "-c", "1", "-e", "u-law", join(dir, "caller-tone.wav"), "synth", "60", "sine", String(CALLER_HZ), "vol", "0.5"]);
    if (made.status !== 0) throw new Error(`sox failed: ${made.stderr.toString()}`);
    partyPort = await freeUdpPort();
    busyPort = await freeUdpPort();
    trunkPort = await freeUdpPort();
    redirectPort = await freeUdpPort();
    tcpPort = await freeTcpPort();
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: {
        queues: [{ id: "Q-Voice", name: "Voice" }],
        agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Voice"] }],
        center: {
          dialPlan: [
            { prefix: "+1555", uri: `sip:{number}@127.0.0.1:${partyPort}`, name: "Partner desk" },
            { prefix: "+1666", uri: `sip:{number}@127.0.0.1:${busyPort}` },
            { prefix: "+1888", uri: `sip:{number}@127.0.0.1:${tcpPort};transport=tcp`, name: "TCP partner" },
            { prefix: "+1777", uri: `sip:{number}@127.0.0.1:${trunkPort}`, name: "Trunk", username: "ccflow-trunk", password: "${TRUNK_PASSWORD}" },
          ],
          outsideRingSeconds: 10,
        },
      },
      extra: { sipPort: 0, processEnv: { TRUNK_PASSWORD } },
    });
    phone = new WeriftPhone();
    audio = await t.socket("/api/agents/ana/audio");
    audio.send({ type: "offer", sdp: await phone.offer() });
    const answer = await audio.next((m) => m.type === "answer" || m.type === "error", "the line's answer");
    expect(answer.type, JSON.stringify(answer)).toBe("answer");
    await phone.accept(answer.sdp);
    await eventually(() => t.server.context.voice?.line("ana")?.connected, "Ana's line connected");
    phone.talk(tone(AGENT_HZ, 1000, 0.4));
  }, 60_000);

  afterAll(async () => {
    audio?.close();
    await phone?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sipPort = () => Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);

  async function anaAnswers() {
    expect((await t.call("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const recorder = await RtpRecorder.open();
    const since = Date.now();
    const caller = await runSipp("caller-talks-hangs-up.xml", { target: `127.0.0.1:${sipPort()}`, dnis: "+18005550100", ani: "+14806754110", rtpPort: recorder.port, cwd: dir });
    const session = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    await eventually(() => t.server.context.center.agent("ana")?.state === "Reserved" || undefined, "Ana offered the call");
    expect((await t.call("POST", "/api/agents/ana/accept", {})).status).toBe(200);
    await audio.next((m) => m.type === "bridged" && m.interactionId === session.interactionId, "bridged");
    return { recorder, caller, session };
  }

  async function callerHears(recorder: RtpRecorder): Promise<number[]> {
    await new Promise((r) => setTimeout(r, 500));
    const mark = recorder.heard.length;
    await new Promise((r) => setTimeout(r, 1200));
    return recorder.samples(mark);
  }

  /** The best share of the tone over what was heard and, while not clear, up to three more stretches (a loaded machine garbles some). */
  async function callerHearsTone(recorder: RtpRecorder, hz: number, first: number[]): Promise<number> {
    let best = toneShare(first, hz);
    for (let i = 0; i < 3 && best <= 0.5; i++) best = Math.max(best, toneShare(await callerHears(recorder), hz));
    return best;
  }

  it("the caller talks to the outside party once it answers; the agent wraps up; the caller's BYE reaches the party", async () => {
    const party = outsideParty("outside-party-echoes.xml", partyPort, await freeUdpPort(), dir, ["-rtp_echo"]);
    const { recorder, caller, session } = await anaAnswers();
    try {
      const before = await callerHears(recorder);
      expect((await callerHearsTone(recorder, AGENT_HZ, before)), "before: the caller hears Ana").toBeGreaterThan(0.5);
      expect(toneShare(before, CALLER_HZ), "before: the caller does not hear themselves").toBeLessThan(0.05);

      const refused = await t.call("POST", "/api/agents/ana/transfer", { number: "+4930123456" });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "NO_ROUTE" });
      expect(refused.body.error.message).toContain("+1555");

      const done = await t.call("POST", "/api/agents/ana/transfer", { number: "+15550001234" });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      // PreDial for Ana's own leg, then for the number, once (the refused number was never dialled).
      expect((await t.call("GET", `/api/contacts/${session.interactionId}`)).body.variables.Log).toBe("INBOUND/Agent/;TRANSFER_TO_DN/DN/+15550001234;");
      expect(done.body.agent.state).toBe("WrapUp");
      await audio.next((m) => m.type === "unbridged" && m.interactionId === session.interactionId, "Ana's line let go");
      const after = await callerHears(recorder);
      expect((await callerHearsTone(recorder, CALLER_HZ, after)), "the caller hears their own voice back from the outside party's echo").toBeGreaterThan(0.5);
      expect(toneShare(after, AGENT_HZ), "the caller no longer hears Ana").toBeLessThan(0.05);

      const events = (await t.call("GET", `/api/contacts/${session.interactionId}`)).body.events as Loose[];
      expect(events.find((e) => e.type === "transferred")).toMatchObject({ destination: "+15550001234" });
      expect(events.filter((e) => e.type === "control").map((e) => `${e.action} ${e.detail ?? ""}`.trim())).toEqual(["hold", "transfer number +15550001234"]);
      expect(session.ended, "the contact goes on outside the center").toBeFalsy();

      const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
      await cue(callId, caller.sipPort);
      const callerResult = await caller.done;
      expect(callerResult.code, callerResult.output.slice(-3000)).toBe(0);
      const partyResult = await party.done;
      expect(partyResult.code, `the outside party got ccflow's BYE: ${partyResult.output.slice(-3000)}`).toBe(0);
      await eventually(() => session.ended || undefined, "the contact ended");
      expect(session.summary().endReason).toBe("caller-hangup");
    } finally {
      caller.kill();
      party.kill();
      recorder.close();
    }
    expect((await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle" })).status).toBe(200);
  }, 120_000);

  it("a trunk that asks for digest credentials, then redirects: ccflow answers the challenge, follows the 302, and the caller talks to where it pointed", async () => {
    const party = outsideParty("outside-party-echoes.xml", redirectPort, await freeUdpPort(), dir, ["-rtp_echo"]);
    const trunk = outsideParty("outside-trunk-challenges-redirects.xml", trunkPort, await freeUdpPort(), dir, ["-key", "redirect_to", `sip:+17770001234@127.0.0.1:${redirectPort}`]);
    const { recorder, caller, session } = await anaAnswers();
    try {
      const done = await t.call("POST", "/api/agents/ana/transfer", { number: "+17770001234" });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const trunkResult = await trunk.done;
      expect(trunkResult.code, `the trunk took the credentials and the ACK of its 302: ${trunkResult.output.slice(-3000)}`).toBe(0);
      await audio.next((m) => m.type === "unbridged" && m.interactionId === session.interactionId, "Ana's line let go");
      const after = await callerHears(recorder);
      expect((await callerHearsTone(recorder, CALLER_HZ, after)), "the caller hears their own voice back from the party the trunk redirected to").toBeGreaterThan(0.5);

      const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
      await cue(callId, caller.sipPort);
      expect((await caller.done).code).toBe(0);
      const partyResult = await party.done;
      expect(partyResult.code, `the redirected-to party got ccflow's BYE: ${partyResult.output.slice(-3000)}`).toBe(0);
      expect(t.logs.join("\n")).not.toContain(TRUNK_PASSWORD);
    } finally {
      caller.kill();
      party.kill();
      trunk.kill();
      recorder.close();
    }
    expect((await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle" })).status).toBe(200);
  }, 120_000);

  it("over TCP: an entry with ;transport=tcp places the call on a TCP connection; the caller talks to the party and their BYE reaches it", async () => {
    const party = outsideParty("outside-party-echoes.xml", tcpPort, await freeUdpPort(), dir, ["-rtp_echo", "-t", "t1"]);
    // SIPp is listening once its port takes a connection.
    await eventually(async () => {
      const { connect } = await import("node:net");
      return new Promise<true | undefined>((resolve) => {
        const s = connect(tcpPort, "127.0.0.1", () => {
          s.destroy();
          resolve(true);
        });
        s.on("error", () => resolve(undefined));
      });
    }, "SIPp listening on TCP");
    const { recorder, caller, session } = await anaAnswers();
    try {
      const done = await t.call("POST", "/api/agents/ana/transfer", { number: "+18880001234" });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      await audio.next((m) => m.type === "unbridged" && m.interactionId === session.interactionId, "Ana's line let go");
      const after = await callerHears(recorder);
      expect((await callerHearsTone(recorder, CALLER_HZ, after)), "the caller hears their own voice back from the TCP party's echo").toBeGreaterThan(0.5);
      const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
      await cue(callId, caller.sipPort);
      expect((await caller.done).code).toBe(0);
      const partyResult = await party.done;
      expect(partyResult.code, `the TCP party got ccflow's BYE: ${partyResult.output.slice(-3000)}`).toBe(0);
    } finally {
      caller.kill();
      party.kill();
      recorder.close();
    }
    expect((await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle" })).status).toBe(200);
  }, 120_000);

  /** The best share of the tone the agent's headset hears over up to four stretches (a loaded machine garbles some). */
  async function anaHearsTone(hz: number): Promise<number> {
    let best = 0;
    for (let i = 0; i < 4 && best <= 0.5; i++) best = Math.max(best, toneShare(await phone.listen(1200), hz));
    return best;
  }

  const logOf = async (id: string): Promise<string> => (await t.call("GET", `/api/contacts/${id}`)).body.variables.Log;
  const controls = async (id: string): Promise<string[]> => ((await t.call("GET", `/api/contacts/${id}`)).body.events as Loose[]).filter((e) => e.type === "control").map((e) => `${e.action} ${e.detail ?? ""}`.trim());

  it("a consult to a number: Ana talks to the party while the caller hears music, then hands the caller over", async () => {
    const party = outsideParty("outside-party-echoes.xml", partyPort, await freeUdpPort(), dir, ["-rtp_echo"]);
    const { recorder, caller, session } = await anaAnswers();
    const id = session.interactionId;
    try {
      const consult = await t.call("POST", "/api/agents/ana/consult", { number: "+15550001235" });
      expect(consult.status, JSON.stringify(consult.body)).toBe(200);
      expect(consult.body).toMatchObject({ agent: { state: "Engaged" }, consult: { role: "asking", number: "+15550001235", with: { name: "+15550001235" } }, contact: { controls: { held: true } } });
      expect(await logOf(id)).toBe("INBOUND/Agent/;CONSULT_TO_DN/DN/+15550001235;");
      expect(await anaHearsTone(AGENT_HZ), "Ana hears her own voice back from the party's echo").toBeGreaterThan(0.5);
      expect(toneShare(await phone.listen(1200), CALLER_HZ), "Ana does not hear the caller").toBeLessThan(0.05);
      const during = await callerHears(recorder);
      expect(toneShare(during, AGENT_HZ), "the caller does not hear Ana").toBeLessThan(0.05);
      expect(toneShare(during, CALLER_HZ), "nor the party").toBeLessThan(0.05);
      expect(peak(during), "the caller hears music").toBeGreaterThan(1000);
      const resume = await t.call("POST", "/api/agents/ana/resume", {});
      expect(resume.status).toBe(409);
      expect(resume.body.error.message).toContain("while you consult +15550001235");

      const handed = await t.call("POST", "/api/agents/ana/consult/transfer", {});
      expect(handed.status, JSON.stringify(handed.body)).toBe(200);
      expect(handed.body.agent.state).toBe("WrapUp");
      const after = await callerHears(recorder);
      expect(await callerHearsTone(recorder, CALLER_HZ, after), "the caller talks to the party (their voice echoed back)").toBeGreaterThan(0.5);
      expect(toneShare(after, AGENT_HZ), "the caller no longer hears Ana").toBeLessThan(0.05);
      expect(await controls(id)).toEqual(["hold", "consult number +15550001235", "consult-transfer number +15550001235"]);
      expect(await logOf(id), "no further PreDial for the handover").toBe("INBOUND/Agent/;CONSULT_TO_DN/DN/+15550001235;");

      const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
      await cue(callId, caller.sipPort);
      const callerResult = await caller.done;
      expect(callerResult.code, callerResult.output.slice(-3000)).toBe(0);
      const partyResult = await party.done;
      expect(partyResult.code, `the party got ccflow's BYE: ${partyResult.output.slice(-3000)}`).toBe(0);
    } finally {
      caller.kill();
      party.kill();
      recorder.close();
    }
    expect((await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle" })).status).toBe(200);
  }, 120_000);

  it("a consult to a number that Ana ends: the party is hung up, the caller waits on hold with her and talks to her again", async () => {
    const party = outsideParty("outside-party-echoes.xml", partyPort, await freeUdpPort(), dir, ["-rtp_echo"]);
    const { recorder, caller, session } = await anaAnswers();
    const id = session.interactionId;
    try {
      expect((await t.call("POST", "/api/agents/ana/consult", { number: "+15550001236" })).status).toBe(200);
      expect(await anaHearsTone(AGENT_HZ), "Ana hears the party").toBeGreaterThan(0.5);
      const ended = await t.call("POST", "/api/agents/ana/consult/end", {});
      expect(ended.status, JSON.stringify(ended.body)).toBe(200);
      expect(ended.body.consult).toBeUndefined();
      expect(ended.body.contact.controls.held).toBe(true);
      const partyResult = await party.done;
      expect(partyResult.code, `the party got ccflow's BYE: ${partyResult.output.slice(-3000)}`).toBe(0);
      expect((await t.call("POST", "/api/agents/ana/resume", {})).status).toBe(200);
      const back = await callerHears(recorder);
      expect(await callerHearsTone(recorder, AGENT_HZ, back), "the caller hears Ana again").toBeGreaterThan(0.5);
      expect(await controls(id)).toEqual(["hold", "consult number +15550001236", "consult-end number +15550001236", "resume"]);
      const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
      await cue(callId, caller.sipPort);
      const callerResult = await caller.done;
      expect(callerResult.code, callerResult.output.slice(-3000)).toBe(0);
      await eventually(() => session.ended || undefined, "the contact ended");
    } finally {
      caller.kill();
      party.kill();
      recorder.close();
    }
    expect((await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle" })).status).toBe(200);
  }, 120_000);

  it("a busy number: the transfer fails with the reason and the caller stays on hold with the agent", async () => {
    const party = outsideParty("outside-party-busy.xml", busyPort, await freeUdpPort(), dir);
    const { recorder, caller, session } = await anaAnswers();
    try {
      const failed = await t.call("POST", "/api/agents/ana/transfer", { number: "+16660001234" });
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({ code: "TRANSFER_FAILED" });
      expect(failed.body.error.message).toContain("486");
      const partyResult = await party.done;
      expect(partyResult.code, `the party got the ACK of its 486: ${partyResult.output.slice(-3000)}`).toBe(0);
      const ana = (await t.call("GET", "/api/agents/ana")).body;
      expect(ana.agent.state).toBe("Engaged");
      expect(ana.contact).toMatchObject({ interactionId: session.interactionId, controls: { held: true } });
      expect(t.server.context.voice!.bridgedFor("ana")).toBe(session.interactionId);
      await t.call("POST", "/api/agents/ana/resume", {});
      const back = await callerHears(recorder);
      expect((await callerHearsTone(recorder, AGENT_HZ, back)), "resumed: the caller hears Ana").toBeGreaterThan(0.5);
      expect((await t.call("POST", "/api/agents/ana/end", {})).status).toBe(200);
      await eventually(() => session.ended || undefined, "the contact ended");
    } finally {
      caller.kill();
      party.kill();
      recorder.close();
    }
  }, 120_000);
});
