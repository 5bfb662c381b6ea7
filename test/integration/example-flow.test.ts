/**
 * Our example flow (examples/flows/Dynamics_Priority_Routing_Flow.json) doing the seed use case
 * properly, against the embedded CRM over real loopback HTTP with real tokens: the caller's own
 * newest open case, priority from its prioritycode, a pop of exactly that case, and an
 * OnGlobalError flow that still queues the caller when the CRM is unreachable.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { DEV_ORGANIZATION } from "../../src/crm/index.js";
import { VirtualClock } from "../../src/time/clock.js";
import { emptyEnvironment } from "../../src/environment/load.js";
import { parseFlowText } from "../../src/flow/load.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { startEmbeddedCrm, type EmbeddedCrm } from "../../src/runtime/embedded-crm.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { Recorder } from "../helpers/fakes.js";
import { repoRoot } from "../helpers/shared.js";

const flow: FlowDefinition = parseFlowText(readFileSync(resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json"), "utf8"), "example").flow!;
const dataDir = mkdtempSync(join(tmpdir(), "ccflow-example-"));
let crm: EmbeddedCrm;

const ids = { high: "", older: "", normal: "", low: "", resolvedOnly: "" };

const tick = () => new Promise((r) => setTimeout(r, 15));

beforeAll(async () => {
  crm = await startEmbeddedCrm({ dataDir });
  const { store } = crm.server.crm;
  const contacts = store.schema.table("contact");
  const incidents = store.schema.table("incident");
  const ctx = { userId: DEV_ORGANIZATION.pageUserId };
  const person = async (first: string, phone: string) => String((await store.insert(contacts, { firstname: first, lastname: "Tester", telephone1: phone }, ctx)).contactid);
  // createdon is set by the store at insert time: creation order is what "newest first" sees.
  const kase = async (customer: string, title: string, prioritycode: number, resolved = false) => {
    const id = String((await store.insert(incidents, { title, prioritycode, _customerid_value: customer, _customerid_type: "contact" }, ctx)).incidentid);
    if (resolved) await store.update(incidents, id, { statecode: 1, statuscode: 5 }, ctx);
    return id;
  };
  const hana = await person("Hana", "+15205550101");
  // Created one after the other: the newer case must win "newest first".
  ids.older = await kase(hana, "Old low-priority question", 3);
  await tick();
  ids.high = await kase(hana, "Outage at home", 1);
  const noor = await person("Noor", "+15205550102");
  ids.normal = await kase(noor, "Billing question", 2);
  const lars = await person("Lars", "+15205550103");
  ids.low = await kase(lars, "Brochure request", 3);
  const mia = await person("Mia", "+15205550104");
  ids.resolvedOnly = await kase(mia, "Solved long ago", 1, true);
});

afterAll(async () => {
  await crm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(ani: string, digits = "1", opts: { crmDown?: boolean } = {}) {
  const clock = new VirtualClock();
  const binding = opts.crmDown ? { ...crm.binding, baseUrl: "http://127.0.0.1:9" } : crm.binding;
  const runtime = new Runtime({ environment: emptyEnvironment(), flows: [flow], clock, crm: binding, simulatedAgentForEmptyQueues: true });
  const rec = new Recorder();
  const interaction = runtime.startCall(flow, { ani, channel: new ScriptedCaller(clock, digits), listener: rec.listener });
  const ended = await interaction.done;
  await runtime.close();
  return { rec, ended };
}

describe("example flow Dynamics_Priority_Routing_Flow against the embedded CRM", () => {
  it("finds the caller's newest open case, greets them with it, queues at P1 for High, pops exactly that case", async () => {
    const { rec } = await call("+15205550101");
    const caseQuery = rec.of("http")[1]!;
    expect(caseQuery.url).toContain("$filter=_customerid_value%20eq%20");
    expect(caseQuery.url).toContain("$orderby=createdon%20desc&$top=1");
    expect(rec.prompts().find((p) => p.startsWith("Hello Hana Tester"))).toContain("about Outage at home");
    expect(rec.of("queued")[0]).toMatchObject({ priority: 1, queue: "745fab6b-55e3-49f6-a60e-d06d408eda02" });
    const pop = rec.of("screen-pop")[0]!;
    expect(pop.url).toContain(`id=${ids.high}`);
    expect(pop.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/main\.aspx\?/);
    expect(pop.label).toMatch(/^Open case CAS-\d{5}-[A-Z0-9]{6}$/);
  });

  it.each([
    ["Normal", "+15205550102", 5, () => ids.normal],
    ["Low", "+15205550103", 9, () => ids.low],
  ])("queues a caller whose case is %s at P%i", async (_label, ani, priority, id) => {
    const { rec } = await call(ani);
    expect(rec.of("queued")[0]!.priority).toBe(priority);
    expect(rec.of("screen-pop")[0]!.url).toContain(`id=${id()}`);
  });

  it("treats a caller with only resolved cases as having none: P10 and the new-case form", async () => {
    const { rec } = await call("+15205550104");
    expect(rec.of("step").find((s) => s.activity === "HasOpenCase")!.port).toBe("false");
    expect(rec.of("queued")[0]!.priority).toBe(10);
    const pop = rec.of("screen-pop")[0]!;
    expect(pop.url).not.toMatch(/[?&]id=/);
    expect(pop.url).toContain("customerid=");
    expect(pop.label).toBe("New case for Mia Tester");
  });

  it("sends an unknown caller to an agent at P10 with the new-case form", async () => {
    const { rec } = await call("+19995550000");
    expect(rec.prompts()).toContain("We could not find an account for this number. Let me connect you with an agent.");
    expect(rec.of("queued")[0]!.priority).toBe(10);
    const pop = rec.of("screen-pop")[0]!;
    expect(pop.url).toContain("customerid=&phone=19995550000");
    // No placeholder reaches the agent: the label names the caller's number, the data is empty.
    expect(pop.label).toBe("New case for +19995550000");
    expect(rec.of("variable").filter((v) => v.value === "NA")).toEqual([]);
  });

  it("lets a caller end the call from the menu", async () => {
    const { rec, ended } = await call("+15205550101", "2");
    expect(rec.prompts()).toContain("Thank you for calling. Goodbye.");
    expect(rec.of("queued")).toHaveLength(0);
    expect(ended.reason).toBe("disconnected");
  });

  it("queues the caller anyway when the CRM cannot be reached (OnGlobalError)", async () => {
    const { rec, ended } = await call("+15205550101", "1", { crmDown: true });
    expect(rec.of("error")[0]).toMatchObject({ activity: "LookupContact", handling: "global-error" });
    expect(rec.prompts()).toContain("We are having trouble reaching our systems. Please hold while we connect you to an agent.");
    expect(rec.of("queued")[0]).toMatchObject({ priority: 5, activity: "QueueAfterError", flow: "GlobalErrorHandling" });
    expect(rec.of("answered")).toHaveLength(1);
    expect(ended.reason).toBe("agent-ended");
  });

  it("cannot be steered by a hostile caller id: it is one literal in the query and matches nobody", async () => {
    const { rec } = await call("1') or contains(fullname,'");
    const lookup = rec.of("http")[0]!;
    expect(lookup.status).toBe(200);
    // The flow itself doubles the quotes and URL-encodes the value (Webex sends a URL as
    // rendered): the whole value stays one string.
    expect(lookup.url).toContain("$filter=contains(telephone1,%271%27%27%29+or+contains%28fullname%2C%27%27%27)&$top=1");
    expect(rec.of("step").find((s) => s.activity === "KnownCaller")!.port).toBe("false");
  });
});
