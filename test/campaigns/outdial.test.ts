/**
 * An agent dials a customer from the desk (POST /api/agents/{id}/outdial), over real HTTP, with
 * SIPp as the customer reached through the environment's dial plan. The outdial flow's PreDial
 * runs first (OUTDIAL / Customer, the number dialled); the call is placed; when the customer
 * answers, the agent is connected (the contact is theirs, Engaged) and when the agent ends the
 * call the customer gets ccflow's BYE. A busy customer (486) and one who never answers (ccflow
 * gives up and CANCELs) are reported to the agent with the reason and the ended contact, and the
 * agent is Available again. With her headset on (a WebRTC line), Ana talks with the customer she
 * called: the customer (SIPp, echoing) sends back what it hears, so Ana hears her own tone come
 * back through ccflow and the customer's RTP. A number outside the dial plan and a busy agent are
 * refused.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFlow, tts, type NodeSpec } from "../helpers/flow-builder.js";
import { freeUdpPort, hasSipp } from "../channels/sip/helpers.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../server/helpers.js";
import { tone } from "../../src/channels/media/music-on-hold.js";
import { toneShare } from "../channels/media/goertzel.js";
import { WeriftPhone } from "../channels/media/werift-phone.js";
import { AGENT_HZ } from "../channels/sip/tone-call.js";
import { ANSWERS, BUSY, customer, RINGS } from "./sipp-customers.js";

if (!hasSipp) process.stderr.write("notice: sipp is not installed; the outdial tests are skipped\n");

const PREDIAL = {
  nodes: [
    { name: "LogLeg", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}{{PreDial.OperationType}}/{{PreDial.ParticipantType}}/{{PreDial.dialNumber}};" } },
    { name: "EndLeg", type: "end" },
  ] as NodeSpec[],
  links: [
    ["ContactPredial", "out", "LogLeg"],
    ["LogLeg", "out", "EndLeg"],
  ] as Array<[string, string, string]>,
};

/** The outdial entry point's flow: its main path would greet a caller, which an outdial never hears. */
const outdialFlow = buildFlow({
  name: "Outdial_EP",
  variables: [{ name: "Log", value: "" }],
  main: [{ name: "Greeting", type: "play-message", props: tts("Welcome to Example Bank.") }],
  links: [],
  events: { ContactPredial: PREDIAL },
});

describe.skipIf(!hasSipp)("an agent's outdial (SIPp customers)", () => {
  let t: TestServer;
  let dir: string;
  const ports = { answers: 0, busy: 0, rings: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-outdial-"));
    ports.answers = await freeUdpPort();
    ports.busy = await freeUdpPort();
    ports.rings = await freeUdpPort();
    t = await startTestServer({
      flows: [
        { id: "inbound", definition: buildFlow({ name: "Inbound", main: [{ name: "Bye", type: "end" }], links: [] }) },
        { id: "outdial", definition: outdialFlow },
      ],
      environment: {
        queues: [{ id: "Q-Out", name: "Outbound" }],
        agents: [
          { id: "ana", name: "Ana Lima", queues: ["Q-Out"] },
          { id: "bo", name: "Bo Chen", queues: ["Q-Out"] },
        ],
        // The outdial ANI's entry point binds the outdial flow.
        entryPoints: { "+18005550177": "outdial" },
        center: {
          dialPlan: [
            { prefix: "+1555", uri: `sip:{number}@127.0.0.1:${ports.answers}` },
            { prefix: "+1666", uri: `sip:{number}@127.0.0.1:${ports.busy}` },
            { prefix: "+1777", uri: `sip:{number}@127.0.0.1:${ports.rings}` },
          ],
          outsideRingSeconds: 3,
        },
      },
      extra: { sipPort: 0 },
    });
    await t.call("POST", "/api/agents/ana/login", { available: true });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function trace(id: string): Promise<Loose> {
    return (await t.call("GET", `/api/contacts/${id}`)).body;
  }

  it("runs PreDial OUTDIAL, calls the number, connects the agent when the customer answers; the agent's end sends the customer BYE", async () => {
    const party = await customer(ANSWERS, dir, 1, ports.answers);
    try {
      const r = await t.call("POST", "/api/agents/ana/outdial", { number: "+15550001234", from: "+18005550177" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ outcome: "ANSWERED", number: "+15550001234" });
      const id: string = r.body.interactionId;
      const ana = await eventually(() => {
        const a = t.server.context.center.agent("ana");
        return a?.state === "Engaged" && a.interactionId === id ? a : undefined;
      }, "Ana connected to the customer");
      expect(ana.state).toBe("Engaged");
      const during = await trace(id);
      expect(during.contact).toMatchObject({ ani: "+15550001234", dnis: "+18005550177", flow: { id: "outdial" } });
      expect(during.variables.Log).toBe("OUTDIAL/Customer/+15550001234;");
      // The outdial's main path does not greet the customer the agent called.
      expect(during.events.filter((e: Loose) => e.type === "prompt")).toEqual([]);

      expect((await t.call("POST", "/api/agents/ana/end")).status).toBe(200);
      const sipp = await party.done;
      expect(sipp.code, sipp.output).toBe(0);
      const done = await eventually(async () => ((await trace(id)).contact.state === "ended" ? trace(id) : undefined), "the contact to end");
      expect(done.contact).toMatchObject({ endReason: "agent-ended", agent: { id: "ana" } });
      await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" });
    } finally {
      party.kill();
    }
  }, 60_000);

  it("with her headset on, the agent talks with the customer she called (her tone comes back through the customer's echo)", async () => {
    const phone = new WeriftPhone();
    const audio = await t.socket("/api/agents/ana/audio");
    const party = await customer(ANSWERS, dir, 1, ports.answers);
    try {
      audio.send({ type: "offer", sdp: await phone.offer() });
      const answer = await audio.next((m) => m.type === "answer" || m.type === "error", "the line's answer");
      expect(answer.type, JSON.stringify(answer)).toBe("answer");
      await phone.accept(answer.sdp);
      await eventually(() => t.server.context.voice?.line("ana")?.connected, "Ana's line connected");
      phone.talk(tone(AGENT_HZ, 1000, 0.4));

      const r = await t.call("POST", "/api/agents/ana/outdial", { number: "+15550005678" });
      expect(r.body.outcome).toBe("ANSWERED");
      await audio.next((m) => m.type === "bridged" && m.interactionId === r.body.interactionId, "Ana bridged to the customer");
      // A loaded machine garbles some stretches: the best of a few.
      let best = 0;
      for (let i = 0; i < 4 && best <= 0.5; i++) best = Math.max(best, toneShare(await phone.listen(1200), AGENT_HZ));
      expect(best, "Ana hears her tone back from the customer's side").toBeGreaterThan(0.5);

      await t.call("POST", "/api/agents/ana/end");
      const sipp = await party.done;
      expect(sipp.code, sipp.output).toBe(0);
      await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" });
    } finally {
      party.kill();
      audio.close();
      await phone.close();
    }
  }, 60_000);

  it("reports a busy customer (486) with the reason and the ended contact; the agent is Available again", async () => {
    const party = await customer(BUSY, dir, 1, ports.busy);
    try {
      const r = await t.call("POST", "/api/agents/ana/outdial", { number: "+16660001234" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ outcome: "BUSY", sipStatus: 486, contact: { state: "ended", endReason: "outdial-busy", ani: "+16660001234" } });
      expect(r.body.reason).toContain("486 Busy Here");
      expect((await party.done).code).toBe(0);
      expect(t.server.context.center.agent("ana")?.state).toBe("Available");
    } finally {
      party.kill();
    }
  }, 60_000);

  it("gives up on a customer who does not answer within the ring time (CANCEL): RING_NO_ANSWER", async () => {
    const party = await customer(RINGS, dir, 1, ports.rings);
    try {
      const r = await t.call("POST", "/api/agents/ana/outdial", { number: "+17770001234" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ outcome: "RING_NO_ANSWER", contact: { endReason: "outdial-ring-no-answer" } });
      const sipp = await party.done;
      expect(sipp.code, sipp.output).toBe(0);
      expect(t.server.context.center.agent("ana")?.state).toBe("Available");
    } finally {
      party.kill();
    }
  }, 60_000);

  it.each([
    [{ number: "+4930123456" }, 400, "no entry of the environment's center.dialPlan matches +4930123456"],
    [{ number: "call me" }, 400, "is not a phone number"],
    [{ number: "+15550001234", flow: "nowhere" }, 404, 'no flow "nowhere"'],
    [{ number: "+15550001234", from: "<b>" }, 400, "from: must be + and digits"],
  ])("refuses %j with %i and says why", async (body, status, message) => {
    const r = await t.call("POST", "/api/agents/ana/outdial", body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toContain(message);
  });

  it("refuses an agent who is logged out", async () => {
    const r = await t.call("POST", "/api/agents/bo/outdial", { number: "+15550001234" });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('agent "bo" is LoggedOut');
  });
});
