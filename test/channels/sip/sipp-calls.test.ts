/**
 * Phone calls from SIPp over UDP into `ccflow serve`'s SIP port: the example flow and (when
 * ../shared is present) the seed flow, unchanged. The caller hears the prompts as RTP (recorded
 * and measured against espeak-ng's own rendering), presses 1 by RFC 4733 or SIP INFO, is queued,
 * offered and answered by a simulated agent, and the agent's hang-up reaches the caller as a BYE.
 * A second server rings before answering (for CANCEL) and has nobody to answer (for a caller who
 * hangs up while queued).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tts } from "../../../src/channels/media/tts.js";
import type { CallEvent } from "../../../src/engine/events.js";
import { FlowCatalog, type FlowFileSpec } from "../../../src/server/flows.js";
import type { CallerMessage, CallSession } from "../../../src/server/calls.js";
import { exampleFlowFile } from "../../../src/server/paths.js";
import { hasShared, seedFlowPath } from "../../helpers/shared.js";
import { eventually, startTestServer, type TestServer } from "../../server/helpers.js";
import { cue, hasEspeak, hasSipp, RtpRecorder, runSipp } from "./helpers.js";

const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";
const EXAMPLE_NUMBER = "+18005550100";
const SEED_NUMBER = "+18005550111";
const KNOWN_CALLER = "+14806754110";

const runnable = hasSipp && hasEspeak;

async function catalog(): Promise<FlowCatalog> {
  const specs: FlowFileSpec[] = [{ file: exampleFlowFile, source: "example" }];
  if (hasShared) specs.push({ file: seedFlowPath, source: "seed" });
  return FlowCatalog.load(specs);
}

function sipPortOf(t: TestServer): number {
  return Number(new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port);
}

/** The session of the call that arrives next. */
function nextCall(t: TestServer, since: number): Promise<CallSession> {
  return eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "a call in the registry");
}

function sipCalls(t: TestServer) {
  return t.server.context.sip?.calls ?? [];
}

/** Resolves when the session's channel starts collecting input (the menu listens). */
function menuListening(session: CallSession): Promise<void> {
  return new Promise((resolve) => {
    if (session.currentCollect) return resolve();
    const off = session.subscribe((m) => {
      if (m.type === "collect") {
        off();
        resolve();
      }
    });
  });
}

function types(events: CallEvent[]): string[] {
  return events.map((e) => e.type);
}

describe.skipIf(!runnable)("SIP calls from SIPp, answered by a simulated agent", () => {
  let t: TestServer;
  const tts = new Tts();

  beforeAll(async () => {
    const flows = await catalog();
    const seed = flows.list().find((f) => f.source === "seed");
    t = await startTestServer({
      flows,
      crm: true,
      environment: {
        queues: [{ id: QUEUE, name: "Customer Care" }],
        agents: [{ id: "sim", name: "Sim Agent", queues: [QUEUE, "*"], available: true, simulated: { answerAfterSeconds: 1, talkSeconds: 2, wrapUpSeconds: 0 } }],
        entryPoints: { [EXAMPLE_NUMBER]: flows.default.id, ...(seed ? { [SEED_NUMBER]: seed.id } : {}) },
        screenPop: { rewriteHosts: { "org734cd33d.crm.dynamics.com": "embedded-crm" } },
      },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  async function callWithDtmf(scenario: string, dnis: string) {
    const recorder = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp(scenario, { target: `127.0.0.1:${sipPortOf(t)}`, dnis, ani: KNOWN_CALLER, rtpPort: recorder.port });
    try {
      const session = await nextCall(t, since);
      await menuListening(session);
      const callId = await eventually(() => sipCalls(t)[0]?.callId, "the SIP call's Call-ID");
      // What the caller heard up to the menu: the recorder's packets so far.
      const heardBeforeKey = recorder.spurts();
      await cue(callId, sipp.sipPort);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await eventually(() => session.ended || undefined, "the contact ended");
      return { session, heardBeforeKey };
    } finally {
      sipp.kill();
      recorder.close();
    }
  }

  async function expectPromptsHeard(session: CallSession, spurts: ReturnType<RtpRecorder["spurts"]>) {
    const prompts = session.events.filter((e): e is Extract<CallEvent, { type: "prompt" }> => e.type === "prompt" && e.text !== undefined);
    expect(spurts.length).toBeGreaterThanOrEqual(2);
    // Every talkspurt heard before the key is one TTS prompt of the flow, in order, whole.
    for (const [i, spurt] of spurts.entries()) {
      const prompt = prompts[i]!;
      const samples = await tts.render({ text: prompt.text!, ...(prompt.voice ? { voice: prompt.voice } : {}) });
      const ttsMs = (samples.length / 8000) * 1000;
      expect(spurt.rms, `prompt ${i} "${prompt.text!.slice(0, 40)}" is not silent`).toBeGreaterThan(300);
      expect(Math.abs(spurt.durationMs - ttsMs) / ttsMs, `prompt ${i} lasts ${spurt.durationMs} ms, TTS ${ttsMs.toFixed(0)} ms`).toBeLessThanOrEqual(0.1);
      expect(spurt.contiguous, `prompt ${i}: sequence numbers and timestamps without gaps`).toBe(true);
    }
  }

  it("the example flow: INVITE → 200, prompts as RTP, 1 by RFC 4733 → queued, offered, answered; the agent's hang-up is a BYE", async () => {
    const { session, heardBeforeKey } = await callWithDtmf("caller-dtmf-rfc4733.xml", EXAMPLE_NUMBER);
    expect(session.flow.id).toBe(t.server.context.flows.default.id);
    expect(session.dnis).toBe(EXAMPLE_NUMBER);
    expect(session.ani).toBe(KNOWN_CALLER);
    await expectPromptsHeard(session, heardBeforeKey);
    const seen = types(session.events);
    expect(seen).toEqual(expect.arrayContaining(["input", "queued", "offered", "answered", "ended"]));
    expect(session.events.find((e) => e.type === "input")).toMatchObject({ digits: "1" });
    expect(session.summary().endReason).toBe("agent-ended");
    expect(sipCalls(t).length).toBe(0);
  }, 120_000);

  it("barge-in: 1 by RFC 4733 while the menu speaks stops the menu at once", async () => {
    const recorder = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp("caller-dtmf-rfc4733.xml", { target: `127.0.0.1:${sipPortOf(t)}`, dnis: EXAMPLE_NUMBER, ani: KNOWN_CALLER, rtpPort: recorder.port });
    try {
      const session = await nextCall(t, since);
      // The menu's prompt is the first interruptible one; press 1 a second into it.
      const menu = await new Promise<Extract<CallerMessage, { type: "play" }>>((resolve) => {
        const off = session.subscribe((m) => {
          if (m.type === "play" && m.interruptible) {
            off();
            resolve(m);
          }
        });
      });
      const spoken = () => session.events.filter((e) => e.type === "prompt" && e.text !== undefined).length;
      await eventually(() => (recorder.spurts().length === spoken() && recorder.spurts().at(-1)!.packets.length >= 50) || undefined, "a second of the menu");
      const callId = sipCalls(t)[0]!.callId;
      await cue(callId, sipp.sipPort);
      await eventually(() => session.events.some((e) => e.type === "input") || undefined, "the key taken");
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      const heard = recorder.spurts().at(-1)!;
      const full = await tts.render({ text: menu.text!, ...(menu.voice ? { voice: menu.voice } : {}) });
      expect(heard.durationMs).toBeLessThan(((full.length / 8000) * 1000) / 2);
      expect(session.events.find((e) => e.type === "input")).toMatchObject({ digits: "1" });
      expect(session.events.some((e) => e.type === "queued")).toBe(true);
    } finally {
      sipp.kill();
      recorder.close();
    }
  }, 120_000);

  it.skipIf(!hasShared)("the seed flow, unchanged: the same call with 1 by SIP INFO", async () => {
    const { session, heardBeforeKey } = await callWithDtmf("caller-dtmf-info.xml", SEED_NUMBER);
    expect(session.flow.source).toBe("seed");
    await expectPromptsHeard(session, heardBeforeKey);
    expect(types(session.events)).toEqual(expect.arrayContaining(["input", "queued", "offered", "answered", "ended"]));
    expect(session.summary().endReason).toBe("agent-ended");
    expect(sipCalls(t).length).toBe(0);
  }, 120_000);
});

describe.skipIf(!runnable)("SIP calls that end early", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({
      flows: await catalog(),
      crm: true,
      environment: { queues: [{ id: QUEUE, name: "Customer Care" }], sip: { answerDelayMs: 1500 } },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it("CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE, no call started", async () => {
    const recorder = await RtpRecorder.open();
    const before = t.server.context.calls.list().length;
    const sipp = await runSipp("caller-cancel.xml", { target: `127.0.0.1:${sipPortOf(t)}`, dnis: EXAMPLE_NUMBER, ani: KNOWN_CALLER, rtpPort: recorder.port });
    const result = await sipp.done;
    recorder.close();
    expect(result.code, result.output.slice(-3000)).toBe(0);
    expect(t.server.context.calls.list().length).toBe(before);
    expect(recorder.heard.length).toBe(0);
    await eventually(() => sipCalls(t).length === 0 || undefined, "no SIP call left");
  }, 60_000);

  it.each([
    ["UDP", "u1"],
    ["TCP", "t1"],
  ] as const)("a caller who hangs up while queued (over %s): the contact ends (caller-hangup) and leaves the queue", async (_name, transport) => {
    const recorder = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp("caller-hangs-up-queued.xml", { target: `127.0.0.1:${sipPortOf(t)}`, dnis: EXAMPLE_NUMBER, ani: KNOWN_CALLER, rtpPort: recorder.port, transport });
    try {
      const session = await nextCall(t, since);
      await menuListening(session);
      const callId = await eventually(() => sipCalls(t)[0]?.callId, "the SIP call's Call-ID");
      await cue(callId, sipp.sipPort, transport);
      await eventually(() => session.events.some((e) => e.type === "queued") || undefined, "queued");
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await eventually(() => session.ended || undefined, "the contact ended");
      expect(session.summary().endReason).toBe("caller-hangup");
      expect(t.server.context.center.contact(session.interactionId)).toMatchObject({ state: "ended", endedReason: "caller-hangup" });
      // Hold music was playing when the caller left.
      expect(session.events.some((e) => e.type === "prompt" && e.music)).toBe(true);
      expect(sipCalls(t).length).toBe(0);
    } finally {
      sipp.kill();
      recorder.close();
    }
  }, 60_000);
});
