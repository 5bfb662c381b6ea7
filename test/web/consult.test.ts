/**
 * A consult and a consulted transfer from the agent desktop, with sound: Ana (Chromium, whose fake
 * microphone plays 1400 Hz) answers a SIPp caller (600 Hz). She consults Ben (his headset is a
 * werift line saying 1000 Hz, as if from another machine): the two of them hear each other while
 * the caller hears hold music and neither agent. Her "Transfer to Ben Okafor" hands the caller to
 * Ben: the caller and Ben hear each other, Ana's headset is let go and her desk wraps up. Ben's
 * hang-up reaches SIPp as a BYE. Then a second caller: Ana consults Ben and presses "Conference":
 * all three hear each other; "Let Ben Okafor go" leaves the caller talking with Ana. Screenshots
 * go to test-results/web/consult/ and test-results/web/conference/.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../../src/channels/media/music-on-hold.js";
import { toneShare } from "../channels/media/goertzel.js";
import { WeriftPhone } from "../channels/media/werift-phone.js";
import { hasSipp, RtpRecorder, runSipp } from "../channels/sip/helpers.js";
import { AGENT_HZ, CALLER_HZ, queueFlow } from "../channels/sip/tone-call.js";
import { eventually, startTestServer, type TestServer, type TestSocket } from "../server/helpers.js";
import { hasChromium, Shots, type TestBrowser } from "./browser.js";
import { agentWithHeadset, launchWithMicrophone } from "./headset-agent.js";
import { pageHears } from "./page-hears.js";

const hasSox = !spawnSync("sox", ["--version"], { stdio: "ignore" }).error;
if (!hasSox) process.stderr.write("notice: sox is not installed; the browser consult test (which makes its tones with it) is skipped\n");

const BEN_HZ = 1000;
const peak = (samples: number[]) => samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);

describe.skipIf(!hasChromium || !hasSipp || !hasSox)("consult and transfer from the agent desktop, with audio (Chromium, SIPp, werift)", () => {
  let t: TestServer;
  let b: TestBrowser;
  let dir: string;
  let page: Page;
  let ben: WeriftPhone;
  let benLine: TestSocket;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-consult-web-"));
    for (const [file, hz, args] of [
      ["caller-tone.wav", CALLER_HZ, ["-r", "8000", "-c", "1", "-e", "u-law"]],
      ["agent-tone.wav", AGENT_HZ, ["-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer"]],
    ] as const) {
      const made = spawnSync("sox", ["-n", ...args, join(dir, file), "synth", "60", "sine", String(hz), "vol", "0.5"]);
      if (made.status !== 0) throw new Error(`sox failed: ${made.stderr.toString()}`);
    }
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: {
        queues: [{ id: "Q-Voice", name: "Voice" }],
        agents: [
          { id: "ana", name: "Ana Lima", email: "ana@example.com", queues: ["Q-Voice"] },
          { id: "ben", name: "Ben Okafor", queues: [] },
        ],
      },
      extra: { sipPort: 0 },
    });
    b = await launchWithMicrophone(join(dir, "agent-tone.wav"));
    page = await agentWithHeadset(b, t, "ana");

    ben = new WeriftPhone();
    benLine = await t.socket("/api/agents/ben/audio");
    benLine.send({ type: "offer", sdp: await ben.offer() });
    const answer = await benLine.next((m) => m.type === "answer" || m.type === "error", "Ben's line");
    expect(answer.type, JSON.stringify(answer)).toBe("answer");
    await ben.accept(answer.sdp);
    await eventually(() => t.server.context.voice?.line("ben")?.connected, "Ben's line connected");
    ben.talk(tone(BEN_HZ, 1000, 0.4));
    expect((await t.call("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    benLine?.close();
    await ben?.close();
    await b?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sipPort = () => Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);

  it("Ana consults Ben while the caller hears music, then transfers: the caller and Ben hear each other", async () => {
    const shots = new Shots("consult");
    const recorder = await RtpRecorder.open();
    const sipp = await runSipp("caller-talks-agent-hangs-up.xml", { target: `127.0.0.1:${sipPort()}`, dnis: "+18005550100", ani: "+14806754110", rtpPort: recorder.port, cwd: dir });
    try {
      await page.locator("#accept").click({ timeout: 20_000 });
      await page.locator('#headset[data-state="bridged"]').waitFor({ timeout: 20_000 });
      const session = await eventually(() => t.server.context.calls.list().find((s) => !s.ended), "the call");

      // Consult: Ana picks Ben and asks.
      await page.locator('#transfer-agent option[value="ben"]').waitFor({ state: "attached" });
      await page.selectOption("#transfer-agent", "ben");
      await page.click("#consult");
      await page.locator("#consulting").waitFor();
      await page.locator('#headset[data-state="consulting"]').waitFor();
      await benLine.next((m) => m.type === "consulting" && m.interactionId === session.interactionId, "Ben consulting");
      await new Promise((r) => setTimeout(r, 800));
      const mark = recorder.heard.length;
      const [anaHears, benHears] = await Promise.all([pageHears(page, 1500, undefined, { caller: BEN_HZ, agent: CALLER_HZ }), ben.listen(1500)]);
      const callerHears = recorder.samples(mark);
      await shots.take(page, "consulting-ben");
      // In pageHears' terms here, "caller" is Ben's 1000 Hz and "agent" the caller's 600 Hz.
      expect(anaHears.caller, `Ana hears Ben (${JSON.stringify(anaHears)})`).toBeGreaterThan(0.3);
      expect(anaHears.agent, "Ana does not hear the caller").toBeLessThan(0.05);
      expect(toneShare(benHears, AGENT_HZ), "Ben hears Ana's 1400 Hz").toBeGreaterThan(0.3);
      expect(toneShare(benHears, CALLER_HZ), "Ben does not hear the caller").toBeLessThan(0.05);
      for (const hz of [AGENT_HZ, BEN_HZ]) expect(toneShare(callerHears, hz), `the caller hears neither agent (${hz} Hz)`).toBeLessThan(0.05);
      expect(peak(callerHears), "the caller hears music").toBeGreaterThan(1000);

      // The consulted transfer: Ben takes the caller.
      await page.locator("#consult-transfer", { hasText: "Ben Okafor" }).click();
      await page.locator("#wrap-up").waitFor();
      await page.locator('#headset[data-state="connected"]').waitFor();
      await benLine.next((m) => m.type === "bridged" && m.interactionId === session.interactionId, "Ben bridged to the caller");
      expect(t.server.context.center.agent("ben")?.state).toBe("Engaged");
      await new Promise((r) => setTimeout(r, 800));
      const after = recorder.heard.length;
      const benAfter = await ben.listen(1500);
      const callerAfter = recorder.samples(after);
      await shots.take(page, "after-the-transfer");
      expect(toneShare(callerAfter, BEN_HZ), "the caller hears Ben").toBeGreaterThan(0.3);
      expect(toneShare(callerAfter, AGENT_HZ), "the caller no longer hears Ana").toBeLessThan(0.05);
      expect(toneShare(benAfter, CALLER_HZ), "Ben hears the caller").toBeGreaterThan(0.3);
      const trace = session.events.filter((e) => e.type === "control").map((e) => (e as { action: string }).action);
      expect(trace).toEqual(["hold", "consult", "consult-transfer"]);

      expect((await t.call("POST", "/api/agents/ben/end", {})).status).toBe(200);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await page.locator("#wrapup-available").click();
    } finally {
      sipp.kill();
      recorder.close();
    }
  }, 120_000);

  it("Ana makes the consult a conference: all three hear each other; letting Ben go leaves the caller talking with Ana", async () => {
    const shots = new Shots("conference");
    if (t.server.context.center.agent("ben")?.state === "WrapUp") expect((await t.call("POST", "/api/agents/ben/wrapup", {})).status).toBe(200);
    await eventually(() => t.server.context.center.agent("ben")?.state === "Available" || undefined, "Ben Available");
    const recorder = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp("caller-talks-agent-hangs-up.xml", { target: `127.0.0.1:${sipPort()}`, dnis: "+18005550100", ani: "+14806754110", rtpPort: recorder.port, cwd: dir });
    try {
      await page.locator("#accept").click({ timeout: 20_000 });
      await page.locator('#headset[data-state="bridged"]').waitFor({ timeout: 20_000 });
      const session = await eventually(() => t.server.context.calls.list().find((s) => !s.ended && s.startedAt >= since), "the call");
      await page.locator('#transfer-agent option[value="ben"]').waitFor({ state: "attached" });
      await page.selectOption("#transfer-agent", "ben");
      await page.click("#consult");
      await page.locator("#consult-conference").click();
      await page.locator("#consulting", { hasText: "Conference with Ben Okafor and the caller" }).waitFor();
      await page.locator('#headset[data-state="conference"]').waitFor();
      await benLine.next((m) => m.type === "conference" && m.interactionId === session.interactionId, "Ben in the conference");
      await new Promise((r) => setTimeout(r, 800));
      const mark = recorder.heard.length;
      const [anaHears, benHears] = await Promise.all([pageHears(page, 1500, undefined, { caller: CALLER_HZ, agent: BEN_HZ }), ben.listen(1500)]);
      const callerHears = recorder.samples(mark);
      await shots.take(page, "conference");
      // Two voices summed: each about half of what an ear gets.
      expect(anaHears.caller, `Ana hears the caller (${JSON.stringify(anaHears)})`).toBeGreaterThan(0.15);
      expect(anaHears.agent, "Ana hears Ben").toBeGreaterThan(0.15);
      expect(toneShare(benHears, CALLER_HZ), "Ben hears the caller").toBeGreaterThan(0.15);
      expect(toneShare(benHears, AGENT_HZ), "Ben hears Ana").toBeGreaterThan(0.15);
      expect(toneShare(callerHears, AGENT_HZ), "the caller hears Ana").toBeGreaterThan(0.15);
      expect(toneShare(callerHears, BEN_HZ), "the caller hears Ben").toBeGreaterThan(0.15);

      await page.locator("#consult-end", { hasText: "Let Ben Okafor go" }).click();
      await page.locator('#headset[data-state="bridged"]').waitFor();
      await eventually(() => t.server.context.center.agent("ben")?.state === "Available" || undefined, "Ben Available again");
      await new Promise((r) => setTimeout(r, 800));
      const after = recorder.heard.length;
      await new Promise((r) => setTimeout(r, 1500));
      const callerAfter = recorder.samples(after);
      expect(toneShare(callerAfter, AGENT_HZ), "the caller talks with Ana, not on hold").toBeGreaterThan(0.3);
      expect(toneShare(callerAfter, BEN_HZ), "the caller no longer hears Ben").toBeLessThan(0.05);
      const trace = session.events.filter((e) => e.type === "control").map((e) => (e as { action: string }).action);
      expect(trace).toEqual(["hold", "consult", "conference", "consult-end"]);

      await page.locator("#end-call").click();
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await page.locator("#wrapup-available").click();
    } finally {
      sipp.kill();
      recorder.close();
    }
  }, 120_000);
});
