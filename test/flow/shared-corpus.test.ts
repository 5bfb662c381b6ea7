/**
 * `ccflow validate` over every public export in ../shared/flows and the seed flow: each flow
 * validates clean — no error — except where the export itself holds something Webex refuses at
 * publish, and each such case is named here with why. What Webex tolerates (an activity type
 * ccflow does not run yet, an unwired port, a prompt-less Play Message) is at most a warning.
 */
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { validateFiles } from "../../src/cli/commands/validate.js";
import { readFlowFile } from "../../src/flow/read-file.js";
import { allActivities } from "../../src/flow/validate.js";
import { hasShared, seedFlowPath, sharedDir } from "../helpers/shared.js";

const flowsDir = resolve(sharedDir, "flows");
const corpus = hasShared ? [...readdirSync(flowsDir).filter((f) => f.endsWith(".json")).sort().map((f) => resolve(flowsDir, f)), seedFlowPath] : [];

/** The errors Webex would also refuse, per file: code, activity and why. Every other file: none. */
const REFUSED: Record<string, Array<{ code: string; activity: string; why: string }>> = {
  // A lab template: the attendee picks the queue. Its export says `validating: false` (a draft);
  // Flow Designer does not publish a Queue Contact with no queue.
  "PartnerSummit_flow_template.json": [{ code: "missing-property", activity: "QueueContact_ypp", why: "names no queue" }],
  // A typo in the published sample: `{{[phoneNumber}}` opens a list literal it never closes.
  "Salesforce_HTTP_Connector_Flow.json": [{ code: "bad-expression", activity: "AccountByANI", why: "httpRequestPath does not parse" }],
};

const name = (path: string) => path.split("/").pop()!;

describe.skipIf(!hasShared)("ccflow validate over the whole shared corpus", () => {
  it("covers every export in ../shared/flows and the seed flow", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(28);
    for (const file of Object.keys(REFUSED)) expect(corpus.map(name)).toContain(file);
  });

  it.each(corpus.map((p) => [name(p), p]))("%s: exactly the errors Webex would refuse", async (file, path) => {
    const [report] = await validateFiles([path]);
    expect(report!.flow).toBeDefined();
    const errors = report!.diagnostics.filter((d) => d.severity === "error").map((d) => ({ code: d.code, activity: d.activity?.name }));
    const expected = (REFUSED[file] ?? []).map(({ code, activity }) => ({ code, activity }));
    expect(errors).toEqual(expected);
    expect(report!.valid).toBe(expected.length === 0);
    for (const d of report!.diagnostics) {
      expect(d.path.startsWith("$")).toBe(true);
      expect(d.message).not.toMatch(/\n\s+at /);
    }
    for (const r of REFUSED[file] ?? []) {
      expect(report!.diagnostics.find((d) => d.severity === "error" && d.activity?.name === r.activity)?.message).toContain(r.why);
    }
  });

  it.each(corpus.map((p) => [name(p), p]))("%s: each activity type ccflow does not run is one warning naming it", async (_file, path) => {
    const registry = createRegistry();
    const read = await readFlowFile(path);
    const unknownTypes = [...new Set([...allActivities(read.flow!)].map((a) => a.type).filter((t) => t !== "(none)" && !registry.lookup(t)))].sort();
    const [report] = await validateFiles([path]);
    const warned = report!.diagnostics.filter((d) => d.code === "unknown-activity");
    expect(warned.every((d) => d.severity === "warning")).toBe(true);
    expect(warned.map((d) => /^Activity type "([^"]+)"/.exec(d.message)?.[1]).sort()).toEqual(unknownTypes);
  });
});
