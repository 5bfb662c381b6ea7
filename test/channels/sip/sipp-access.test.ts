/**
 * Who may call, and callers who vanish, with SIPp: a server that allows no address takes a call
 * only with digest credentials (SIPp's -au/-ap answering the 401 challenge), refuses wrong ones
 * with another 401, and hangs up (BYE) on an answered caller who sends no RTP for
 * sip.rtpTimeoutSeconds — a contact that ends as `rtp-timeout`, abandoned in its queue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallSession } from "../../../src/server/calls.js";
import { eventually, startTestServer, type TestServer } from "../../server/helpers.js";
import { hasSipp, RtpRecorder, runSipp } from "./helpers.js";
import { queueFlow } from "./tone-call.js";

describe.skipIf(!hasSipp)("SIP access by digest, and the RTP inactivity timeout (SIPp)", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: {
        queues: [{ id: "Q-Voice", name: "Voice" }],
        sip: { allow: [], users: [{ username: "branch-office", password: "correct-horse" }], rtpTimeoutSeconds: 1.5 },
      },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const target = () => `127.0.0.1:${new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port}`;

  async function sipp(scenario: string, extraArgs: string[] = []) {
    const recorder = await RtpRecorder.open();
    const run = await runSipp(scenario, { target: target(), dnis: "+18005550100", ani: "+14806754110", rtpPort: recorder.port, extraArgs });
    try {
      return await run.done;
    } finally {
      run.kill();
      recorder.close();
    }
  }

  it("answers a caller who proves the configured user name and password (401, then 200)", async () => {
    const since = Date.now();
    const result = await sipp("caller-digest.xml", ["-au", "branch-office", "-ap", "correct-horse"]);
    expect(result.code, result.output.slice(-3000)).toBe(0);
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    await eventually(() => session.ended || undefined, "the call ended by the caller's BYE");
    expect(session.summary().endReason).toBe("caller-hangup");
  }, 60_000);

  it("challenges wrong credentials again (401) and starts no call", async () => {
    const before = t.server.context.calls.list().length;
    const result = await sipp("caller-digest-refused.xml", ["-au", "branch-office", "-ap", "wrong-horse"]);
    expect(result.code, result.output.slice(-3000)).toBe(0);
    expect(t.server.context.calls.list().length).toBe(before);
    expect(t.logs.some((l) => /refused \(401\): credentials refused/.test(l))).toBe(true);
  }, 60_000);

  const abandoned = async () => {
    const report = await t.call("GET", "/api/reports?interval=1d&queue=Q-Voice");
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    return (report.body.queues[0].intervals as Array<{ abandoned: number }>).reduce((n, i) => n + i.abandoned, 0);
  };

  it("hangs up (BYE) on an answered caller who sends no RTP for sip.rtpTimeoutSeconds, and says why", async () => {
    const abandonedBefore = await abandoned();
    const since = Date.now();
    const result = await sipp("caller-silent.xml", ["-au", "branch-office", "-ap", "correct-horse"]);
    expect(result.code, result.output.slice(-3000)).toBe(0);
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    await eventually(() => session.ended || undefined, "the contact ended");
    expect(t.logs.some((l) => /no RTP from the caller for 2 s; hanging up \(rtp-timeout\)/.test(l)), t.logs.join("\n")).toBe(true);
    // Its own end reason, not the caller's hang-up: in the call, its trace and its contact record.
    expect(session.summary().endReason).toBe("rtp-timeout");
    expect(session.events.find((e) => e.type === "disconnected")).toMatchObject({ by: "system" });
    const record = await eventually(() => t.server.context.records?.current(session.interactionId)?.endReason ? t.server.context.records.current(session.interactionId) : undefined, "the contact record");
    expect(record).toMatchObject({ endReason: "rtp-timeout", queueId: "Q-Voice" });
    expect(record?.abandonedAt).toBeGreaterThan(0);
    // The queue report counts the vanished caller as abandoned.
    expect(await abandoned()).toBe(abandonedBefore + 1);
  }, 60_000);
});
