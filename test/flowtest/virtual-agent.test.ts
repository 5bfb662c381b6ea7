/**
 * `ccflow test` scenarios that script a virtual agent: the scenario says what the bot's
 * conversation comes to (the port, MetaData, what it says), its scripts win over the
 * environment's, and a Virtual Agent nobody scripted fails the run with a message saying how.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite } from "../../src/flowtest/suite.js";
import { exportOf, tts, type FlowSpec } from "../helpers/flow-builder.js";

const BILLING: FlowSpec = {
  name: "Billing",
  main: [
    { name: "Bot", type: "ivr-virtualassistantvoice", group: "enum-gateway", props: { connector: "NATIVE_ADVANCED_VIRTUAL_AGENT", virtualAgentId: "billing-bot", eventName: "", eventData: "" } },
    { name: "Stream", type: "start-media-stream", props: { mediaDestinationId: "analytics-1" } },
    { name: "Queue", type: "queue-contact", props: { queueRadioGroup: "staticQueue", destination: "Billing" } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
    { name: "Paid", type: "condition-activity", props: { expression: "{{ Bot.MetaData.balance == 0 }}" } },
    { name: "Goodbye", type: "play-message", props: tts("You are all paid up. Goodbye.") },
    { name: "Owing", type: "play-message", props: tts("You owe {{Bot.MetaData.balance}} dollars.") },
    { name: "Sorry", type: "play-message", props: tts("Sorry, something went wrong.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [
    ["Bot", "ESCALATE", "Stream"],
    ["Stream", "default", "Queue"],
    ["Stream", "failure", "Queue"],
    ["Bot", "ENDED", "Paid"],
    ["Bot", "error", "Sorry"],
    ["Queue", "default", "Hold"],
    ["Hold", "default", "Hold"],
    ["Paid", "true", "Goodbye"],
    ["Paid", "false", "Owing"],
    ["Goodbye", "default", "Bye"],
    ["Owing", "default", "Bye"],
    ["Sorry", "default", "Bye"],
  ],
};

async function suiteOf(scenarios: string) {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-va-"));
  writeFileSync(join(dir, "billing.json"), JSON.stringify(exportOf(BILLING)));
  writeFileSync(join(dir, "billing.scenario.yaml"), scenarios);
  return runSuite({ paths: [dir] });
}

describe("a scenario that scripts the virtual agent", () => {
  it("drives each branch: escalation to the queue, ended with MetaData, a scripted error, and the environment's script when the scenario has none", async () => {
    const suite = await suiteOf(`flow: billing.json
name: the bot escalates and the caller is queued
virtualAgents:
  - id: billing-bot
    outcome: ESCALATE
    stateEventName: agent_requested
    prompts: ["I am connecting you with a specialist."]
expect:
  prompts: [I am connecting you with a specialist.]
  activities: ["Bot:ESCALATE", "Stream:default", Queue]
  events: [prompt, media-stream, queued]
  queued: { queue: Billing }
---
flow: billing.json
name: the bot ends and the flow reads its MetaData
virtualAgents: [{ id: "*", outcome: ENDED, metaData: { balance: 12 } }]
expect:
  activities: ["Bot:ENDED", "Paid:false"]
  prompts: [You owe 12 dollars.]
  endReason: disconnected
  never: [{ queued: true }]
---
flow: billing.json
name: the scenario's script wins over the environment's
environment:
  virtualAgents: [{ id: billing-bot, outcome: ESCALATE }]
virtualAgents: [{ id: billing-bot, outcome: ENDED, metaData: { balance: 0 } }]
expect:
  prompts: [You are all paid up. Goodbye.]
---
flow: billing.json
name: the environment's script answers when the scenario has none
environment:
  virtualAgents: [{ id: billing-bot, outcome: error, errorMessage: "bot unreachable" }]
expect:
  activities: ["Bot:error"]
  prompts: ["Sorry, something went wrong."]
  never: [{ queued: true }]
`);
    expect(suite.problems).toEqual([]);
    expect(suite.results.map((r) => [r.name, r.status, [...r.problems, ...r.failures.map((f) => f.message)]])).toEqual([
      ["the bot escalates and the caller is queued", "passed", []],
      ["the bot ends and the flow reads its MetaData", "passed", []],
      ["the scenario's script wins over the environment's", "passed", []],
      ["the environment's script answers when the scenario has none", "passed", []],
    ]);
    const errored = suite.results[3]!.events.find((e) => e.type === "error");
    expect(errored).toMatchObject({ message: 'Bot: virtual agent "billing-bot" ended in error: bot unreachable' });
  });

  it("a virtual agent nobody scripted fails the expectation, and the error says how to script it", async () => {
    const suite = await suiteOf(`flow: billing.json
name: forgot to script the bot
expect:
  activities: ["Bot:ESCALATE"]
`);
    const r = suite.results[0]!;
    expect(r.status).toBe("failed");
    const error = r.events.find((e) => e.type === "error");
    expect(error).toMatchObject({ message: expect.stringContaining('virtual agent "billing-bot" is not scripted; ccflow runs no bot') });
  });

  it("rejects a bad script with the entry and field it is in", async () => {
    const suite = await suiteOf(`flow: billing.json
name: bad script
virtualAgents: [{ id: billing-bot, outcome: escalate }]
expect: { activities: [Bot] }
`);
    expect(suite.problems.map((p) => `${p.field ?? ""} ${p.message}`).join("\n")).toContain("virtualAgents[0].outcome");
  });
});
