/**
 * What `ccflow serve` offers to call: main flows only. A subflow — listed under the environment's
 * `flows:`, or a SUBFLOW export given with --flow — is loaded for the flows that call it, and is
 * not offered as a flow to call.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FlowCatalog, FlowCatalogError } from "../../src/server/flows.js";
import { exportOf, tts } from "../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-catalog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, spec: Parameters<typeof exportOf>[0]) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(exportOf(spec)));
  return path;
};

const sub = file("sub.json", {
  flowType: "SUBFLOW",
  name: "Treatment",
  main: [{ name: "StartSubflow", type: "NewSubFlowStart" }, { name: "Wait", type: "play-message", props: tts("Please wait.") }, { name: "Out", type: "end-subflow" }],
  links: [["StartSubflow", "out", "Wait"], ["Wait", "default", "Out"]],
});
const other = file("other-sub.json", {
  flowType: "SUBFLOW",
  name: "Survey",
  main: [{ name: "StartSubflow", type: "NewSubFlowStart" }, { name: "Out", type: "end-subflow" }],
  links: [["StartSubflow", "out", "Out"]],
});
const main = file("main.json", { name: "Inbound", main: [{ name: "Go", type: "subflow", props: { subflowId: "Treatment" } }, { name: "Bye", type: "disconnect-contact" }], links: [["Go", "default", "Bye"]] });

describe("ccflow serve's flow catalog", () => {
  it("offers main flows; the environment's flows: and SUBFLOW exports are loaded but not offered", async () => {
    const catalog = await FlowCatalog.load([{ file: main, source: "file" }, { file: other, source: "file" }], [sub]);
    expect(catalog.list().map((f) => f.name)).toEqual(["Inbound"]);
    expect(catalog.library.map((f) => f.name).sort()).toEqual(["Survey", "Treatment"]);
    expect(catalog.find("Treatment")).toBeUndefined();
  });

  it("refuses to serve only subflows, saying why", async () => {
    await expect(FlowCatalog.load([{ file: sub, source: "file" }])).rejects.toThrow(FlowCatalogError);
    await expect(FlowCatalog.load([{ file: sub, source: "file" }])).rejects.toThrow(/every flow given is a subflow/);
  });
});
