/**
 * The whole shared corpus under `ccflow call`, as a new user would try it: every export in
 * ../shared/flows and the seed flow, zero config, the caller pressing nothing, HTTP answered from
 * a fixtures file (so nothing leaves the machine; the embedded CRM answers Dataverse requests).
 * No call crashes, none prints a stack trace, each one ends, and the exit code says whether the
 * flow ended the call (0) or a runaway limit did (3). Connectors that are not Dataverse are
 * reported unbound with how to bind them, instead of being sent to the embedded CRM.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCall } from "../../src/cli/commands/call.js";
import { hasShared, seedFlowPath, sharedDir } from "../helpers/shared.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-corpus-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(dir, "fixtures.yaml");
writeFileSync(fixtures, "# nothing answers but the embedded CRM: every other request gets a 404\n[]\n");

const corpus = hasShared
  ? [...readdirSync(resolve(sharedDir, "flows")).filter((f) => f.endsWith(".json")).sort().map((f) => resolve(sharedDir, "flows", f)), seedFlowPath]
  : [];

async function call(flow: string, extra: Record<string, unknown> = {}) {
  let out = "";
  let err = "";
  const code = await runCall(flow, { ani: "+14805551234", dnis: "+18005550100", data: join(dir, "crm"), agent: true, force: true, fixtures, ...extra }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe.skipIf(!hasShared)("every shared flow under ccflow call", () => {
  it.each(corpus.map((p) => [p.split("/").pop()!, p]))(
    "%s runs to its end with no crash and no stack trace",
    async (_name, path) => {
      const { code, out, err } = await call(path);
      expect([0, 3]).toContain(code);
      expect(out + err).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(out + err).not.toMatch(/internal error|ENOTFOUND|EAI_AGAIN/);
      expect(out).toMatch(/call ended: [a-z-]+\n$/);
      if (code === 3) expect(err).toContain("stopped by a runaway limit");
    },
    120_000,
  );

  it("binds the seed's Dataverse connector to the embedded CRM, and says ServiceNow is unbound and how to bind it", async () => {
    const seed = await call(seedFlowPath);
    expect(seed.code).toBe(0);
    expect(seed.out).toContain("bound: connector 8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710 → embedded CRM");
    expect(seed.out).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/contacts\?.*→ 200/);

    const snow = await call(resolve(sharedDir, "flows/ServiceNow_HTTP_Connector.json"));
    expect(snow.out).toContain(
      "connector 599f6b5b-ae9c-469d-927e-1ac563d356dd is not bound: its requests (api/now/table/sys_user) are not Dataverse Web API requests, so the embedded CRM cannot answer them; bind it under connectors: in an environment file (--env), or answer it with --fixtures",
    );
    expect(snow.out).not.toContain("/api/data/v9.2/api/now");
  }, 120_000);
});
