/**
 * Scenarios from a flow author's side: a small flow, a scenario file beside it, and what
 * `ccflow test` makes of it — passes, failures that say what went wrong, HTTP answers with
 * delays and failures, agent behaviour, business hours, limits.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite } from "../../src/flowtest/suite.js";
import { exportOf, tts, type FlowSpec } from "../helpers/flow-builder.js";

const CONNECTOR = "11111111-2222-3333-4444-555555555555";

/** A small CRM-lookup IVR: greet, look the caller up, branch, menu, queue or hang up. */
const LOOKUP: FlowSpec = {
  name: "Lookup",
  variables: [
    { name: "Name", type: "STRING", value: "NA" },
    { name: "Tier", type: "INTEGER", value: "10" },
    { name: "Pin", type: "STRING", value: "", isSecure: true },
  ],
  main: [
    { name: "Hello", type: "play-message", props: tts("Welcome to Example Corp.") },
    {
      name: "Find",
      type: "http-request-v2",
      props: {
        authenticated: true,
        connectorId: CONNECTOR,
        "connectorId:name": "Example_CRM",
        httpRequestMethod: "GET",
        httpRequestPath: "contacts?$filter=telephone1 eq '{{NewPhoneContact.ANI}}'",
        httpResponseTimeout: 2000,
        retryAttempts: 0,
        contentType: "JSON",
        outputVariableArray: [
          { outputVariable: "Name", jsonPathExp: "value[0].fullname" },
          { outputVariable: "Tier", jsonPathExp: "value[0].tier" },
        ],
      },
    },
    { name: "Known", type: "condition-activity", props: { expression: '{{ Name != "NA" }}' } },
    { name: "Greet", type: "play-message", props: tts("Hello {{Name}}.") },
    { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 for sales, 2 to leave."), menuLinks: ["1", "2"], entryTimeout: 3 } },
    { name: "Queue", type: "queue-contact", props: { destination: "Sales", queueRadioGroup: "staticQueue", toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{Tier}}" } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30", audioRadioGroup: "staticAudio" } },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [
    ["Hello", "default", "Find"],
    ["Find", "default", "Known"],
    ["Known", "true", "Greet"],
    ["Known", "false", "Menu"],
    ["Greet", "default", "Menu"],
    ["Menu", "1", "Queue"],
    ["Menu", "2", "Bye"],
    ["Menu", "timeout", "Queue"],
    ["Menu", "invalid", "Queue"],
    ["Queue", "default", "Hold"],
    ["Hold", "default", "Hold"],
  ],
  events: {
    AgentContactAssigned: {
      nodes: [
        { name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example/contact?", queryParameters: { name: "{{Name}}" }, target: "newBrowserTab", screenPopDesktopLabel: "Caller" } },
        { name: "Done", type: "end" },
      ],
      links: [
        ["AgentContactAssigned", "out", "Pop"],
        ["Pop", "default", "Done"],
      ],
    },
    GlobalErrorHandling: { nodes: [{ name: "ErrEnd", type: "end" }], links: [["GlobalErrorHandling", "out", "ErrEnd"]] },
  },
};

const KNOWN = `http:
  - method: GET
    path: contacts
    body: { value: [{ fullname: Ada Lovelace, tier: 2 }] }
`;

async function run(files: Record<string, string>, flow: FlowSpec = LOOKUP) {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-scenario-"));
  writeFileSync(join(dir, "flow.json"), JSON.stringify(exportOf(flow)));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), `flow: flow.json\n${text}`);
  return runSuite({ paths: [dir] });
}

async function one(text: string, flow?: FlowSpec) {
  const suite = await run({ "s.scenario.yaml": text }, flow);
  expect(suite.problems).toEqual([]);
  expect(suite.results).toHaveLength(1);
  return suite.results[0]!;
}

describe("a scenario that holds", () => {
  it("passes, on the virtual clock: a 3 s menu timeout and 30 s of hold take no real time", async () => {
    const r = await one(`name: known caller waits for an agent
caller: { ani: "+15550001" }
${KNOWN}inputs: [silence]
agent: { availableAfterSeconds: 40, answerAfterSeconds: 2, talkSeconds: 10 }
expect:
  prompts: [Welcome to Example Corp., Hello Ada Lovelace., { regex: "^Press 1" }]
  activities: ["Known:true", "Menu:timeout", Queue, "Hold:default", Pop]
  events: [queued, offered, answered, screen-pop, ended]
  variables: { Name: Ada Lovelace, Tier: 2 }
  queued: { queue: Sales, priority: 2 }
  screenPop: { url: "https://crm.example/contact?name=Ada%20Lovelace", target: newBrowserTab, label: Caller }
  http: [{ method: GET, path: "contacts?$filter=telephone1 eq '+15550001'", count: 1, status: 200, connector: Example_CRM }]
  endReason: agent-ended
  never:
    - { event: disconnected, before: { event: answered } }
    - { prompt: { contains: sorry } }
`);
    expect(r.failures).toEqual([]);
    expect(r.status).toBe("passed");
    expect(r.callSeconds).toBeGreaterThan(50);
  });
});

describe("a scenario that does not hold says what went wrong", () => {
  it("a prompt out of order, and an exact prompt that differs, with the closest one heard", async () => {
    const r = await one(`name: wrong prompts
${KNOWN}inputs: ["2"]
expect:
  prompts: [Hello Ada Lovelace., Welcome to Example Corp.]
`);
    expect(r.status).toBe("failed");
    expect(r.failures[0]).toMatchObject({
      expectation: "expect.prompts[1]",
      message: 'prompt 2 of 2 ("Welcome to Example Corp.") happened, but not after prompt 1 ("Hello Ada Lovelace.")',
      expected: ['✓ "Hello Ada Lovelace."', '✗ "Welcome to Example Corp."'],
      actual: ['prompt "Welcome to Example Corp."', 'prompt "Hello Ada Lovelace."', 'prompt "Press 1 for sales, 2 to leave."'],
    });
    const near = await one(`name: near miss
${KNOWN}inputs: ["2"]
expect:
  prompts: [Hello Ada Lovelace!]
`);
    expect(near.failures[0]!.message).toContain("closest heard differs at character 19");
    expect(near.failures[0]!.message).toContain('heard    "Hello Ada Lovelace."');
  });

  it("variables, queueing, end reason, HTTP counts and screen pops, each with expected and actual", async () => {
    const r = await one(`name: many wrong things
${KNOWN}inputs: ["1"]
expect:
  variables: { Name: Grace Hopper, Tier: 2, Nope: x }
  queued: { priority: 1 }
  endReason: disconnected
  http: [{ method: POST, count: 1 }, { path: contacts, count: 2 }]
  screenPop: { label: Someone }
  activities: [Menu, Nowhere]
`);
    const by = Object.fromEntries(r.failures.map((f) => [f.expectation, f]));
    expect(by["expect.variables.Name"]).toMatchObject({ message: 'Name is "Ada Lovelace" at the end of the call, expected "Grace Hopper"', expected: ['Name = "Grace Hopper"'], actual: ['Name = "Ada Lovelace"'] });
    expect(by["expect.variables.Tier"]).toBeUndefined();
    expect(by["expect.variables.Nope"]!.message).toBe('the flow has no variable "Nope" (did you mean "Name"?)');
    expect(by["expect.queued"]).toMatchObject({ message: "the caller was queued, but not as expected", expected: ["queued at P1"], actual: ["queued in Sales at P2"] });
    expect(by["expect.endReason"]).toMatchObject({ expected: ["disconnected"], actual: ["agent-ended"] });
    expect(by["expect.http[0]"]!.message).toBe("0 requests POST any path, expected 1");
    expect(by["expect.http[1]"]!.message).toBe("1 request any method contacts, expected 2");
    expect(by["expect.screenPop"]!.actual![0]).toContain('"Caller" https://crm.example/contact?name=Ada%20Lovelace');
    expect(by["expect.activities[1]"]!.message).toBe('the flow has no activity named "Nowhere"');
    // Each failure points into the event stream, so the report can show the transcript there.
    for (const f of r.failures.filter((x) => x.actual)) expect(f.eventIndex).toBeGreaterThanOrEqual(0);
  });

  it("never … before …: the caller must not be disconnected before being queued", async () => {
    const r = await one(`name: hangs up first
${KNOWN}inputs: ["2"]
expect:
  never:
    - { event: disconnected, before: { event: queued } }
    - { activity: "Menu:1" }
`);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.message).toBe('a "disconnected" event happened before a "queued" event (which never came), expected never: disconnected by flow');
  });

  it("a secure variable is compared but never shown", async () => {
    const flow: FlowSpec = { ...LOOKUP, main: [{ name: "SetPin", type: "set-variable", props: { srcVariable: "Pin", srcVariableType: "STRING", expr: "4321" } }, { name: "Bye", type: "disconnect-contact" }], links: [["SetPin", "out", "Bye"]], events: {} };
    const r = await one(`name: pin
expect:
  variables: { Pin: "1234" }
`, flow);
    expect(r.failures[0]!.message).toBe('Pin is "******" at the end of the call, expected "1234"');
    expect(JSON.stringify(r.events)).not.toContain("4321");
  });
});

describe("HTTP answers", () => {
  it("a request no entry answers fails the scenario and gets a 404", async () => {
    const r = await one(`name: no fixture
inputs: ["2"]
expect: {}
`);
    expect(r.failures.map((f) => f.message)).toEqual([
      "no http: entry answers GET contacts?$filter=telephone1 eq '+15555550100' (connector Example_CRM); the flow got a 404 (add an entry, or load CRM records with crm:)",
    ]);
  });

  it("an answer slower than the activity's timeout, a reset, a refused connection: OnGlobalError", async () => {
    for (const answer of ["{ delaySeconds: 2.5, body: {} }", "{ failure: timeout }", "{ failure: reset }", "{ failure: refused }"]) {
      const r = await one(`name: broken CRM
http: [${answer}]
expect:
  activities: [Find, GlobalErrorHandling, ErrEnd]
  endReason: global-error
  never: [{ activity: Known }]
`);
      expect(r.failures, answer).toEqual([]);
    }
  });

  it("`times` answers the first N requests; later ones go to the next entry; `connector` picks by name", async () => {
    const flow: FlowSpec = { ...LOOKUP, links: LOOKUP.links.map((l) => (l[0] === "Known" && l[1] === "false" ? (["Known", "false", "Find"] as [string, string, string]) : l)) };
    const r = await one(`name: retry until known
http:
  - { connector: Example_CRM, path: contacts, times: 2, body: { value: [] } }
  - { connector: "${CONNECTOR}", path: contacts, body: { value: [{ fullname: Ada Lovelace, tier: 1 }] } }
inputs: ["2"]
expect:
  http: [{ path: contacts, count: 3 }]
  activities: ["Known:false", "Known:false", "Known:true"]
  variables: { Name: Ada Lovelace }
`, flow);
    expect(r.failures).toEqual([]);
    const wrong = await one(`name: wrong connector
http: [{ connector: Zendesk, body: {} }]
expect: {}
`);
    expect(wrong.problems).toEqual([`http[0].connector: the flow uses no connector "Zendesk" (it uses Example_CRM (${CONNECTOR}))`]);
  });
});

describe("the agent, the caller and the clock", () => {
  it("an agent who declines first: the caller is offered again", async () => {
    const r = await one(`name: decline
${KNOWN}inputs: ["1"]
agent: { declines: 1 }
expect:
  events: [queued, offered, requeued, offered, answered]
`);
    expect(r.failures).toEqual([]);
  });

  it("nobody available: the caller waits until hanging up", async () => {
    const r = await one(`name: nobody
${KNOWN}inputs: ["1"]
agent: none
caller: { ani: "+15550001", hangupAfterSeconds: 120 }
expect:
  endReason: caller-hangup
  never: [{ event: offered }]
`);
    expect(r.failures).toEqual([]);
    expect(r.callSeconds).toBe(120);
  });

  it("a call still going at maxSeconds is ended by the caller, with a note", async () => {
    const r = await one(`name: forever
${KNOWN}inputs: ["1"]
agent: none
maxSeconds: 300
expect: { endReason: caller-hangup }
`);
    expect(r.status).toBe("passed");
    expect(r.notes).toContain("the call was still going after 300 s (maxSeconds); the caller hung up");
  });

  it("business hours closed, open, holiday; the clock starts where the scenario says", async () => {
    const flow: FlowSpec = {
      main: [
        { name: "Hours", type: "business-hours", group: "enum-gateway", props: { businessHoursId: "main-hours" } },
        { name: "Open", type: "play-message", props: tts("We are open.") },
        { name: "Closed", type: "play-message", props: tts("We are closed.") },
        { name: "Holiday", type: "play-message", props: tts("Happy holidays.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [
        ["Hours", "workingHours", "Open"],
        ["Hours", "default", "Closed"],
        ["Hours", "holidays", "Holiday"],
        ["Open", "default", "Bye"],
        ["Closed", "default", "Bye"],
        ["Holiday", "default", "Bye"],
      ],
    };
    for (const [mode, prompt] of [["open", "We are open."], ["closed", "We are closed."], ["holiday", "Happy holidays."]]) {
      const r = await one(`name: hours ${mode}
clock: { start: "2026-12-25T09:00:00-05:00", businessHours: ${mode} }
expect:
  prompts: ["${prompt}"]
`, flow);
      expect(r.failures, mode).toEqual([]);
      expect(r.events[0]!.at).toBe(Date.parse("2026-12-25T14:00:00Z"));
    }
  });

  it("an environment given inline binds what the scenario does not", async () => {
    const r = await one(`name: inline environment
environment:
  queues: [{ id: Sales, name: Sales Team }]
  agents: [{ id: bo, name: Bo Agent, queues: [Sales], simulated: { answerAfterSeconds: 1, talkSeconds: 5 } }]
${KNOWN}inputs: ["1"]
expect:
  queued: { queue: Sales Team }
  events: [offered, answered]
`);
    expect(r.failures).toEqual([]);
    expect(r.events.find((e) => e.type === "answered")).toMatchObject({ agentName: "Bo Agent" });
  });
});

describe("what keeps a scenario from running", () => {
  it("no flow, a missing flow, a broken environment: errors, not failures", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccflow-scenario-"));
    writeFileSync(join(dir, "a.scenario.yaml"), "name: no flow\nexpect: {}\n");
    writeFileSync(join(dir, "b.scenario.yaml"), "name: missing\nflow: nope.json\nexpect: {}\n");
    writeFileSync(join(dir, "flow.json"), JSON.stringify(exportOf(LOOKUP)));
    writeFileSync(join(dir, "c.scenario.yaml"), "name: bad env\nflow: flow.json\nenvironment: { queues: 3 }\nexpect: {}\n");
    const suite = await runSuite({ paths: [dir] });
    expect(suite.errors).toBe(3);
    const problems = Object.fromEntries(suite.results.map((r) => [r.name, r.problems.join(" | ")]));
    expect(problems["no flow"]).toBe("the scenario names no flow: add `flow: <file.json>` (relative to the scenario) or run with --flow <file.json>");
    expect(problems.missing).toMatch(/^cannot read the flow .*nope\.json: no such file$/);
    expect(problems["bad env"]).toContain("environment: queues: ");
  });

  it("a skipped scenario is reported with its reason and does not run", async () => {
    const suite = await run({ "s.scenario.yaml": "name: later\nskip: waiting for a fix\nexpect: { queued: true }\n" });
    expect(suite.results[0]).toMatchObject({ status: "skipped", notes: ["waiting for a fix"], events: [] });
    expect(suite.skipped).toBe(1);
  });
});

describe("CRM records instead of HTTP answers", () => {
  it("load into a fresh embedded CRM that the flow's connector queries with a real token", async () => {
    const r = await one(`name: from the CRM
caller: { ani: "+15550001" }
crm:
  contacts:
    - { fullname: Ada Lovelace, telephone1: "+15550001" }
    - { fullname: Grace Hopper, telephone1: "+15550002" }
inputs: ["2"]
expect:
  variables: { Name: Ada Lovelace }
  http: [{ method: GET, path: contacts, status: 200, count: 1 }]
`, { ...LOOKUP, main: LOOKUP.main.map((n) => (n.name === "Find" ? { ...n, props: { ...n.props, httpRequestPath: "contacts?$select=fullname&$filter=telephone1 eq '{{NewPhoneContact.ANI | urlencode}}'" } } : n)) });
    expect(r.failures).toEqual([]);
    expect(r.events.find((e) => e.type === "http")).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/contacts\?/), status: 200 });
  });

  it("a record the CRM cannot hold is a clear error naming it", async () => {
    const typo = await one(`name: typo
crm:
  contacts: [{ fullname: Ada Lovelace, telephone: "+15550001" }]
expect: {}
`);
    expect(typo.problems).toEqual(['crm.contacts[0]: contact has no column "telephone" (did you mean "telephone1"?)']);
    const lookup = await one(`name: dangling
crm:
  incidents: [{ title: Lost, customerid: 00000000-0000-4000-8000-000000000000 }]
expect: {}
`);
    expect(lookup.problems).toEqual(["crm.incidents[0].customerid: 00000000-0000-4000-8000-000000000000 is not the id of an account or contact loaded before this record"]);
  });
});
