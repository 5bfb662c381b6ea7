/**
 * The environment's `http.routes` from a user's side with `ccflow call --env`: a flow that calls
 * services this machine cannot reach runs against a canned answer for one URL and a local server
 * (real HTTP on loopback) for another, with no code and no fixtures file; `--fixtures` entries
 * still win over the routes for what they answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCall } from "../../src/cli/commands/call.js";
import { exportOf, tts, type FlowSpec } from "../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-call-routes-"));
let server: http.Server;
let base = "";
const seen: string[] = [];

beforeAll(async () => {
  // A stand-in for the CRM's API: answers any path with who asked for what.
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ tier: "gold", path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const get = (name: string, url: string, variable: string, path: string) => ({
  name,
  type: "http-request-v2",
  props: { authenticated: false, httpRequestMethod: "GET", httpRequestUrl: url, contentType: "JSON", outputVariableArray: [{ outputVariable: variable, jsonPathExp: path }] },
});

const flow: FlowSpec = {
  variables: [{ name: "journey", value: "" }, { name: "tier", value: "" }],
  main: [
    get("Journey", "https://journey.example.com/v1/people?identity={{NewPhoneContact.ANI | urlencode}}", "journey", "$.segment"),
    get("Crm", "https://acme.my.salesforce.com/services/data/v58.0/query?q=ani", "tier", "$.tier"),
    { name: "Say", type: "play-message", props: tts("Segment {{journey}}, tier {{tier}}.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [["Journey", "default", "Crm"], ["Crm", "default", "Say"], ["Say", "default", "Bye"]],
};

async function call(env: string, extra: Record<string, unknown> = {}) {
  let out = "";
  let err = "";
  const flowFile = file("journey.json", JSON.stringify(exportOf(flow)));
  const code = await runCall(flowFile, { ani: "+14085550100", dnis: "+18005550100", data: join(dir, "crm"), agent: true, env, ...extra }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe("ccflow call with the environment's http.routes", () => {
  it("answers one URL from a canned answer and sends another to a local server", async () => {
    const env = file(
      "env.yaml",
      [
        "http:",
        "  routes:",
        '    - url: "https://journey.example.com/v1/people?identity=+1408*"',
        "      fixture: { body: { segment: vip } }",
        '    - url: "https://*.my.salesforce.com/*"',
        `      to: ${base}/sf`,
        "",
      ].join("\n"),
    );
    const { code, out } = await call(env);
    expect(code).toBe(0);
    expect(out).toContain('says "Segment vip, tier gold."');
    expect(seen).toContain("GET /sf/services/data/v58.0/query?q=ani");
  });

  it("lets --fixtures answer first; the routes answer the rest", async () => {
    const env = file("env2.yaml", `http:\n  routes:\n    - url: "https://*"\n      to: ${base}\n`);
    const fixtures = file("answers.yaml", "- path: v1/people*\n  body: { segment: new }\n");
    const { code, out } = await call(env, { fixtures });
    expect(code).toBe(0);
    expect(out).toContain('says "Segment new, tier gold."');
  });

  it("refuses an environment whose route is neither a fixture nor a base URL, naming it", async () => {
    const env = file("env3.yaml", 'http:\n  routes:\n    - url: "https://journey.example.com/*"\n');
    const { code, err } = await call(env);
    expect(code).toBe(1);
    expect(err).toContain("http.routes[0]: a route has either to: (a base URL) or fixture: (an answer)");
  });
});
