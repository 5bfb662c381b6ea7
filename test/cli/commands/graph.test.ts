/** `ccflow graph` from a reviewer's side: a picture of the flow to put in a pull request. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runGraphCommand } from "../../../src/cli/commands/graph.js";
import { runTestCommand } from "../../../src/cli/commands/test.js";
import { repoRoot } from "../../helpers/shared.js";

const example = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
const dir = mkdtempSync(join(tmpdir(), "ccflow-graph-"));

async function graph(flow: string, opts: Record<string, string | undefined>) {
  const chunks: Array<string | Buffer> = [];
  let err = "";
  const code = await runGraphCommand(flow, opts, { out: (s) => chunks.push(s), err: (s) => (err += s) });
  return { code, out: chunks.map((c) => c.toString()).join(""), err };
}

describe("ccflow graph", () => {
  it("prints SVG by default, and writes SVG, PNG or Mermaid by the file's extension", async () => {
    const printed = await graph(example, {});
    expect(printed.code).toBe(0);
    expect(printed.out.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const [file, check] of [
      ["flow.svg", (b: Buffer) => b.toString().includes("Dynamics_Priority_Routing_Flow")],
      ["flow.png", (b: Buffer) => b.subarray(1, 4).toString() === "PNG"],
      ["flow.md", (b: Buffer) => b.toString().startsWith("flowchart LR\n")],
    ] as const) {
      const r = await graph(example, { out: join(dir, file) });
      expect(r.code, file).toBe(0);
      expect(r.err).toBe(`wrote ${join(dir, file)}\n`);
      expect(check(readFileSync(join(dir, file)))).toBe(true);
    }
    const mermaid = await graph(example, { format: "mermaid" });
    expect(mermaid.out.startsWith("flowchart LR")).toBe(true);
  });

  it("refuses to write a file whose extension names another format (x.jpg, x.png with --format svg)", async () => {
    const jpg = join(dir, "x.jpg");
    const r = await graph(example, { out: jpg });
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ccflow: cannot write SVG to ${jpg}: ccflow graph writes .svg, .png or .md/.mmd (Mermaid), not .jpg\n`);
    expect(() => readFileSync(jpg)).toThrow();
    const png = join(dir, "y.png");
    expect((await graph(example, { out: png, format: "svg" })).err).toBe(`ccflow: --format svg does not match ${png} (a .png file holds PNG)\n`);
  });

  it("highlights what the scenarios covered, from ccflow test --coverage-out", async () => {
    const coverage = join(dir, "coverage.json");
    const test = await runTestCommand([resolve(repoRoot, "examples/scenarios/dynamics-priority-routing/goodbye.scenario.yaml")], { reporter: "text", jobs: "1", coverage: false, coverageOut: coverage }, { out: () => undefined, err: () => undefined, cwd: dir });
    expect(test).toBe(0);
    const r = await graph(example, { coverage });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/data-from="MainMenu" data-port="2" data-to="Goodbye" d="[^"]+" fill="none" stroke="#1a9850"/);
    expect(r.out).toMatch(/data-from="MainMenu" data-port="1" data-to="QueueByCasePriority" d="[^"]+" fill="none" stroke="#d73027"/);
    const md = await graph(example, { coverage, format: "mermaid" });
    expect(md.out).toContain("classDef covered");
  });

  it("one-line errors: unknown format, PNG to a terminal, a missing flow, a coverage file for another flow", async () => {
    expect((await graph(example, { format: "gif" })).err).toBe('ccflow: --format must be svg, png or mermaid, not "gif"\n');
    expect((await graph(example, { format: "png" })).err).toBe("ccflow: a PNG needs --out <file.png> (it is not printed to the terminal)\n");
    expect((await graph(join(dir, "nope.json"), {})).err).toBe(`ccflow: Cannot read ${join(dir, "nope.json")}: no such file\n`);
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ format: "ccflow-coverage", version: 1, flows: [{ flow: "Elsewhere", file: "elsewhere.json", activities: [] }] }));
    expect((await graph(example, { coverage: other })).err).toBe(`ccflow: ${other} has no coverage for the flow Dynamics_Priority_Routing_Flow (it covers Elsewhere)\n`);
    writeFileSync(other, "{}");
    expect((await graph(example, { coverage: other })).err).toBe(`ccflow: ${other} is not a coverage file from ccflow test --coverage-out\n`);
  });
});
