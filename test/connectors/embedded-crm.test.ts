/**
 * The seed flow's connector against the embedded CRM, as a user would set it up: the connector
 * written in an environment section (development secret marked `{ dev }`, the CRM's CA trusted
 * through `caFile`), tokens from the CRM's own Entra-style endpoint, requests over HTTPS.
 */
import { checkCallerId } from "../../src/channels/caller-id.js";
import type { ActivityEnvironment } from "../../src/activities/types.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConnector } from "../../src/cli/commands/connector.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { loadConnectors, type ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { HttpFailure } from "../../src/connectors/types.js";
import { DEV_CREDENTIALS, DEV_ORGANIZATION, SEED_RECORDS, startCrmServer, type CrmServer } from "../../src/crm/index.js";
import { VirtualClock } from "../../src/time/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { parseFlowText } from "../../src/flow/load.js";
import { FakeCenter, Recorder } from "../helpers/fakes.js";
import { sharedFile } from "../activities/helpers/shared-flows.js";
import { capturingLogger } from "./helpers/capture.js";

const SEED_CONNECTOR = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
const seedFile = sharedFile("seed/MSD_HTTP_Connector_Flow.json");

let server: CrmServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "ccflow-connectors-crm-"));
  server = await startCrmServer({ dataDir, port: 0, httpsPort: 0, env: {} });
});

afterAll(async () => {
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The connector as an environment file would define it for the embedded CRM. */
function crmConnector(overrides: Record<string, unknown> = {}): ConnectorConfig {
  const base = server.httpsUrl;
  const [c] = loadConnectors(
    [
      {
        id: SEED_CONNECTOR,
        name: "MSD_IVR_Connector",
        type: "oauth2-client-credentials",
        resourceDomain: `${base}/api/data/v9.2/`,
        clientId: DEV_CREDENTIALS.clientId,
        clientSecret: { dev: DEV_CREDENTIALS.clientSecret },
        scope: `${base}/.default`,
        tokenUrl: `${base}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`,
        caFile: server.caPath,
        ...overrides,
      },
    ],
    { env: {}, baseDir: dataDir },
  );
  return c!;
}

async function call(ani: string, digits: string, env?: ActivityEnvironment) {
  const clock = new VirtualClock();
  const log = capturingLogger();
  const gateway = createHttpGateway({ connectors: [crmConnector()], clock, logger: log.logger });
  const flow = parseFlowText(readFileSync(seedFile!, "utf8"), "seed").flow!;
  const center = new FakeCenter();
  const rec = new Recorder();
  const interaction = new Engine({ http: gateway, center, clock, env }).startCall(flow, { ani, dnis: "+18005550100", channel: new ScriptedCaller(clock, digits), listener: rec.listener });
  while (center.queued.length === 0 && interaction.state !== "ended") await new Promise((r) => setImmediate(r));
  if (interaction.state !== "ended") interaction.hangup();
  await interaction.done;
  const tokens = gateway.tokenCache(SEED_CONNECTOR)!.stats.requests;
  await gateway.close();
  return { rec, log, tokens };
}

describe.skipIf(!seedFile)("the seed flow's lookups against the embedded CRM", () => {
  it("finds the seed caller and their case through connector 8c3d7ff4-… over HTTPS", async () => {
    const { rec, log, tokens } = await call(SEED_RECORDS.contactPhone, "1");
    const http = rec.of("http");
    expect(http.map((h) => [h.activity, h.status, h.connector])).toEqual([
      ["GetCustomerInfo", 200, "MSD_IVR_Connector"],
      ["GetCaseInfo", 200, "MSD_IVR_Connector"],
    ]);
    expect(http[0]!.url).toBe(`${server.httpsUrl}/api/data/v9.2/contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,%27${SEED_RECORDS.contactPhone.slice(1)}%27)`);
    expect(tokens).toBe(1);
    const vars = rec.of("variable");
    expect(vars.find((v) => v.name === "CustomerID")!.value).toBe(SEED_RECORDS.contactId);
    expect(vars.find((v) => v.name === "ContactName")!.value).toBe(SEED_RECORDS.contactName);
    expect(String(vars.find((v) => v.name === "CaseNumber")!.value)).toMatch(/^CAS-\d{5}-[A-Z0-9]{6}$/);
    expect(rec.prompts().find((p) => p.startsWith("Hello"))).toContain(SEED_RECORDS.contactName);
    const all = JSON.stringify(rec.events) + log.text();
    expect(all).not.toContain(DEV_CREDENTIALS.clientSecret);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });

  it("routes an unknown caller as new; a hostile caller id is refused at the edge, or with strict escaping only ever a literal to the CRM", async () => {
    const unknown = await call("+15550100999", "");
    expect(unknown.rec.of("http").map((h) => h.status)).toEqual([200]);
    expect(unknown.rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("true");

    // As Webex does, the seed flow's unescaped caller id becomes part of the query: this one
    // matches every contact, which is why no edge lets a caller id like it in.
    expect(checkCallerId("1') or contains(fullname,'").ok).toBe(false);
    const asWebex = await call("1') or contains(fullname,'", "");
    expect(asWebex.rec.of("variable").find((v) => v.name === "CustomerID")).toBeDefined();

    // With http.escaping: strict the CRM's own OData parser sees one string literal: 200 with no rows, not a 400 or a match.
    const hostile = await call("1') or contains(fullname,'", "", { http: { jsonPathMiss: "keep", timeoutMode: "globalError", escaping: "strict" } });
    expect(hostile.rec.of("http").map((h) => h.status)).toEqual([200]);
    expect(hostile.rec.of("variable").find((v) => v.name === "CustomerID")).toBeUndefined();
    expect(hostile.rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("true");
  });
});

describe("connector checks against the embedded CRM", () => {
  it("ccflow connector test: token, then WhoAmI answered for the development application user", async () => {
    const lines: string[] = [];
    expect(await testConnector(crmConnector(), { timeoutMs: 10_000, out: (l) => lines.push(l) })).toBe(true);
    expect(lines[1]).toMatch(/^token {5}POST https:\/\/[a-z0-9.]+:\d+\/[0-9a-f-]+\/oauth2\/v2\.0\/token → ok in \d+ ms, expires in \d+ s/);
    expect(lines[2]).toContain(`/api/data/v9.2/WhoAmI → 200 in`);
    expect(lines[2]).toContain(`UserId ${DEV_ORGANIZATION.applicationUserId}`);
    expect(lines.join("\n")).not.toContain(DEV_CREDENTIALS.clientSecret);
  });

  it("names the connector and the AADSTS error for a wrong secret", async () => {
    const clock = new VirtualClock();
    const gateway = createHttpGateway({ connectors: [crmConnector({ clientSecret: { dev: "not-the-dev-secret" } })], clock });
    const err = (await gateway.execute({ activity: "GetCustomerInfo", connectorId: SEED_CONNECTOR, target: "WhoAmI", query: [], method: "GET", headers: {}, timeoutMs: 5000, retryAttempts: 1 }, clock).catch((e: unknown) => e)) as HttpFailure;
    await gateway.close();
    expect(err).toBeInstanceOf(HttpFailure);
    expect(err.kind).toBe("token");
    expect(err.message).toMatch(/^connector MSD_IVR_Connector: token endpoint \S+ answered 401: invalid_client: AADSTS7000215: /);
    expect(err.message).not.toContain("not-the-dev-secret");
  });

  it("without the CRM's CA, fails with a TLS trust error that points at caFile", async () => {
    const clock = new VirtualClock();
    const untrusted = { ...crmConnector(), ca: undefined };
    const gateway = createHttpGateway({ connectors: [untrusted], clock });
    const err = (await gateway.execute({ activity: "A", connectorId: SEED_CONNECTOR, target: "WhoAmI", query: [], method: "GET", headers: {}, timeoutMs: 5000, retryAttempts: 0 }, clock).catch((e: unknown) => e)) as HttpFailure;
    await gateway.close();
    expect(err.kind).toBe("token");
    expect(err.message).toMatch(/TLS certificate/);
    expect(err.message).toContain("caFile");
  });
});
