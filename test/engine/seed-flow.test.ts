/**
 * The seed flow (MSD_HTTP_Connector_Flow.json), unchanged, through every path a caller can take,
 * told from the event stream. The CRM is a table of answers here; the integration suite runs the
 * same paths against the embedded CRM over HTTP.
 */
import { describe, expect, it } from "vitest";
import { parseFlowText } from "../../src/flow/load.js";
import { Engine } from "../../src/engine/engine.js";
import { VirtualClock } from "../../src/time/clock.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { FakeCenter, FakeHttp, Recorder, type Route } from "../helpers/fakes.js";
import { hasShared, readShared, seedFlowPath } from "../helpers/shared.js";

const YVONNE = { contactid: "dc9bbbfe-e0e5-ed11-a7c7-0022482137b9", fullname: "Yvonne McKay", telephone1: "+14806754110" };
const CASE = { title: "Printer on fire", ticketnumber: "CAS-01002-S8K4Y2", _customerid_value: YVONNE.contactid, incidentid: "b68990a8-e1dc-4350-b266-112c622507f5" };

const knownCrm: Route = (spec) => {
  if (spec.target.startsWith("contacts")) return { status: 200, body: { value: spec.target.includes("14806754110") ? [YVONNE] : [] } };
  if (spec.target.startsWith("incidents")) return { status: 200, body: { value: [CASE] } };
  return { status: 404, body: { error: { code: "0x80060888", message: "not found" } } };
};

async function call(opts: { ani: string; digits?: string; route?: Route; answer?: boolean }) {
  const flow = parseFlowText(readShared(seedFlowPath), "seed").flow!;
  const clock = new VirtualClock();
  const center = new FakeCenter();
  const http = new FakeHttp(opts.route ?? knownCrm);
  const engine = new Engine({ http, center, clock });
  const rec = new Recorder();
  const caller = new ScriptedCaller(clock, opts.digits ?? "");
  const interaction = engine.startCall(flow, { ani: opts.ani, dnis: "+18005550100", channel: caller, listener: rec.listener });
  if (opts.answer !== false) {
    // Let the IVR run until the contact is queued and the hold music plays, then answer it.
    while (center.queued.length === 0 && interaction.state !== "ended") await new Promise((r) => setImmediate(r));
    if (center.queued.length > 0) {
      await clock.sleep(45_000);
      center.answer();
      await clock.sleep(1000);
      interaction.hangup();
    }
  }
  const ended = await interaction.done;
  return { rec, center, http, ended, interaction };
}

describe.skipIf(!hasShared)("seed flow MSD_HTTP_Connector_Flow, unchanged", () => {
  it("greets a known caller by name with their last case, queues on 1, pops that case when the agent answers", async () => {
    const { rec, center, http } = await call({ ani: "+14806754110", digits: "1" });
    expect(http.calls[0]!.target).toContain("contains(telephone1,'14806754110')");
    expect(rec.prompts()[0]).toBe("Greetings, Welcome to the IVR");
    const personal = rec.prompts().find((p) => p.startsWith("Hello"));
    expect(personal).toContain("Hello, Yvonne McKay !");
    expect(personal).toContain("regarding Printer on fire");
    expect(personal).toContain("CAS-01002-S8K4Y2");
    expect(rec.of("input")[0]).toMatchObject({ digits: "1", outcome: "digits", activity: "MainMenu" });
    expect(rec.of("queued")[0]).toMatchObject({ queue: "745fab6b-55e3-49f6-a60e-d06d408eda02", priority: 10 });
    expect(rec.of("answered")).toHaveLength(1);
    const pop = rec.of("screen-pop")[0]!;
    expect(pop).toMatchObject({ target: "newBrowserTab", label: "Customer Ticket details", activity: "ScreenPop" });
    expect(pop.url).toContain("pagetype=entityrecord");
    expect(pop.url).toContain("id=b68990a8-e1dc-4350-b266-112c622507f5");
    expect(center.pops).toHaveLength(1);
    expect(rec.path()).toEqual(
      expect.arrayContaining(["NewPhoneContact", "StripANI", "Greeting", "GetCustomerInfo", "ConditionCheck", "SetVariable_30q", "GetCaseInfo", "PlayCaseTitle", "MainMenu", "QueueContact", "PlayMusic"]),
    );
    const steps = rec.of("step");
    expect(steps.find((s) => s.activity === "ConditionCheck")!.port).toBe("false");
    expect(steps.filter((s) => s.activity === "PlayMusic").length).toBeGreaterThanOrEqual(1);
    expect(steps.find((s) => s.activity === "Condition_obo")).toMatchObject({ flow: "AgentContactAssigned", port: "false" });
  });

  it("disconnects a known caller who presses 2, and runs PhoneContactEnded", async () => {
    const { rec, center, ended } = await call({ ani: "+14806754110", digits: "2", answer: false });
    expect(rec.of("disconnected")[0]).toMatchObject({ by: "flow", activity: "DisconnectContact" });
    expect(center.queued).toHaveLength(0);
    expect(rec.of("event").map((e) => e.name)).toContain("ContactEnded");
    expect(ended.reason).toBe("disconnected");
  });

  it.each([
    ["no input (menu timeout)", "", "timeout"],
    ["an unlisted digit", "7", "invalid"],
  ])("queues a known caller after %s", async (_label, digits, port) => {
    const { rec } = await call({ ani: "+14806754110", digits });
    expect(rec.of("step").find((s) => s.activity === "MainMenu")!.port).toBe(port);
    expect(rec.of("queued")).toHaveLength(1);
  });

  it("tells an unknown caller there is no case, queues them, and pops the new-case form", async () => {
    const { rec, http } = await call({ ani: "+15550001111" });
    expect(http.calls).toHaveLength(1);
    expect(rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("true");
    expect(rec.prompts().some((p) => p.includes("no Case associated"))).toBe(true);
    const pop = rec.of("screen-pop")[0]!;
    expect(pop.label).toBe("New Case");
    expect(pop.url).toMatch(/^https:\/\/org734cd33d\.crm\.dynamics\.com\/main\.aspx\?appid=8a18ed00-21e1-ed11-a7c6-000d3a8bcaaa&cmdbar=1&pagetype=entityrecord&etn=incident$/);
  });

  it("routes a caller as unknown when the CRM answers 401 (the mapping matches nothing)", async () => {
    const { rec } = await call({ ani: "+14806754110", route: () => ({ status: 401, body: { error: { code: "", message: "unauthorized" } } }) });
    expect(rec.of("http")[0]!.status).toBe(401);
    expect(rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("true");
  });

  it("sends a CRM timeout to OnGlobalError, which ends the call (the seed's handler only ends)", async () => {
    const { rec, ended, center } = await call({ ani: "+14806754110", route: () => "timeout", answer: false });
    expect(rec.of("error")[0]).toMatchObject({ activity: "GetCustomerInfo", handling: "global-error" });
    expect(rec.of("event").map((e) => e.name)).toEqual(["GlobalErrorHandling", "ContactEnded"]);
    expect(center.queued).toHaveLength(0);
    expect(ended.reason).toBe("global-error");
  });
});
