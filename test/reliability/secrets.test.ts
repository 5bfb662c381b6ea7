/**
 * No secret reaches anything a person or a log collector reads. The CLI commands and a server run
 * as real processes, with the CRM's client secret set through CCFLOW_CLIENT_SECRET (the public
 * development default is shown on purpose; a secret of one's own never is), on a copy of our
 * example flow whose ContactName and CustomerID are isSecure. Everything they print — transcript,
 * JSON lines, trace, errors, the server's log, the API's answers about calls, contacts and agents
 * — is scanned for the client secret (also URL-encoded and in Base64), for anything shaped like
 * an access token (JWT), and for the secure values (the caller's name and contact id).
 *
 * Which tokens are refused (missing, expired, forged, wrong audience, alg none, HMAC) and how the
 * token endpoint answers wrong secrets and guessing is covered by test/crm/auth/auth.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { repoRoot } from "../helpers/shared.js";
import { CrmProcess } from "./helpers/crm-process.js";
import { ensureBuilt } from "./helpers/dist.js";
import { recordFigures } from "./helpers/figures.js";
import { EXAMPLE_FLOW } from "./helpers/flow-sources.js";
import { SecretScanner } from "./helpers/secret-scan.js";
import { ServeProcess } from "./helpers/serve-process.js";

const SECRET = `rel-secret-${process.pid}-Zq9!`;
const WRONG_SECRET = `wrong-secret-${process.pid}-Xy7`;
/** The seed's known caller in the demo data, and what the flow learns about him from the CRM. */
const ANI = "+14806754110";
const SECURE_VALUES = { "secure ContactName": "Yvonne McKay", "secure CustomerID": "dc9bbbfe-e0e5-ed11-a7c7-0022482137b9" };
const SEED_CONNECTOR = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";

const tmp = mkdtempSync(path.join(tmpdir(), "ccflow-secrets-"));
const secureFlow = path.join(tmp, "Secure_Flow.json");
const scanner = new SecretScanner({ "client secret": SECRET, "wrong client secret": WRONG_SECRET, ...SECURE_VALUES });
const run = promisify(execFile);
const outputs: Record<string, number> = {};

beforeAll(async () => {
  await ensureBuilt();
  const raw = JSON.parse(readFileSync(EXAMPLE_FLOW, "utf8")) as { variables: Array<{ name: string; isSecure: boolean }> };
  for (const v of raw.variables) if (v.name === "ContactName" || v.name === "CustomerID") v.isSecure = true;
  writeFileSync(secureFlow, JSON.stringify(raw, null, 2));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function ccflow(label: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  let code = 0;
  let stdout = "";
  let stderr = "";
  try {
    ({ stdout, stderr } = await run(process.execPath, [path.join(repoRoot, "bin/ccflow.js"), ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: "1", CCFLOW_CLIENT_SECRET: SECRET, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }));
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    code = typeof e.code === "number" ? e.code : -1;
    stdout = e.stdout ?? "";
    stderr = e.stderr ?? "";
  }
  const out = stdout + stderr;
  scanner.scan(out, label);
  outputs[label] = out.length;
  return { code, out };
}

describe("secrets in what ccflow prints", () => {
  it("ccflow call: transcript, JSON lines and trace show the secure values masked, no secret, no token", { timeout: 300_000 }, async () => {
    const data = path.join(tmp, "call-data");
    const transcript = await ccflow("ccflow call (transcript)", ["call", secureFlow, "--ani", ANI, "--digits", "1", "--data", data]);
    expect(transcript.code).toBe(0);
    // The masked greeting proves the secure value was there to hide.
    expect(transcript.out).toContain("Hello ******.");
    const json = await ccflow("ccflow call --json --trace", ["call", secureFlow, "--ani", ANI, "--digits", "1", "--data", data, "--json", "--trace"]);
    expect(json.code).toBe(0);
    const events = json.out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { type: string; name?: string; value?: unknown; url?: string });
    expect(events.filter((e) => e.type === "variable" && (e.name === "ContactName" || e.name === "CustomerID")).map((e) => e.value)).toEqual(["******", "******"]);
    expect(events.find((e) => e.type === "http" && e.url?.includes("incidents"))?.url).toContain("******");
    await ccflow("ccflow call (unknown caller)", ["call", secureFlow, "--ani", "+15557770123", "--digits", "1", "--data", data]);
  });

  it("ccflow call and connector test against an unreachable or refusing CRM: errors name the failure, not the secret", { timeout: 300_000 }, async () => {
    const crm = new CrmProcess({ dataDir: path.join(tmp, "crm"), env: { CCFLOW_CLIENT_SECRET: SECRET } });
    await crm.start();
    try {
      const env = (secretRef: string, base: string) => {
        const file = path.join(tmp, `env-${Math.random().toString(36).slice(2)}.yaml`);
        writeFileSync(
          file,
          [
            "connectors:",
            `  - id: ${SEED_CONNECTOR}`,
            "    name: MSD_IVR_Connector",
            "    type: oauth2-client-credentials",
            `    resourceDomain: ${base}/api/data/v9.2/`,
            `    clientId: ${DEV_CREDENTIALS.clientId}`,
            `    clientSecret: ${secretRef}`,
            `    scope: ${base}/.default`,
            `    tokenUrl: ${base}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`,
            "",
          ].join("\n"),
        );
        return file;
      };
      const good = await ccflow("ccflow connector test (right secret)", ["connector", "test", "MSD_IVR_Connector", "--env", env("${REL_SECRET}", crm.httpUrl)], { REL_SECRET: SECRET });
      expect(good.code, good.out).toBe(0);
      const refused = await ccflow("ccflow connector test (wrong secret)", ["connector", "test", "MSD_IVR_Connector", "--env", env("${REL_SECRET}", crm.httpUrl)], { REL_SECRET: WRONG_SECRET });
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/invalid_client|AADSTS7000215/);
      const wrongCall = await ccflow("ccflow call (wrong secret)", ["call", secureFlow, "--ani", ANI, "--digits", "1", "--env", env("${REL_SECRET}", crm.httpUrl), "--data", path.join(tmp, "unused")], { REL_SECRET: WRONG_SECRET });
      expect(wrongCall.out).toMatch(/AADSTS7000215|invalid_client/);
      const down = await ccflow("ccflow call (CRM unreachable)", ["call", secureFlow, "--ani", ANI, "--digits", "1", "--env", env("${REL_SECRET}", "http://127.0.0.1:9"), "--data", path.join(tmp, "unused")], { REL_SECRET: SECRET });
      expect(down.out).toMatch(/refused|ECONNREFUSED|trouble reaching/);
      await ccflow("ccflow validate", ["validate", secureFlow, "--env", env("${REL_SECRET}", crm.httpUrl)], { REL_SECRET: SECRET });
    } finally {
      await crm.stop();
      for (const chunk of crm.output) scanner.scan(chunk, "CRM process output");
    }
  });

  it("ccflow serve: the log after start-up and the API's calls, contacts and agents show no secret, token or secure value", { timeout: 300_000 }, async () => {
    const server = new ServeProcess(["--data", path.join(tmp, "serve-data"), "--env", path.join(repoRoot, "examples/environment.yaml"), "--flow", secureFlow], { CCFLOW_CLIENT_SECRET: SECRET });
    await server.start();
    try {
      // The banner lists the demo callers read from the CRM (Yvonne among them): that is the CRM's
      // public demo data, not a flow's secure variable. What follows it is scanned.
      const bannerEnd = server.stdout.length;
      scanner.scan(server.stdout.replace(/Demo callers[\s\S]*?\n\n/, ""), "ccflow serve banner (demo callers left out)");
      const api = async (label: string, method: string, p: string, body?: unknown) => {
        const res = await server.api<Record<string, unknown>>(method, p, body);
        scanner.scan(JSON.stringify(res.body), `API ${label}`);
        return res;
      };
      await api("login", "POST", "/api/agents/ana/login", { available: true });
      const placed = await api("place call", "POST", "/api/calls", { ani: ANI });
      const id = placed.body.interactionId as string;
      await api("digits", "POST", `/api/calls/${id}/digits`, { digits: "1" });
      const until = Date.now() + 90_000;
      for (;;) {
        const agent = await api("agent", "GET", "/api/agents/ana");
        if (JSON.stringify(agent.body).includes('"offer')) break;
        if (Date.now() > until) throw new Error(`no offer for ana after 90 s: ${server.stdout.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await api("accept", "POST", "/api/agents/ana/accept", {});
      await new Promise((r) => setTimeout(r, 1_500));
      const call = await api("call", "GET", `/api/calls/${id}`);
      const contact = await api("contact", "GET", `/api/contacts/${id}`);
      await api("agents", "GET", "/api/agents");
      await api("queues", "GET", "/api/queues");
      // The agent sees the caller's name as the desktop shows secure data: masked.
      expect(JSON.stringify(contact.body)).toContain("******");
      expect(call.status).toBe(200);
      await api("end", "POST", "/api/agents/ana/end", {});
      expect((await server.stop("SIGTERM")).code).toBe(0);
      scanner.scan(server.stdout.slice(bannerEnd) + server.stderr, "ccflow serve log");
      outputs["ccflow serve"] = server.stdout.length + server.stderr.length;
    } finally {
      await server.stop("SIGKILL");
    }
  });

  afterAll(() => {
    recordFigures("secrets", { outputs, scannedChunks: scanner.scannedChunks, scannedKilobytes: Math.round(scanner.scannedChars / 1024), findings: scanner.findings.length });
  });

  it("found nothing", () => {
    expect(scanner.scannedChunks).toBeGreaterThan(10);
    expect(scanner.findings).toEqual([]);
  });
});
