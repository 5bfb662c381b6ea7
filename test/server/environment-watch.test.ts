/**
 * `ccflow serve --watch` and the environment file, from a user's side: a server on loopback
 * serves a flow whose HTTP Request goes through connector `backend`, bound by an environment
 * file in a temp dir to backend A (a real HTTP server on a free port). A caller waits at the
 * menu; the environment file is edited to point `backend` at backend B, add a queue and an
 * entry point; a new call reaches B, the waiting caller's next request still goes to A. Then the
 * file is broken (bad YAML, then a connector with no URL): the server says which file and where,
 * and new calls stay bound by the last good version.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironmentFile } from "../../src/environment/load.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-env-watch-"));
const envFile = join(dir, "environment.yaml");

/** A backend answering `{"who": name}` on every path. */
async function backend(name: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ who: name }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const ask = (name: string) => ({
  name,
  type: "http-request-v2",
  props: { authenticated: true, connectorId: "backend", httpRequestMethod: "GET", httpRequestPath: "who", outputVariableArray: [{ jsonPathExp: "$.who", outputVariable: "Who" }] },
});

const flow = buildFlow({
  name: "Env_Watched",
  variables: [{ name: "Who", type: "STRING", value: "" }],
  main: [
    ask("Ask"),
    { name: "Say", type: "play-message", props: tts("Backend {{ Who }}.") },
    { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1."), menuLinks: ["1"], entryTimeout: 600 } },
    ask("AskAgain"),
    { name: "SayAgain", type: "play-message", props: tts("Now backend {{ Who }}.") },
    { name: "Hangup", type: "disconnect-contact" },
  ],
  links: [
    ["Ask", "default", "Say"],
    ["Say", "default", "Menu"],
    ["Menu", "1", "AskAgain"],
    ["Menu", "timeout", "Hangup"],
    ["Menu", "invalid", "Hangup"],
    ["AskAgain", "default", "SayAgain"],
    ["SayAgain", "default", "Hangup"],
  ],
});

function environmentText(backendUrl: string, extra = ""): string {
  return [`connectors:`, `  - id: backend`, `    name: Backend`, `    type: none`, `    resourceDomain: ${backendUrl}`, extra].join("\n") + "\n";
}

let t: TestServer;
let a: Awaited<ReturnType<typeof backend>>;
let b: Awaited<ReturnType<typeof backend>>;

beforeAll(async () => {
  a = await backend("A");
  b = await backend("B");
  writeFileSync(envFile, environmentText(a.url));
  const loaded = await loadEnvironmentFile(envFile);
  if (!loaded.ok) throw new Error(loaded.error);
  t = await startTestServer({ flows: [{ id: "watched", definition: flow }], extra: { environment: loaded.environment, watch: true } });
});

afterAll(async () => {
  await t?.close();
  a?.server.close();
  b?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function place(): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani: "+14805550177", flow: "watched" });
  expect(placed.status).toBe(201);
  return placed.body.interactionId as string;
}

async function prompts(id: string): Promise<string[]> {
  const contact = await t.call("GET", `/api/contacts/${id}`);
  return ((contact.body.events ?? []) as Loose[]).filter((e) => e.type === "prompt").map((e) => e.text as string);
}

const atMenu = (id: string) => eventually(async () => ((await prompts(id)).includes("Press 1.") ? true : undefined), `call ${id} at the menu`);

async function pressOneAndFinish(id: string): Promise<string[]> {
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), `call ${id} to end`);
  return prompts(id);
}

const logged = (pattern: RegExp, what: string, after = 0) => eventually(async () => t.logs.slice(after).find((l) => pattern.test(l)), what);

describe("serve --watch: the environment file", () => {
  it("binds a changed environment for new calls, keeps calls in progress on theirs, and refuses a version that does not parse or bind, naming file and place", async () => {
    await logged(/environment: watching .*environment\.yaml/, "the environment file watched");
    const waiting = await place();
    await atMenu(waiting);
    expect(await prompts(waiting)).toEqual(["Backend A.", "Press 1."]);

    let mark = t.logs.length;
    writeFileSync(envFile, environmentText(b.url, ["queues:", "  - id: Late_Queue", "    name: Late queue", "entryPoints:", '  "+18005550199": watched'].join("\n")));
    await logged(/environment: .*environment\.yaml reloaded/, "the environment reloaded", mark);
    expect(t.logs.slice(mark)).toContainEqual(expect.stringMatching(/environment: queue Late_Queue → added/));

    const fresh = await place();
    await atMenu(fresh);
    expect(await pressOneAndFinish(fresh)).toEqual(["Backend B.", "Press 1.", "Now backend B."]);
    // The caller who was waiting when the file changed keeps the connector binding they started with.
    expect(await pressOneAndFinish(waiting)).toEqual(["Backend A.", "Press 1.", "Now backend A."]);

    const queues = await t.call("GET", "/api/queues");
    expect((queues.body as Loose[]).map((q) => q.id)).toContain("Late_Queue");
    expect(t.server.context.runtime.environment.entryPoints).toEqual({ "+18005550199": "watched" });

    mark = t.logs.length;
    writeFileSync(envFile, "connectors:\n  - id: backend\n   name: [unclosed\n");
    const badYaml = await logged(/environment: .*changed but cannot be used/, "the unparsable version refused", mark);
    expect(badYaml).toMatch(/^error: /);
    expect(badYaml).toContain(`${envFile} is not valid YAML`);
    expect(badYaml).toMatch(/line \d+, column \d+/);

    mark = t.logs.length;
    writeFileSync(envFile, "connectors:\n  - id: backend\n    name: Backend\n    type: none\n");
    const unbindable = await logged(/environment: .*changed but cannot be used/, "the connector without a URL refused", mark);
    expect(unbindable).toMatch(/connectors\[0\]|backend/);
    expect(unbindable).toMatch(/resourceDomain/);

    const after = await place();
    await atMenu(after);
    expect(await pressOneAndFinish(after)).toEqual(["Backend B.", "Press 1.", "Now backend B."]);
  });
});
