/**
 * No secret reaches what people and log collectors read, along the paths that could really leak
 * one, on a real server (embedded CRM, real HTTP, the example flow with ContactName and
 * CustomerID made isSecure, the app secret set through CCFLOW_CLIENT_SECRET):
 * - a person signs in with a stored user's password, and fails once with a wrong one;
 * - apps ask both token endpoints with a wrong secret, then the right one; the bearer token is
 *   used for REST calls, a WebSocket and a call whose flow reads the CRM through its connector
 *   (that connector's own token goes out in an Authorization header);
 * - requests that fail: a forged bearer token, a bad grant sent with the real secret.
 * Then the server's text log, its JSON log (what --log-json writes: pino at debug level), the
 * contact's trace and record, /metrics, the error bodies and the data directory's session and
 * user files, and the contact's OpenTelemetry spans as a collector on loopback received them, are
 * scanned for the client secrets, the passwords, the session id, every JWT, and the secure values. (test/reliability/secrets.test.ts does the same for the CLI's output.)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { UserStore } from "../../src/identity/user-store.js";
import { FlowCatalog } from "../../src/server/flows.js";
import { bearer, clientToken, openSocket, signIn } from "../helpers/api-auth.js";
import { repoRoot } from "../helpers/shared.js";
import { JWT, SecretScanner } from "../reliability/helpers/secret-scan.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../server/helpers.js";

const SECRET = `leak-test-secret-${process.pid}-Qw8!`;
const WRONG_SECRET = `leak-wrong-secret-${process.pid}-Zr4`;
const PASSWORD = `kims-password-${process.pid}`;
const WRONG_PASSWORD = `kims-wrong-password-${process.pid}`;
const SECURE_VALUES = { "secure ContactName": "Yvonne McKay", "secure CustomerID": "dc9bbbfe-e0e5-ed11-a7c7-0022482137b9" };
const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";
const ANI = "+14806754110";

const dir = mkdtempSync(join(tmpdir(), "ccflow-leak-"));
const dataDir = join(dir, "data");
const jsonLog: string[] = [];
const scanner = new SecretScanner({ "client secret": SECRET, "wrong client secret": WRONG_SECRET, password: PASSWORD, "wrong password": WRONG_PASSWORD, ...SECURE_VALUES });
let t: TestServer;
/** An OTLP/HTTP collector: what the server exports as traces. */
const exported: string[] = [];
let collector: Server;

function scanJwt(text: string, where: string): void {
  const m = JWT.exec(text);
  if (m) scanner.findings.push(`${where}: a JWT: ${m[0].slice(0, 24)}…`);
}

beforeAll(async () => {
  const raw = JSON.parse(readFileSync(resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json"), "utf8")) as { variables: Array<{ name: string; isSecure: boolean }> };
  for (const v of raw.variables) if (v.name === "ContactName" || v.name === "CustomerID") v.isSecure = true;
  const flowFile = join(dir, "Secure_Flow.json");
  writeFileSync(flowFile, JSON.stringify(raw));
  const users = UserStore.open(dataDir);
  await users.add({ username: "kim", name: "Kim Ito", roles: ["supervisor"] }, PASSWORD);
  users.close();
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      exported.push(Buffer.concat(chunks).toString("utf8"));
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
  });
  await new Promise<void>((done) => collector.listen(0, "127.0.0.1", done));
  t = await startTestServer({
    flows: await FlowCatalog.load([{ file: flowFile, source: "file" }]),
    crm: true,
    environment: { queues: [{ id: QUEUE, name: "Customer Care" }], agents: [{ id: "ana", name: "Ana Lima", queues: [QUEUE] }] },
    extra: { dataDir, processEnv: { CCFLOW_CLIENT_SECRET: SECRET }, logger: pino({ level: "debug" }, { write: (s: string) => void jsonLog.push(s) }), tracing: { endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces` } },
  });
}, 120_000);

afterAll(async () => {
  await t?.close();
  collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scanned(label: string, res: Response): Promise<string> {
  const text = await res.text();
  scanner.scan(text, label);
  return text;
}

describe("secrets along the paths that could leak them", () => {
  it("stay out of logs, traces, metrics, error messages and files", { timeout: 180_000 }, async () => {
    // People: a stored user's password, right and wrong.
    const kim = await signIn(t.url, "kim", PASSWORD);
    await expect(signIn(t.url, "kim", WRONG_PASSWORD)).rejects.toThrow(/401/);
    const sessionId = /ccflow_session=([^;]+)/.exec(kim.cookie)![1]!;
    scanner.add("session id", sessionId);

    // Apps: wrong, then right secrets at both token endpoints.
    const form = (secret: string, scope: string) => new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: secret, scope });
    const crmToken = `${t.url}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`;
    await scanned("identity token endpoint, wrong secret", await fetch(`${t.url}/identity/token`, { method: "POST", body: form(WRONG_SECRET, "api://ccflow/.default") }));
    await scanned("CRM token endpoint, wrong secret", await fetch(crmToken, { method: "POST", body: form(WRONG_SECRET, `${t.url}/.default`) }));
    await scanned("identity token endpoint, bad grant with the real secret", await fetch(`${t.url}/identity/token`, { method: "POST", body: new URLSearchParams({ grant_type: "password", client_id: DEV_CREDENTIALS.clientId, client_secret: SECRET }) }));
    const crmTokenBody = JSON.parse(await (await fetch(crmToken, { method: "POST", body: form(SECRET, `${t.url}/.default`) })).text()) as { access_token: string };
    scanner.add("CRM access token", crmTokenBody.access_token);
    const token = await clientToken(t.url, DEV_CREDENTIALS.clientId, SECRET);
    scanner.add("API access token", token);
    await scanned("forged bearer token", await fetch(`${t.url}/api/agents`, { headers: bearer(`${token.slice(0, -8)}AAAAAAAA`) }));
    await scanned("CRM token at the API", await fetch(`${t.url}/api/agents`, { headers: bearer(crmTokenBody.access_token) }));

    // A call whose flow reads the CRM (its connector sends its own bearer token), watched on a socket.
    const api = (path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, { ...init, headers: { ...bearer(token), "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });
    const watch = await openSocket(t.url, "/api/supervisor/ws", bearer(token));
    const frames: string[] = [];
    watch.addEventListener("message", (e) => frames.push(String(e.data)));
    await api("/api/agents/ana/login", { method: "POST", body: JSON.stringify({ available: true }) });
    const placed = (await (await api("/api/calls", { method: "POST", body: JSON.stringify({ ani: ANI }) })).json()) as { interactionId: string };
    const id = placed.interactionId;
    await api(`/api/calls/${id}/digits`, { method: "POST", body: JSON.stringify({ digits: "1" }) });
    const contact: Loose = await eventually(async () => {
      const body = (await (await api(`/api/contacts/${id}`)).json()) as Loose;
      const http = (body?.events ?? []).filter((e: Loose) => e.type === "http");
      return http.length > 0 && http.every((e: Loose) => e.status !== undefined || e.error !== undefined) ? body : undefined;
    }, "the flow's CRM lookup");
    expect((contact.events as Loose[]).filter((e) => e.type === "http").map((e) => e.status)).toContain(200);
    // The flow did learn the secure values: the desk shows them masked.
    expect(JSON.stringify(contact)).toContain("******");
    await api(`/api/calls/${id}/hangup`, { method: "POST", body: "{}" });
    await new Promise((r) => setTimeout(r, 500));
    watch.close();

    const trace = JSON.stringify(contact);
    scanner.scan(trace, "contact trace");
    scanJwt(trace, "contact trace");
    for (const path of ["/api/contacts", `/api/calls/${id}`, "/api/agents", "/metrics"]) {
      const text = await scanned(`GET ${path}`, await api(path));
      scanJwt(text, `GET ${path}`);
    }
    // /api/info lists the demo callers read from the CRM (Yvonne among them): the CRM's public
    // demo data, as the banner prints it, not the flow's secure variable. The rest is scanned.
    const info = (await (await api("/api/info")).json()) as { demo?: { callers?: unknown } };
    if (info.demo) delete info.demo.callers;
    scanner.scan(JSON.stringify(info), "GET /api/info (demo callers left out)");
    scanJwt(JSON.stringify(info), "GET /api/info");
    await scanned("GET /api/session (person)", await kim.fetch("/api/session"));
    const socketText = frames.join("\n");
    scanner.scan(socketText, "supervisor socket");
    scanJwt(socketText, "supervisor socket");

    await t.close();
    const textLog = t.logs.join("\n");
    scanner.scan(textLog, "text log");
    scanJwt(textLog, "text log");
    const json = jsonLog.join("");
    expect(json.length).toBeGreaterThan(0);
    scanner.scan(json, "JSON log");
    scanJwt(json, "JSON log");
    // The server's close sent the last spans.
    const otlp = exported.join("\n");
    expect(otlp).toContain(`"stringValue":"${id}"`);
    scanner.scan(otlp, "OTLP traces");
    scanJwt(otlp, "OTLP traces");

    // The data directory's own files: the sessions and users files hold neither ids nor passwords.
    for (const name of ["sessions.sqlite", "sessions.sqlite-wal", join("identity", "users.sqlite"), join("identity", "users.sqlite-wal")]) {
      const file = join(dataDir, name);
      let bytes: string;
      try {
        if (!statSync(file).isFile()) continue;
        bytes = readFileSync(file, "latin1");
      } catch {
        continue;
      }
      for (const [what, value] of [["session id", sessionId], ["password", PASSWORD], ["client secret", SECRET]] as const) {
        if (bytes.includes(value)) scanner.findings.push(`${name}: ${what}`);
      }
    }
    expect(readdirSync(dataDir)).toContain("sessions.sqlite");
    expect(scanner.scannedChunks).toBeGreaterThan(12);
    expect(scanner.findings).toEqual([]);
  });
});
