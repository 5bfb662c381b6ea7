/**
 * A caller who puts ccflow on hold and takes it back (RFC 3264 §8), with SIPp: a re-INVITE with
 * a=sendonly is answered recvonly and ccflow stops sending; a re-INVITE back to sendrecv that
 * moves the media to another port and switches from PCMU to PCMA is answered in PCMA, and the hold
 * music arrives there, A-law encoded and audible; an UPDATE (RFC 3311) with a=inactive stops the
 * sending again and one with sendrecv resumes it. The call stays up throughout, and the caller's
 * BYE ends it. SIPp checks each answer's SDP (the scenario fails if one says otherwise); the test
 * checks the RTP between the steps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallSession } from "../../../src/server/calls.js";
import { eventually, startTestServer, type TestServer } from "../../server/helpers.js";
import { cue, hasSipp, RtpRecorder, runSipp } from "./helpers.js";
import { queueFlow } from "./tone-call.js";

describe.skipIf(!hasSipp)("a SIP caller holds ccflow and takes it back (re-INVITE and UPDATE, SIPp)", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }] },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const target = () => `127.0.0.1:${new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port}`;

  /** Packets heard by `ear` during `ms` from now. */
  async function heardDuring(ear: RtpRecorder, ms: number): Promise<number> {
    const before = ear.heard.length;
    await new Promise((r) => setTimeout(r, ms));
    return ear.heard.length - before;
  }

  it.each([
    ["UDP", "u1"],
    ["TCP", "t1"],
  ] as const)("over %s: stops sending while held (sendonly, inactive), moves to the new port and codec on resume, and keeps the call", async (_name, transport) => {
    const first = await RtpRecorder.open();
    const second = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp("caller-holds.xml", { target: target(), dnis: "+18005550100", ani: "+14806754110", rtpPort: first.port, transport, extraArgs: ["-key", "rtp_port2", String(second.port)] });
    try {
      const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
      const call = await eventually(() => t.server.context.sip?.calls[0], "the SIP call");
      await eventually(() => first.heard.length > 10 || undefined, "hold music as RTP at the first port");
      expect(first.heard.every((h) => h.packet.payloadType === 0)).toBe(true);

      // Held with a=sendonly: answered recvonly (SIPp checks), and nothing more is sent.
      await cue(call.callId, sipp.sipPort, transport);
      await eventually(() => call.onHold || undefined, "the re-INVITE taken");
      await new Promise((r) => setTimeout(r, 200));
      expect(await heardDuring(first, 1500), "packets sent to a caller who holds ccflow").toBe(0);
      expect(session.ended).toBe(false);

      // Back to sendrecv at another port, in PCMA: the music goes there, A-law, audible.
      await cue(call.callId, sipp.sipPort, transport);
      await eventually(() => second.heard.length > 25 || undefined, "RTP at the new port");
      expect(second.heard.every((h) => h.packet.payloadType === 8), "PCMA after the codec change").toBe(true);
      const spurts = second.spurts();
      expect(spurts[0]!.packets[0]!.marker, "the resumed stream starts a talkspurt").toBe(true);
      expect(spurts[0]!.rms, "the music, decoded as A-law, is not silence").toBeGreaterThan(300);
      const firstAfter = first.heard.length;

      // Inactive by UPDATE: nothing sent; sendrecv by UPDATE: sent again.
      await cue(call.callId, sipp.sipPort, transport);
      await eventually(() => call.onHold || undefined, "the UPDATE taken");
      await new Promise((r) => setTimeout(r, 200));
      expect(await heardDuring(second, 1500), "packets sent while inactive").toBe(0);
      await cue(call.callId, sipp.sipPort, transport);
      await eventually(() => !call.onHold || undefined, "the second UPDATE taken");
      expect(await heardDuring(second, 1000), "packets after resuming by UPDATE").toBeGreaterThan(20);
      expect(first.heard.length, "nothing went to the old port after the move").toBe(firstAfter);

      await cue(call.callId, sipp.sipPort, transport);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await eventually(() => session.ended || undefined, "the call ended by the caller's BYE");
      expect(session.summary().endReason).toBe("caller-hangup");
      const mine = t.logs.filter((l) => l.includes(call.callId.slice(0, 12)));
      expect(mine.some((l) => /INVITE holds ccflow \(no audio sent\)/.test(l)), mine.join("\n")).toBe(true);
      expect(mine.some((l) => /UPDATE sendrecv, PCMA/.test(l)), mine.join("\n")).toBe(true);
    } finally {
      sipp.kill();
      first.close();
      second.close();
    }
  }, 120_000);
});
