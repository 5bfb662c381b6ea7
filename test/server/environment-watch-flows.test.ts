/**
 * `ccflow serve --watch` and the environment's `flows:` list, from a user's side: a main flow
 * hands callers to subflow Greeting_Sub, listed in the environment file. The file is edited to
 * drop it — a new call no longer reaches it — then to list another file holding a new version —
 * a new call hears that one — and that newly listed file is itself watched: saving it changes
 * what the next call hears.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironmentFile } from "../../src/environment/load.js";
import { FlowCatalog } from "../../src/server/flows.js";
import { exportOf, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-env-flows-"));
const envFile = join(dir, "environment.yaml");
const mainFile = join(dir, "main.json");
const subOne = join(dir, "sub-one.json");
const subTwo = join(dir, "sub-two.json");

const mainFlow = exportOf({
  name: "Listed_Line",
  main: [
    { name: "Sub", type: "subflow-handoff", props: { subflowVersion: { id: "Greeting_Sub" } } },
    { name: "Bye", type: "play-message", props: tts("Goodbye.") },
    { name: "Hangup", type: "disconnect-contact" },
  ],
  links: [
    ["Sub", "default", "Bye"],
    ["Bye", "default", "Hangup"],
  ],
});

const subflow = (version: string) =>
  exportOf({
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

const write = (file: string, content: unknown) => writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
const listing = (...files: string[]) => `flows:\n${files.map((f) => `  - ${f}\n`).join("")}`;

let t: TestServer;

beforeAll(async () => {
  write(mainFile, mainFlow);
  write(subOne, subflow("one"));
  write(subTwo, subflow("two"));
  write(envFile, listing("sub-one.json"));
  const loaded = await loadEnvironmentFile(envFile);
  if (!loaded.ok) throw new Error(loaded.error);
  const catalog = await FlowCatalog.load([{ file: mainFile, source: "file", id: "listed" }], [subOne]);
  t = await startTestServer({ flows: catalog, extra: { environment: loaded.environment, watch: true } });
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(): Promise<string[]> {
  const id = (await t.call("POST", "/api/calls", { ani: "+14805550199", flow: "listed" })).body.interactionId as string;
  await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), `call ${id} to end`);
  const contact = await t.call("GET", `/api/contacts/${id}`);
  return ((contact.body.events ?? []) as Loose[]).filter((e) => e.type === "prompt").map((e) => e.text as string);
}

const logged = (pattern: RegExp, what: string, from = 0) => eventually(async () => t.logs.slice(from).find((l) => pattern.test(l)), what);

describe("serve --watch: the environment's flows: list", () => {
  it("drops a subflow the list no longer names, serves one it names now, and watches that file", async () => {
    await logged(/environment: watching/, "the environment file watched");
    expect(await call()).toEqual(["Subflow version one.", "Goodbye."]);

    let mark = t.logs.length;
    write(envFile, "flows: []\n");
    await logged(/environment: flows: .*sub-one\.json removed \("Greeting_Sub"\)/, "sub-one removed", mark);
    expect(t.logs.slice(mark).some((l) => /restart to apply/.test(l)), "no restart asked").toBe(false);
    expect(await call()).not.toContain("Subflow version one.");

    mark = t.logs.length;
    write(envFile, listing("sub-two.json"));
    await logged(/environment: flows: .*sub-two\.json added \("Greeting_Sub"\)/, "sub-two added", mark);
    expect(await call()).toEqual(["Subflow version two.", "Goodbye."]);

    // The newly listed file is watched for its own changes.
    mark = t.logs.length;
    write(subTwo, subflow("three"));
    await logged(/flows: .*sub-two\.json reloaded \("Greeting_Sub"\)/, "sub-two reloaded", mark);
    expect(await call()).toEqual(["Subflow version three.", "Goodbye."]);

    // And one that does not validate is named, and not served.
    mark = t.logs.length;
    write(join(dir, "broken.json"), "{ not json");
    write(envFile, listing("sub-two.json", "broken.json"));
    const refused = await logged(/environment: flows: .*broken\.json is listed now but cannot be served/, "broken refused", mark);
    expect(refused).toMatch(/^error: /);
    expect(await call()).toEqual(["Subflow version three.", "Goodbye."]);
  });
});
