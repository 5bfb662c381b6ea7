/**
 * `ccflow serve --watch` and the center's sections of the environment file, from a user's side:
 * the file in a temp dir is edited while the server runs, and the API shows the queues, teams and
 * agents as the file now says — a queue renamed with a new maximum wait, an agent moved to a new
 * team and a new queue (where, being Available, she waits for contacts at once), an agent removed,
 * one added, the ring timeout — while a change to a setting read only at the start
 * (center.serviceLevelSeconds, the records' figures) is named in the log as needing a restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironmentFile } from "../../src/environment/load.js";
import { supportFlow } from "./fixtures.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-env-center-"));
const envFile = join(dir, "environment.yaml");

const before = `
queues:
  - id: Q1
    name: First
    maxWaitSeconds: 600
teams:
  - id: T1
    name: Team One
agents:
  - id: ana
    name: Ana Lima
    email: ana@example.com
    teamId: T1
    queues: [Q1]
  - id: ben
    name: Ben Okafor
    queues: [Q1]
center:
  ringTimeoutSeconds: 15
`;

const after = `
queues:
  - id: Q1
    name: First line
    maxWaitSeconds: 30
  - id: Q2
    name: Second line
teams:
  - id: T2
    name: Team Two
agents:
  - id: ana
    name: Ana Lima-Souza
    email: ana.souza@example.com
    teamId: T2
    queues: [Q1, Q2]
  - id: dee
    name: Dee Park
    queues: [Q2]
center:
  ringTimeoutSeconds: 25
  serviceLevelSeconds: 30
`;

let t: TestServer;

beforeAll(async () => {
  writeFileSync(envFile, before);
  const loaded = await loadEnvironmentFile(envFile);
  if (!loaded.ok) throw new Error(loaded.error);
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], extra: { environment: loaded.environment, watch: true } });
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const logged = (pattern: RegExp, what: string, from = 0) => eventually(async () => t.logs.slice(from).find((l) => pattern.test(l)), what);
const queue = async (id: string) => ((await t.call("GET", "/api/queues")).body as Loose[]).find((q) => q.id === id);
const agents = async () => (await t.call("GET", "/api/agents")).body as Loose[];

describe("serve --watch: queues, teams and agents", () => {
  it("applies changed queue settings, teams and agents at once, and names what needs a restart", async () => {
    await logged(/environment: watching .*environment\.yaml/, "the environment file watched");
    expect((await t.call("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    expect(await queue("Q1")).toMatchObject({ name: "First", maxWaitSeconds: 600, availableAgents: 1 });

    const mark = t.logs.length;
    writeFileSync(envFile, after);
    await logged(/environment: .*environment\.yaml reloaded/, "the environment reloaded", mark);
    const lines = t.logs.slice(mark);
    expect(lines).toContainEqual(expect.stringMatching(/queue Q1 → name "First line", maxWaitSeconds 30 \(for contacts queued from now on\)/));
    expect(lines).toContainEqual(expect.stringMatching(/team T2 → added/));
    expect(lines).toContainEqual(expect.stringMatching(/team T1 → removed/));
    expect(lines).toContainEqual(expect.stringMatching(/agent ana → name "Ana Lima-Souza", email ana\.souza@example\.com, team T2, queues Q1, Q2/));
    expect(lines).toContainEqual(expect.stringMatching(/agent ben → removed/));
    expect(lines).toContainEqual(expect.stringMatching(/agent dee → added \(signed out\)/));
    expect(lines).toContainEqual(expect.stringMatching(/center\.ringTimeoutSeconds → 25 \(offers made from now on/));
    expect(lines.filter((l) => /restart to apply/.test(l))).toEqual([expect.stringMatching(/^warn: environment: .*environment\.yaml: center\.serviceLevelSeconds changed; it is read when the server starts: restart to apply$/)]);

    expect(await queue("Q1")).toMatchObject({ name: "First line", maxWaitSeconds: 30, availableAgents: 1 });
    // Available when her queues changed: she waits in the new queue's ordering at once.
    expect(await queue("Q2")).toMatchObject({ name: "Second line", availableAgents: 1 });
    const now = await agents();
    expect(now.map((a) => a.id).sort()).toEqual(["dee", "ana"].sort());
    expect(now.find((a) => a.id === "ana")).toMatchObject({ name: "Ana Lima-Souza", email: "ana.souza@example.com", teamId: "T2", teamName: "Team Two", queues: ["Q1", "Q2"], state: "Available" });
    expect(now.find((a) => a.id === "dee")).toMatchObject({ state: "LoggedOut", queues: ["Q2"] });
    expect((await t.call("POST", "/api/agents/ben/login")).status, "ben is gone").toBe(404);

    // Removed while Available: signed out first, then gone.
    const mark2 = t.logs.length;
    writeFileSync(envFile, after.replace(/ {2}- id: ana\n( {4}.*\n)+/, ""));
    await logged(/agent ana → removed \(signed out first\)/, "ana removed", mark2);
    expect((await agents()).map((a) => a.id)).toEqual(["dee"]);
    expect(await queue("Q2")).toMatchObject({ availableAgents: 0 });
  });
});
