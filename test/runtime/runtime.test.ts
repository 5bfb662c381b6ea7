/**
 * How a flow gets bound to an installation: what the environment says, and what ccflow fills in
 * (and says out loud) when it says nothing.
 */
import { describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { VirtualClock } from "../../src/time/clock.js";
import { emptyEnvironment, parseEnvironment } from "../../src/environment/load.js";
import { Runtime, RuntimeConfigError } from "../../src/runtime/runtime.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { Recorder } from "../helpers/fakes.js";

const flow = buildFlow({
  main: [
    { name: "Lookup", type: "http-request-v2", props: { authenticated: true, connectorId: "conn-1", httpRequestMethod: "GET", httpRequestPath: "contacts" } },
    { name: "Q", type: "queue-contact", props: { destination: "queue-1" } },
    { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } },
    { name: "Sorry", type: "play-message", props: tts("No queue") },
  ],
  links: [["Lookup", "default", "Q"], ["Q", "default", "Hold"], ["Hold", "default", "Hold"], ["Q", "failure", "Sorry"]],
  events: { AgentContactAssigned: { nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://org1.crm4.dynamics.com/main.aspx?etn=incident", target: "newBrowserTab" } }], links: [["AgentContactAssigned", "out", "Pop"]] } },
});

const crm = { baseUrl: "http://127.0.0.1:1234", tenantId: "t", clientId: "c", clientSecret: "dev-secret-value" };

describe("zero configuration", () => {
  it("binds connectors to the embedded CRM, creates queues staffed by a simulated agent, rewrites CRM pops, and says so", async () => {
    const runtime = new Runtime({ environment: emptyEnvironment(), flows: [flow], clock: new VirtualClock(), crm, simulatedAgentForEmptyQueues: true });
    expect(runtime.bindings).toEqual([
      "connector conn-1 → embedded CRM http://127.0.0.1:1234/api/data/v9.2/ (OAuth 2.0 client credentials, development app)",
      "queue queue-1 → created (staffed by simulated agent Sam Simulated (answers after 4 s))",
      "screen pops to org1.crm4.dynamics.com → embedded CRM pages at http://127.0.0.1:1234",
    ]);
    expect(runtime.connectors[0]).toMatchObject({ id: "conn-1", tokenUrl: "http://127.0.0.1:1234/t/oauth2/v2.0/token", scope: "http://127.0.0.1:1234/.default" });
    expect(runtime.center.listAgents().map((a) => a.id)).toEqual(["sim-agent-1"]);
    await runtime.close();
  });

  it("without a CRM, says the connector is unbound (requests through it then fail)", async () => {
    const runtime = new Runtime({ environment: emptyEnvironment(), flows: [flow], clock: new VirtualClock() });
    expect(runtime.bindings[0]).toBe("connector conn-1 is not bound: requests through it will fail (define it in the environment file)");
    await runtime.close();
  });
});

describe("an environment file", () => {
  it("wins over defaults, and with autoCreateQueues off an unknown queue makes Queue Contact fail", async () => {
    const parsed = parseEnvironment(
      `connectors:\n  - { id: conn-1, name: Api, type: none, resourceDomain: "http://127.0.0.1:9/" }\ncenter:\n  autoCreateQueues: false\n`,
      "env.yaml",
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const clock = new VirtualClock();
    const runtime = new Runtime({ environment: parsed.environment, flows: [flow], clock, crm });
    expect(runtime.bindings).toContain("queue queue-1 is not in the environment and autoCreateQueues is off: Queue Contact to it fails");
    expect(runtime.bindings.some((b) => b.startsWith("connector"))).toBe(false);
    const rec = new Recorder();
    const call = runtime.startCall(
      buildFlow({ main: [{ name: "Q", type: "queue-contact", props: { destination: "queue-1" } }, { name: "Sorry", type: "play-message", props: tts("No queue") }], links: [["Q", "failure", "Sorry"]] }),
      { ani: "+1555", channel: new ScriptedCaller(clock), listener: rec.listener },
    );
    await call.done;
    expect(rec.of("error")[0]).toMatchObject({ activity: "Q", handling: "port" });
    expect(rec.prompts()).toEqual(["No queue"]);
    await runtime.close();
  });

  it("reports bad sections by name instead of starting", () => {
    const parsed = parseEnvironment(`agents:\n  - { id: ana, name: Ana, queues: [nope] }\n`, "env.yaml");
    if (!parsed.ok) throw new Error(parsed.error);
    expect(() => new Runtime({ environment: parsed.environment, flows: [flow], clock: new VirtualClock() })).toThrow(RuntimeConfigError);
    expect(() => new Runtime({ environment: parsed.environment, flows: [flow], clock: new VirtualClock() })).toThrow(/agents\[0\].*queue "nope"/);
  });
});
