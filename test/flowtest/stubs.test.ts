/**
 * `ccflow test` for flows that call things ccflow does not run: a scenario (or `--stub TYPE=port`)
 * stands in for an activity type, naming its port and outputs; `--verbose` prints passing
 * transcripts; an HTTP pattern may match the URL as sent; the environment's `flows:` list gives a
 * scenario its subflows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTestCommand } from "../../src/cli/commands/test.js";
import { exportOf, tts, type FlowSpec } from "../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-stubs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | FlowSpec): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(exportOf(content)));
  return path;
}

async function test(paths: string[], extra: Record<string, unknown> = {}) {
  let out = "";
  let err = "";
  const code = await runTestCommand(paths, { reporter: "text", jobs: "1", coverage: false, ...extra }, { out: (s) => (out += s), err: (s) => (err += s), cwd: dir });
  return { code, out, err };
}

// A survey split by an activity ccflow does not run, with the branch's description spoken.
write("split.json", {
  main: [
    { name: "Split", type: "percent-allocation-v9", props: { allocations: ["0", "1"] } },
    { name: "A", type: "play-message", props: tts("Branch A, {{Split.description}}.") },
    { name: "B", type: "play-message", props: tts("Branch B.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [["Split", "0", "A"], ["Split", "1", "B"], ["A", "default", "Bye"], ["B", "default", "Bye"]],
});

describe("stand-ins for activity types ccflow does not run", () => {
  it("a scenario's stubs: name the port and the outputs", async () => {
    const s = write(
      "split-a.scenario.yaml",
      `name: branch A
flow: split.json
stubs:
  percent-allocation-v9: { port: "0", outputs: { description: MainQueue } }
expect:
  prompts: ["Branch A, MainQueue."]
  activities: ["Split:0"]
`,
    );
    const { code, out } = await test([s]);
    expect(out).toContain("✓ branch A");
    expect(code).toBe(0);
  });

  it("--stub TYPE=port stands in for every scenario; --verbose prints a passing scenario's transcript", async () => {
    const s = write("split-b.scenario.yaml", `name: branch B\nflow: split.json\nexpect:\n  prompts: ["Branch B."]\n`);
    const { code, out } = await test([s], { stub: ["percent-allocation-v9=1"], verbose: true });
    expect(code).toBe(0);
    expect(out).toContain("✓ branch B");
    expect(out).toContain("transcript:");
    expect(out).toContain('B  says "Branch B."');
  });

  it("without a stub, the call takes the error path and the scenario says so", async () => {
    const s = write("split-none.scenario.yaml", `name: no stub\nflow: split.json\nexpect:\n  prompts: ["Branch B."]\n`);
    const { code, out } = await test([s]);
    expect(code).toBe(1);
    expect(out).toContain('activity type "percent-allocation-v9" is not supported');
  });

  it("refuses a stub for a type ccflow runs, and a malformed --stub", async () => {
    const s = write("stub-known.scenario.yaml", `name: stubs play-message\nflow: split.json\nstubs: { play-message: { port: default } }\nexpect:\n  prompts: ["x"]\n`);
    const { out } = await test([s]);
    expect(out).toContain('ccflow runs "play-message" itself; a stub stands in only for activity types it does not run');
    const bad = await test([s], { stub: ["percent-allocation-v9"] });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--stub must be TYPE=port");
  });
});

describe("HTTP patterns match the URL decoded or as sent", () => {
  it("a fixture and an expectation written with %2B match a request whose query holds +", async () => {
    write("ident.json", {
      variables: [{ name: "name", value: "" }],
      main: [
        {
          name: "Who",
          type: "http-request-v2",
          props: { authenticated: false, httpRequestMethod: "GET", httpRequestUrl: "https://journey.example/v1/identity?id=%2B14085550100", contentType: "JSON", outputVariableArray: [{ outputVariable: "name", jsonPathExp: "$.name" }] },
        },
        { name: "Hi", type: "play-message", props: tts("Hi {{name}}.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Who", "default", "Hi"], ["Hi", "default", "Bye"]],
    });
    const s = write(
      "ident.scenario.yaml",
      `name: raw match
flow: ident.json
http:
  - { path: "v1/identity?id=%2B1408*", body: { name: Ada } }
expect:
  prompts: ["Hi Ada."]
  http: [{ path: "v1/identity?id=%2B14085550100" }, { path: "v1/identity?id=+14085550100" }]
`,
    );
    const { code, out } = await test([s]);
    expect(out).toContain("✓ raw match");
    expect(code).toBe(0);
  });
});

describe("the environment's flows: list", () => {
  it("gives a scenario the subflows it calls", async () => {
    write("sub.json", {
      flowType: "SUBFLOW",
      name: "Sub",
      main: [{ name: "StartSubflow", type: "NewSubFlowStart" }, { name: "Inside", type: "play-message", props: tts("Inside the subflow.") }, { name: "Out", type: "end-subflow" }],
      links: [["StartSubflow", "out", "Inside"], ["Inside", "default", "Out"]],
    });
    write("env.yaml", "flows: [sub.json]\n");
    write("caller.json", { main: [{ name: "Go", type: "subflow", props: { subflowId: "Sub" } }, { name: "Bye", type: "disconnect-contact" }], links: [["Go", "default", "Bye"]] });
    const s = write("sub.scenario.yaml", `name: subflow\nflow: caller.json\nenvironment: env.yaml\nexpect:\n  prompts: ["Inside the subflow."]\n`);
    const { code, out } = await test([s]);
    expect(out).toContain("✓ subflow");
    expect(code).toBe(0);
  });
});
