/** `ccflow connector test` from an operator's side: one line per step, exit code, no secrets. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { isDataverse, readConnectors, testConnector } from "../../../src/cli/commands/connector.js";
import { main } from "../../../src/cli/main.js";
import { SystemClock } from "../../../src/time/clock.js";
import { startFixture, type Fixture } from "../../connectors/helpers/fixture-server.js";

const dir = mkdtempSync(path.join(tmpdir(), "ccflow-connector-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures: Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
  process.exitCode = undefined;
});

const CLIENT = "9d8c7b6a-0000-4111-8222-333344445555";
const SECRET = "cli-test-secret-~x9";

async function environment(): Promise<{ fixture: Fixture; file: string }> {
  const fixture = await startFixture({ clock: new SystemClock(), clientId: CLIENT, clientSecret: SECRET });
  fixtures.push(fixture);
  const file = path.join(dir, `env-${fixtures.length}.yaml`);
  writeFileSync(
    file,
    [
      "connectors:",
      "  - id: 8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710",
      "    name: MSD_IVR_Connector",
      "    type: oauth2-client-credentials",
      `    resourceDomain: ${fixture.apiBase}`,
      `    clientId: ${CLIENT}`,
      "    clientSecret: ${CLI_TEST_SECRET}",
      `    scope: ${fixture.audience}/.default`,
      `    tokenUrl: ${fixture.tokenUrl}`,
      "  - id: zd",
      "    name: Zendesk",
      "    type: basic",
      `    resourceDomain: ${fixture.origin}/zendesk/api/v2/`,
      "    username: agent@example.test",
      "    password: { dev: not-the-password }",
      "",
    ].join("\n"),
  );
  return { fixture, file };
}

describe("ccflow connector test", () => {
  it("fetches a token and calls WhoAmI, one line per step with timings", async () => {
    const { fixture, file } = await environment();
    fixture.script({ status: 200, body: { BusinessUnitId: "b", UserId: "11111111-2222-4333-8444-555555555555", OrganizationId: "o-1" } });
    const [msd] = await readConnectors(file, { CLI_TEST_SECRET: SECRET });
    const lines: string[] = [];
    expect(await testConnector(msd!, { timeoutMs: 5000, out: (l) => lines.push(l) })).toBe(true);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`connector MSD_IVR_Connector (8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710), oauth2-client-credentials, ${fixture.apiBase}`);
    expect(lines[1]).toMatch(new RegExp(`^token     POST ${fixture.tokenUrl} → ok in \\d+ ms, expires in 3599 s, scope ${fixture.audience}/\\.default$`));
    expect(lines[2]).toMatch(new RegExp(`^request   GET ${fixture.apiBase}WhoAmI → 200 in \\d+ ms \\(UserId 11111111-2222-4333-8444-555555555555, OrganizationId o-1\\)$`));
    expect(lines[3]).toBe("result    ok");
    expect(fixture.received[0]!.rawUrl).toBe("/api/data/v9.2/WhoAmI");
  });

  it("reports the token endpoint's refusal without the secret, and fails", async () => {
    const { fixture, file } = await environment();
    const [msd] = await readConnectors(file, { CLI_TEST_SECRET: "a-wrong-secret-value" });
    const lines: string[] = [];
    expect(await testConnector(msd!, { timeoutMs: 5000, out: (l) => lines.push(l) })).toBe(false);
    expect(lines[1]).toMatch(/^token {5}POST \S+ → failed in \d+ ms: token endpoint \S+ answered 401: invalid_client: AADSTS7000215: Invalid client secret provided\./);
    expect(lines.at(-1)).toBe("result    failed");
    expect(lines.join("\n")).not.toContain("a-wrong-secret-value");
    expect(fixture.received).toHaveLength(0);
  });

  it("shows a Basic connector's refusal as the request's status", async () => {
    const { file } = await environment();
    const [, zd] = await readConnectors(file, { CLI_TEST_SECRET: SECRET });
    const lines: string[] = [];
    expect(await testConnector(zd!, { timeoutMs: 5000, out: (l) => lines.push(l) })).toBe(false);
    expect(lines[1]).toBe("auth      Basic, user agent@example.test");
    expect(lines[2]).toMatch(/^request {3}GET http:\/\/127\.0\.0\.1:\d+\/zendesk\/api\/v2\/ → 401 in \d+ ms \(WWW-Authenticate: Bearer /);
    expect(lines.join("\n")).not.toContain("not-the-password");
  });

  it("recognises a Dataverse resource domain", () => {
    expect(isDataverse("https://org.api.crm.dynamics.com/api/data/v9.2/")).toBe(true);
    expect(isDataverse("https://org.api.crm.dynamics.com/api/data/v9.2")).toBe(true);
    expect(isDataverse("https://acme.zendesk.com/api/v2/")).toBe(false);
  });

  it("is wired into the ccflow command: unknown connector and missing env var are one-line errors", async () => {
    const { file } = await environment();
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
      err.push(String(s));
      return true;
    });
    try {
      delete process.env.CLI_TEST_SECRET;
      await main(["node", "ccflow", "connector", "test", "Nope", "--env", file]);
      expect(process.exitCode).toBe(1);
      expect(err.join("")).toBe(
        `ccflow: ${file}: connector "MSD_IVR_Connector" (8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710): clientSecret refers to environment variable CLI_TEST_SECRET, which is not set\n`,
      );
      err.length = 0;
      process.env.CLI_TEST_SECRET = SECRET;
      await main(["node", "ccflow", "connector", "test", "Nope", "--env", file]);
      expect(err.join("")).toBe(`ccflow: no connector "Nope" in ${file}; it defines MSD_IVR_Connector (8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710), Zendesk (zd)\n`);
    } finally {
      spy.mockRestore();
      delete process.env.CLI_TEST_SECRET;
    }
  });
});
