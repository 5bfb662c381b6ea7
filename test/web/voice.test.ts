/**
 * The agent desktop carries sound: Ana signs in in Chromium, connects her headset (a WebRTC line;
 * Chromium's fake microphone plays a 1400 Hz tone made by sox), and answers a SIPp caller who
 * talks (600 Hz, also made by sox). The page hears the caller's tone (WebAudio, Goertzel on the
 * line's received audio, and getStats' audio energy), and the caller's RTP carries Ana's. Her
 * Hold button plays music to the caller; Ana's "End call" reaches SIPp as a BYE, and a caller's BYE puts her
 * desk in wrap-up with the headset still connected.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInPage } from "../helpers/api-auth.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { toneShare } from "../channels/media/goertzel.js";
import { cue, hasEspeak, hasSipp, RtpRecorder, runSipp } from "../channels/sip/helpers.js";
import { WeriftPhone } from "../channels/media/werift-phone.js";
import { tone } from "../../src/channels/media/music-on-hold.js";
import { tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type TestServer } from "../server/helpers.js";
import { hasChromium, Shots, type TestBrowser } from "./browser.js";
import { agentWithHeadset, launchWithMicrophone } from "./headset-agent.js";
import { pageHears } from "./page-hears.js";
import { AGENT_HZ, CALLER_HZ, queueFlow } from "../channels/sip/tone-call.js";

const hasSox = !spawnSync("sox", ["--version"], { stdio: "ignore" }).error;
if (!hasSox) process.stderr.write("notice: sox is not installed; the browser voice tests (which make their tones with it) are skipped\n");

/** The softphone's flow: a spoken welcome, a menu (1 queues), then music while waiting. */
const menuFlow = buildFlow({
  name: "Menu_Line",
  main: [
    { name: "Welcome", type: "play-message", props: tts("Welcome to the voice test line.") },
    { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 to talk to an agent."), menuLinks: ["1"], interruptible: true, entryTimeout: "20" } },
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Menu", toggle: true } },
    { name: "Wait", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "60" } },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [
    ["Welcome", "default", "Menu"],
    ["Menu", "1", "Queue"],
    ["Menu", "timeout", "Bye"],
    ["Menu", "invalid", "Bye"],
    ["Queue", "default", "Wait"],
    ["Wait", "default", "Wait"],
  ],
});

describe.skipIf(!hasChromium || !hasSipp || !hasSox)("the agent desktop's headset, with a SIP caller (Chromium and SIPp)", () => {
  let t: TestServer;
  let b: TestBrowser;
  let dir: string;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-voice-web-"));
    for (const [file, args] of [
      ["caller-tone.wav", ["-r", "8000", "-c", "1", "-e", "u-law"]],
      ["agent-tone.wav", ["-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer"]],
    ] as const) {
      const hz = file === "caller-tone.wav" ? CALLER_HZ : AGENT_HZ;
      const made = spawnSync("sox", ["-n", ...args, join(dir, file), "synth", "60", "sine", String(hz), "vol", "0.5"]);
      if (made.status !== 0) throw new Error(`sox failed: ${made.stderr.toString()}`);
    }
    t = await startTestServer({
      flows: [
        { id: "queue", definition: queueFlow },
        { id: "menu", definition: menuFlow },
      ],
      environment: {
        queues: [
          { id: "Q-Voice", name: "Voice" },
          { id: "Q-Menu", name: "Menu line" },
        ],
        agents: [
          { id: "ana", name: "Ana Lima", email: "ana@example.com", queues: ["Q-Voice"] },
          { id: "ben", name: "Ben Okafor", queues: ["Q-Menu"] },
        ],
      },
      extra: { sipPort: 0 },
    });
    b = await launchWithMicrophone(join(dir, "agent-tone.wav"));
    page = await agentWithHeadset(b, t, "ana");
  }, 90_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sipPort = () => Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);

  async function ringAndAnswer(scenario: string) {
    const recorder = await RtpRecorder.open();
    const sipp = await runSipp(scenario, { target: `127.0.0.1:${sipPort()}`, dnis: "+18005550100", ani: "+14806754110", rtpPort: recorder.port, cwd: dir });
    await page.locator("#accept").click({ timeout: 20_000 });
    await page.locator('#headset[data-state="bridged"]').waitFor({ timeout: 20_000 });
    const session = await eventually(() => t.server.context.calls.list().find((s) => !s.ended), "the call");
    return { recorder, sipp, session };
  }

  it("Ana and the caller hear each other; hold is music for the caller; her End call is a BYE", async () => {
    const shots = new Shots("voice");
    const { recorder, sipp, session } = await ringAndAnswer("caller-talks-agent-hangs-up.xml");
    try {
      expect(t.server.context.voice!.isBridged(session.interactionId)).toBe(true);
      await new Promise((r) => setTimeout(r, 800));
      const mark = recorder.heard.length;
      const heard = await pageHears(page, 1500);
      await shots.take(page, "agent-on-a-call-with-audio");
      const callerEar = recorder.samples(mark);
      expect(heard.caller, `the page hears the caller's 600 Hz (${JSON.stringify(heard)})`).toBeGreaterThan(0.3);
      expect(heard.agent, "the page does not hear Ana's own tone").toBeLessThan(0.05);
      expect(heard.energy, "getStats: audio energy received").toBeGreaterThan(0);
      expect(callerEar.length).toBeGreaterThan(8000);
      expect(toneShare(callerEar, AGENT_HZ), "the caller hears Ana's 1400 Hz").toBeGreaterThan(0.3);
      expect(toneShare(callerEar, CALLER_HZ), "the caller does not hear their own 600 Hz").toBeLessThan(0.05);

      // Ana's Hold button (the desktop's call controls) holds the bridge.
      await page.locator("#hold").click();
      await page.locator('#headset[data-state="held"]').waitFor();
      await new Promise((r) => setTimeout(r, 300));
      const heldMark = recorder.heard.length;
      await new Promise((r) => setTimeout(r, 1000));
      const onHold = recorder.samples(heldMark);
      expect(toneShare(onHold, AGENT_HZ), "on hold the caller does not hear Ana").toBeLessThan(0.05);
      expect(Math.max(...onHold.map(Math.abs)), "on hold the caller hears music").toBeGreaterThan(1000);
      await page.locator("#resume").click();
      await page.locator('#headset[data-state="bridged"]').waitFor();

      await page.locator("#end-call").click();
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await page.locator('#headset[data-state="connected"]').waitFor();
      await page.locator("#wrap-up").waitFor();
      await shots.take(page, "agent-after-the-call");
      await page.locator("#wrapup-available").click();
    } finally {
      sipp.kill();
      recorder.close();
    }
  }, 120_000);

  it("the caller hangs up: Ana's desk goes to wrap-up, her headset stays connected", async () => {
    await eventually(() => t.server.context.center.agent("ana")?.state === "Available" || undefined, "Ana available again");
    const { recorder, sipp } = await ringAndAnswer("caller-talks-hangs-up.xml");
    try {
      const callId = await eventually(() => t.server.context.sip?.calls[0]?.callId, "the SIP call");
      await cue(callId, sipp.sipPort);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await page.locator("#wrap-up").waitFor();
      await page.locator('#headset[data-state="connected"]').waitFor();
    } finally {
      sipp.kill();
      recorder.close();
    }
  }, 120_000);

  it.skipIf(!hasEspeak)("the softphone with Real audio: hears the prompts, presses 1 with RFC 4733 tones, talks with the agent who answers; its hang-up ends the agent's side", async () => {
    const shots = new Shots("voice-softphone");
    const phone = await b.context.newPage();
    await signInPage(phone, t.url, "sam", "/#/phone");
    await phone.locator("#real-audio").check();
    await phone.locator("#flow").selectOption("menu");
    await phone.fill("#ani", "+14805550199");
    // Ben answers from another machine: a werift endpoint on his headset line, saying 600 Hz.
    expect((await t.call("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
    const ben = new WeriftPhone();
    const benLine = await t.socket("/api/agents/ben/audio");
    benLine.send({ type: "offer", sdp: await ben.offer() });
    const answer = await benLine.next((m) => m.type === "answer" || m.type === "error", "Ben's line");
    expect(answer.type, JSON.stringify(answer)).toBe("answer");
    await ben.accept(answer.sdp);
    await eventually(() => t.server.context.voice?.line("ben")?.connected, "Ben's line connected");
    ben.talk(tone(CALLER_HZ, 1000, 0.4));
    try {
      await phone.locator("#call").click();
      const session = await eventually(() => t.server.context.calls.list().find((s) => s.flow.id === "menu" && !s.ended), "the softphone's call");
      await phone.locator(".softphone-view[data-audio=\"connected\"]").waitFor({ timeout: 20_000 });
      // The welcome prompt plays as sound (and its text stays as a subtitle).
      await phone.locator(".bubble.ivr", { hasText: "Welcome to the voice test line." }).waitFor();
      const welcome = await pageHears(phone, 800, { elementId: "phone-audio", handle: "ccflowPhoneLine" });
      expect(welcome.rms, `the prompt is heard (${JSON.stringify(welcome)})`).toBeGreaterThan(0.01);
      expect(welcome.energy, "getStats: audio energy received").toBeGreaterThan(0);
      await eventually(() => session.currentCollect, "the menu listening");
      await shots.take(phone, "softphone-menu-with-audio");
      // The key goes as RFC 4733 tones in the call (RTCDTMFSender), not over the softphone's socket.
      expect(await phone.evaluate(() => (window as unknown as { ccflowPhoneLine: { pc: RTCPeerConnection } }).ccflowPhoneLine.pc.getSenders().find((x) => x.track?.kind === "audio")?.dtmf?.canInsertDTMF)).toBe(true);
      await phone.locator('#keypad [data-key="1"]').click();
      await eventually(() => session.events.find((e) => e.type === "input"), "the key reaching the menu");
      expect(session.events.find((e) => e.type === "input")).toMatchObject({ digits: "1" });
      expect(t.server.context.calls.get(session.interactionId)?.channel.bufferedDigits ?? "").toBe("");

      await eventually(() => t.server.context.center.agent("ben")?.state === "Reserved" || undefined, "Ben offered the call");
      expect((await t.call("POST", "/api/agents/ben/accept", {})).status).toBe(200);
      await benLine.next((m) => m.type === "bridged", "bridged");
      await new Promise((r) => setTimeout(r, 800));
      const benEar = ben.listen(1500);
      const heard = await pageHears(phone, 1500, { elementId: "phone-audio", handle: "ccflowPhoneLine" }, { caller: AGENT_HZ, agent: CALLER_HZ });
      // Here "agent" is Ben's 600 Hz and "caller" the page's own 1400 Hz.
      expect(heard.agent, `the softphone hears Ben's 600 Hz (${JSON.stringify(heard)})`).toBeGreaterThan(0.3);
      expect(heard.caller, "the softphone does not hear its own 1400 Hz").toBeLessThan(0.05);
      const fromPhone = await benEar;
      expect(toneShare(fromPhone, AGENT_HZ), "Ben hears the softphone's 1400 Hz").toBeGreaterThan(0.3);
      await shots.take(phone, "softphone-talking-to-ben");

      await phone.locator("#hangup").click();
      await benLine.next((m) => m.type === "unbridged", "unbridged");
      await eventually(() => session.ended || undefined, "the call ended");
      await phone.locator("#call:not([disabled])").waitFor();
    } finally {
      benLine.close();
      await ben.close();
      await phone.close();
    }
  }, 120_000);
});
