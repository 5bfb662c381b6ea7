/**
 * `ccflow diff` as a command: exit 0 for the same flow, 1 for a difference, 2 when a file cannot
 * be read; text, Markdown or JSON; and `--textconv` for git's diff driver.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDiffCommand } from "../../../src/cli/commands/diff.js";
import { exportOf, tts, type FlowSpec } from "../../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (text: string): FlowSpec => ({ name: "Hello", main: [{ name: "Greet", type: "play-message", props: tts(text) }, { name: "Bye", type: "disconnect-contact" }], links: [["Greet", "default", "Bye"]] });
const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
};
const a = write("a.json", exportOf(spec("Hello")));
const b = write("b.json", exportOf(spec("Hello there")));
const moved = write("moved.json", { ...exportOf(spec("Hello")), diagram: { widgets: { "m-Greet": { point: { x: 500, y: 80 } } } }, lastModifiedDate: "2027-02-02" });

async function diff(files: string[], opts: { format?: string; textconv?: boolean } = {}) {
  let out = "";
  let err = "";
  const code = await runDiffCommand(files, opts, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("ccflow diff", () => {
  it("exits 0 for a copy changed only in layout, 1 for a changed prompt", async () => {
    const same = await diff([a, moved]);
    expect(same.code).toBe(0);
    expect(same.out).toContain("the same flow (layout and export details aside)");
    const changed = await diff([a, b]);
    expect(changed.code).toBe(1);
    expect(changed.out).toBe(`${a} → ${b}\n  1 changed\n\nMain flow\n  ~ Greet (play-message)\n      promptsTts[0].value: "Hello" → "Hello there"\n`);
  });

  it("prints JSON with the same content", async () => {
    const r = await diff([a, b], { format: "json" });
    const json = JSON.parse(r.out) as { same: boolean; changed: Array<{ activity: { name: string }; changes: unknown[] }> };
    expect(json.same).toBe(false);
    expect(json.changed[0]).toMatchObject({ activity: { name: "Greet" }, changes: [{ path: "promptsTts[0].value", old: "Hello", new: "Hello there" }] });
  });

  it("exits 2 with one readable line when a file is missing, not JSON, or the format is unknown", async () => {
    const missing = await diff([a, join(dir, "nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`ccflow: ${join(dir, "nope.json")}: Cannot read ${join(dir, "nope.json")}: no such file\n`);
    const broken = await diff([a, write("broken.json", "{ not json")]);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/Not valid JSON at line 1, column 3/);
    expect((await diff([a, b], { format: "html" })).code).toBe(2);
    expect((await diff([a])).code).toBe(2);
  });

  it("--textconv prints one flow as stable text that ignores layout", async () => {
    const one = await diff([a], { textconv: true });
    const two = await diff([moved], { textconv: true });
    expect(one.code).toBe(0);
    expect(one.out).toBe(two.out);
    expect(one.out).toContain("main Greet (play-message) id m-Greet\n");
    expect(one.out).toContain("  —default→ Bye\n");
  });
});
