/**
 * What a caller controls — the number they call from and the keys they press — stays a value.
 * Every edge refuses the hostile caller ids below (channels/caller-id.ts); behind the edge they
 * (quotes, OData and URL metacharacters, template syntax, line breaks, very long, unicode) go
 * through our example flow, which escapes in Pebble, and through the seed flow, which does not and
 * so runs with `http.escaping: strict`, against the real embedded CRM,
 * with `ccflow fault-proxy` (no faults) recording every request on the wire. For each call:
 *  - the lookup the CRM receives is the flow's query with the caller id as one string literal:
 *    same path, same query options, and the $filter, decoded, is exactly
 *    `contains(telephone1,'<id without +, quotes doubled>')`;
 *  - the CRM answers it (200): nothing the caller sent broke the query;
 *  - the screen pop goes to the same host and path with the same parameters, the caller's id
 *    being exactly the value of its own parameter;
 *  - no variable, prompt or pop shows a template the caller typed as evaluated.
 * Keys pressed at a Collect Digits prompt that go into a query and a pop are held to the same rule.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCallerId } from "../../src/channels/caller-id.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { VirtualClock } from "../../src/time/clock.js";
import type { CallEvent } from "../../src/engine/events.js";
import { emptyEnvironment } from "../../src/environment/load.js";
import { startFaultProxy, type FaultProxy, type ProxyEvent } from "../../src/fault-proxy/proxy.js";
import { parseFlowText } from "../../src/flow/load.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { hasShared, seedFlowPath } from "../helpers/shared.js";
import { startTestCrm, type TestCrm } from "../crm/helpers.js";
import { recordFigures } from "./helpers/figures.js";
import { EXAMPLE_FLOW } from "./helpers/flow-sources.js";
import { withinRealTime } from "./helpers/hang-guard.js";

const HOSTILE_ANIS = [
  "+1480') or contains(fullname,'",
  "14806754110' or telephone1 ne '",
  "1') or true or ('",
  "+1'); DROP TABLE contact; --",
  "''''",
  "\\'",
  "+1 eq 1",
  "%27%20or%201%20eq%201",
  "+1&$top=100&$select=*",
  "+1&$filter=true",
  "+1#fragment",
  "+1?x=1",
  "+1/../../systemusers",
  "+1;$expand=incident_customer_contacts",
  "{{ 7 * 7 }}",
  "{{ NewContact.constructor }}",
  "{% for i in range(1, 1000000) %}x{% endfor %}",
  "${CCFLOW_CLIENT_SECRET}",
  "+1\r\nX-Injected: yes",
  "+1\u0000",
  "+1 (480) 675-4110",
  "+١٤٨٠٦٧٥٤١١٠",
  "+1😀é\u202e",
  "+1" + "9".repeat(10_000),
  "+" + "'".repeat(2_000),
];

let crm: TestCrm;
let proxy: FaultProxy;
const wire: ProxyEvent[] = [];
const tmp = mkdtempSync(path.join(tmpdir(), "ccflow-caller-input-"));

beforeAll(async () => {
  crm = await startTestCrm({ limits: { requestsPerWindow: 1e9, executionTimeMs: 1e12, maxConcurrent: 10_000 } });
  proxy = await startFaultProxy({ target: crm.httpUrl, rules: [], onRequest: (e) => wire.push(e) });
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await crm?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface CallRecord {
  events: CallEvent[];
  requests: ProxyEvent[];
}

async function call(flow: FlowDefinition, ani: string, digits: string, escaping: "webex" | "strict" = "webex"): Promise<CallRecord> {
  const clock = new VirtualClock();
  const environment = emptyEnvironment(tmp);
  const runtime = new Runtime({
    environment: { ...environment, http: { ...environment.http, escaping } },
    flows: [flow],
    clock,
    crm: { baseUrl: proxy.url, tenantId: DEV_CREDENTIALS.tenantId, clientId: DEV_CREDENTIALS.clientId, clientSecret: DEV_CREDENTIALS.clientSecret },
    simulatedAgentForEmptyQueues: true,
  });
  const events: CallEvent[] = [];
  const from = wire.length;
  try {
    const interaction = runtime.startCall(flow, { ani, dnis: "+18005550100", channel: new ScriptedCaller(clock, digits), listener: (e) => events.push(e) });
    await withinRealTime(interaction.done, 30_000, `call from ${JSON.stringify(ani.slice(0, 40))}`);
  } finally {
    await runtime.close();
  }
  return { events, requests: wire.slice(from).filter((r) => r.path.includes("/api/data/")) };
}

/** The OData string literal for a value: quotes doubled. */
const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;

function lookupOf(requests: ProxyEvent[], entitySet: string): URL {
  const r = requests.find((x) => x.path.startsWith(`/api/data/v9.2/${entitySet}?`));
  expect(r, `a request to ${entitySet}`).toBeDefined();
  return new URL(r!.path, "http://crm.invalid");
}

const figures: Record<string, unknown> = { anis: HOSTILE_ANIS.length };

describe("hostile caller ids", () => {
  it(`are refused at the edge, each with a message naming it (${HOSTILE_ANIS.length} caller ids)`, () => {
    for (const ani of HOSTILE_ANIS) {
      const check = checkCallerId(ani);
      expect(check.ok, JSON.stringify(ani.slice(0, 60))).toBe(false);
      if (!check.ok) expect(check.message).toMatch(/^caller id ".*(is not a number a carrier delivers|has \d+ digits)/s);
    }
  });

  it(`keep the example flow's CRM lookup and screen pop to their own value (${HOSTILE_ANIS.length} caller ids)`, { timeout: 180_000 }, async () => {
    const flow = parseFlowText(readFileSync(EXAMPLE_FLOW, "utf8"), EXAMPLE_FLOW).flow!;
    let checked = 0;
    for (const ani of HOSTILE_ANIS) {
      const label = JSON.stringify(ani.length > 60 ? `${ani.slice(0, 60)}…(${ani.length})` : ani);
      const { events, requests } = await call(flow, ani, "1");
      const stripped = ani.replace(/\+/g, "");
      if (stripped.length < 7) {
        // Too short to be anyone's number (a withheld id): the flow does not look it up at all.
        expect(requests.some((r) => r.path.startsWith("/api/data/v9.2/contacts?")), label).toBe(false);
        expect(events.find((e) => e.type === "step" && e.activity === "CallerIdUsable"), label).toMatchObject({ port: "false" });
      } else {
        const url = lookupOf(requests, "contacts");
        // The query: the flow's own options, nothing added, the id one literal.
        expect([...url.searchParams.keys()], label).toEqual(["$select", "$filter", "$top"]);
        expect(url.pathname, label).toBe("/api/data/v9.2/contacts");
        expect(url.searchParams.get("$select"), label).toBe("fullname,telephone1,contactid");
        expect(url.searchParams.get("$top"), label).toBe("1");
        expect(url.searchParams.get("$filter"), label).toBe(`contains(telephone1,${literal(stripped)})`);
        const http = events.filter((e) => e.type === "http");
        // The CRM answers; only a NUL, which no stored text can be matched against, is refused.
        expect(http[0], label).toMatchObject({ activity: "LookupContact", status: ani.includes("\u0000") ? 400 : 200 });
        // Whatever the CRM matched, it matched on the caller's own text.
        const customer = events.find((e) => e.type === "variable" && e.name === "CustomerID") as { value: string } | undefined;
        if (customer && customer.value !== "") {
          const phone = await crm.api(`contacts(${customer.value})?$select=telephone1`);
          expect(((await phone.json()) as { telephone1: string }).telephone1, label).toContain(stripped);
        }
      }
      // The pop: the embedded CRM's record page, the flow's parameters, the id as its own value.
      const pops = events.filter((e) => e.type === "screen-pop") as Array<{ url: string }>;
      expect(pops, label).toHaveLength(1);
      const pop = new URL(pops[0]!.url);
      expect(`${pop.origin}${pop.pathname}`, label).toBe(`${proxy.url}/main.aspx`);
      const keys = [...pop.searchParams.keys()];
      if (keys.includes("phone")) {
        expect(keys, label).toEqual(["appid", "pagetype", "etn", "customerid", "phone"]);
        expect(pop.searchParams.get("phone"), label).toBe(stripped);
      } else {
        expect(keys, label).toEqual(["appid", "pagetype", "etn", "id"]);
      }
      expect(pop.hash, label).toBe("");
      // A template the caller typed is text, never evaluated.
      // Only what was said, stored and popped: interaction ids and timestamps may hold "49" by chance.
      const shown = JSON.stringify(
        events.map((e) =>
          e.type === "prompt" ? e.text : e.type === "variable" ? e.value : e.type === "screen-pop" ? [e.url, e.label] : null,
        ),
      );
      if (ani.includes("{{ 7 * 7 }}")) expect(shown).not.toContain("49");
      expect(shown).not.toContain(DEV_CREDENTIALS.clientSecret);
      checked++;
    }
    figures.exampleFlowCalls = checked;
  });

  // Was a finding: the lookup is a substring match, so an empty or one-digit caller id — a
  // withheld number — matched the first contact whose number contains it, and that caller heard
  // Yvonne McKay's name and case. The example flow now looks up only ids of 7 characters or more.
  it("do not take a caller whose id is empty or a single digit for a customer", { timeout: 60_000 }, async () => {
    const flow = parseFlowText(readFileSync(EXAMPLE_FLOW, "utf8"), EXAMPLE_FLOW).flow!;
    for (const ani of ["+", "0", "+1"]) {
      const { events } = await call(flow, ani, "1");
      const customer = events.filter((e) => e.type === "variable" && e.name === "CustomerID").at(-1) as { value: string } | undefined;
      expect(customer?.value ?? "", JSON.stringify(ani)).toBe("");
    }
  });

  // The seed flow does not escape: as in Webex, only the edges keep such ids out, or strict escaping.
  it.skipIf(!hasShared)("keep the seed flow's lookups to their own value with http.escaping: strict", { timeout: 120_000 }, async () => {
    const flow = parseFlowText(readFileSync(seedFlowPath, "utf8"), seedFlowPath).flow!;
    let checked = 0;
    for (const ani of HOSTILE_ANIS.slice(0, 12)) {
      const { events, requests } = await call(flow, ani, "1", "strict");
      const url = lookupOf(requests, "contacts");
      const filter = url.searchParams.get("$filter")!;
      // The seed strips the + as our flow does: one literal inside contains().
      expect(filter, JSON.stringify(ani)).toBe(`contains(telephone1,${literal(ani.replace(/\+/g, ""))})`);
      expect(events.find((e) => e.type === "http"), JSON.stringify(ani)).toMatchObject({ status: 200 });
      checked++;
    }
    figures.seedFlowCalls = checked;
  });
});

describe("hostile keys pressed", () => {
  it("stay a value in a query and a pop built from them", { timeout: 60_000 }, async () => {
    // A flow that takes an account number by DTMF, looks it up and pops it (what a real IVR does).
    const flow = buildFlow({
      variables: [{ name: "Account", value: "" }, { name: "Found", value: "NA" }],
      main: [
        { name: "AskAccount", type: "ivr-collectdigits", props: { ...tts("Enter your account number"), minDigits: "1", maxDigits: "64", entryTimeout: "5", interDigitTimeout: "3", terminatorSymbol: "#" } },
        { name: "KeepDigits", type: "set-variable", props: { srcVariable: "Account", setTo: "set-to-literal", literal: "{{AskAccount.DigitsEntered}}" } },
        {
          name: "Lookup",
          type: "http-request-v2",
          props: { authenticated: true, connectorId: "crm-connector", httpRequestMethod: "GET", httpRequestPath: "accounts?$select=name,accountid&$filter=accountnumber eq '{{Account}}'", outputVariableArray: [{ outputVariable: "Found", jsonPathExp: "value[0].accountid" }] },
        },
        { name: "Queue", type: "queue-contact", props: { destination: "q-digits", queueRadioGroup: "staticQueue" } },
      ],
      links: [["AskAccount", "default", "KeepDigits"], ["KeepDigits", "out", "Lookup"], ["Lookup", "default", "Queue"]],
      events: {
        AgentContactAssigned: {
          nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://org734cd33d.crm.dynamics.com/main.aspx?", queryParameters: { etn: "account", account: "{{Account}}" }, target: "newBrowserTab" } }],
          links: [["AgentContactAssigned", "out", "Pop"]],
        },
      },
    });
    const keys = ["123*#", "*", "0000000000000000", "1*2*3", "*".repeat(60)];
    for (const pressed of keys) {
      const { events, requests } = await call(flow, "+15550001111", `${pressed}#`);
      const entered = (events.find((e) => e.type === "input") as { digits: string }).digits;
      const url = lookupOf(requests, "accounts");
      expect(url.searchParams.get("$filter"), pressed).toBe(`accountnumber eq ${literal(entered)}`);
      expect([...url.searchParams.keys()]).toEqual(["$select", "$filter"]);
      const pop = new URL((events.find((e) => e.type === "screen-pop") as { url: string }).url);
      expect([...pop.searchParams.keys()]).toEqual(["etn", "account"]);
      expect(pop.searchParams.get("account")).toBe(entered);
    }
    figures.digitCalls = keys.length;
  });

  afterAll(() => recordFigures("caller-input", { ...figures, requestsRecorded: wire.length }));
});
