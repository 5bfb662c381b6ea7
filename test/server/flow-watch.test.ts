/**
 * `ccflow serve --watch` from a user's side: a server on loopback serves a flow from a file in a
 * temp dir; a caller waits at its menu; the file is edited; a new call hears the new version,
 * the waiting caller finishes on the old one; then the file is broken, the server says which
 * file and why, and calls go on with the last good version. The same for a subflow from the
 * environment's `flows:` list.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlowCatalog } from "../../src/server/flows.js";
import { exportOf, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-watch-"));
const mainFile = join(dir, "main.json");
const subFile = join(dir, "sub.json");

function mainFlow(version: string, options: { broken?: boolean } = {}) {
  return exportOf({
    name: "Watched_Line",
    main: [
      { name: "Hello", type: "play-message", props: tts(`Hello from version ${version}.`) },
      { name: "Menu", type: "ivr-menu", props: { ...tts(`Press 1 (version ${version}).`), menuLinks: options.broken ? [] : ["1"], entryTimeout: 600 } },
      { name: "Sub", type: "subflow-handoff", props: { subflowVersion: { id: "Greeting_Sub" } } },
      { name: "Bye", type: "play-message", props: tts(`Goodbye from version ${version}.`) },
      { name: "Hangup", type: "disconnect-contact" },
    ],
    links: [
      ["Hello", "default", "Menu"],
      ["Menu", "1", "Sub"],
      ["Menu", "timeout", "Hangup"],
      ["Menu", "invalid", "Hangup"],
      ["Sub", "default", "Bye"],
      ["Bye", "default", "Hangup"],
    ],
  });
}

function subflow(version: string) {
  return exportOf({
    name: "Greeting_Sub",
    flowType: "SUBFLOW",
    main: [
      { name: "Start", type: "NewSubFlowStart" },
      { name: "Say", type: "play-message", props: tts(`Subflow version ${version}.`) },
      { name: "Done", type: "end-subflow" },
    ],
    links: [
      ["Start", "out", "Say"],
      ["Say", "default", "Done"],
    ],
  });
}

const write = (file: string, flow: unknown) => writeFileSync(file, JSON.stringify(flow, null, 2));

let t: TestServer;

beforeAll(async () => {
  write(mainFile, mainFlow("one"));
  write(subFile, subflow("one"));
  const catalog = await FlowCatalog.load([{ file: mainFile, source: "file", id: "watched" }], [subFile]);
  t = await startTestServer({ flows: catalog, extra: { watch: true } });
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function place(): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani: "+14805550188", flow: "watched" });
  expect(placed.status).toBe(201);
  return placed.body.interactionId as string;
}

async function prompts(id: string): Promise<string[]> {
  const contact = await t.call("GET", `/api/contacts/${id}`);
  return ((contact.body.events ?? []) as Loose[]).filter((e) => e.type === "prompt").map((e) => e.text as string);
}

async function atMenu(id: string, version: string) {
  await eventually(async () => ((await prompts(id)).includes(`Press 1 (version ${version}).`) ? true : undefined), `call ${id} at the menu of version ${version}`);
}

async function pressOneAndFinish(id: string): Promise<string[]> {
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), `call ${id} to end`);
  return prompts(id);
}

async function logged(pattern: RegExp, what: string): Promise<string> {
  return eventually(async () => t.logs.find((l) => pattern.test(l)), what);
}

describe("serve --watch", () => {
  it("runs new calls on the changed file, finishes calls in progress on the old version, and keeps the last good version when a change does not validate", async () => {
    expect(t.logs.some((l) => /flows: watching 2 flow files/.test(l))).toBe(true);
    const waiting = await place();
    await atMenu(waiting, "one");

    write(mainFile, mainFlow("two"));
    write(subFile, subflow("two"));
    await logged(/main\.json reloaded \("Watched_Line"\)/, "the main flow reloaded");
    await logged(/sub\.json reloaded \("Greeting_Sub"\)/, "the subflow reloaded");

    const fresh = await place();
    await atMenu(fresh, "two");
    expect(await pressOneAndFinish(fresh)).toEqual(["Hello from version two.", "Press 1 (version two).", "Subflow version two.", "Goodbye from version two."]);
    // The caller who was at the menu when the files changed finishes on the versions they started on.
    expect(await pressOneAndFinish(waiting)).toEqual(["Hello from version one.", "Press 1 (version one).", "Subflow version one.", "Goodbye from version one."]);

    write(mainFile, mainFlow("three", { broken: true }));
    const refusal = await logged(/main\.json changed but does not validate/, "the broken version refused");
    expect(refusal).toMatch(/^error: /);
    expect(refusal).toContain(mainFile);
    expect(refusal).toContain('Menu "Menu" has no options (menuLinks)');
    expect(refusal).toContain("still serving the version loaded before");

    const after = await place();
    await atMenu(after, "two");
    expect(await pressOneAndFinish(after)).toContain("Goodbye from version two.");

    write(mainFile, "{ not json");
    await logged(/main\.json changed but does not validate[\s\S]*(JSON|json)/, "unparsable file refused");
    const flows = await t.call("GET", "/api/flows");
    expect(flows.body).toEqual([expect.objectContaining({ id: "watched", name: "Watched_Line" })]);
  });
});
