/**
 * The scenarios this repository carries run in `npm test`: every one passes and together they
 * cover every reachable port of the flow they test. The seed flow is read from ../shared (never
 * copied here); its scenarios are skipped with a notice when that directory is absent.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite } from "../../src/flowtest/suite.js";
import { hasShared, repoRoot } from "../helpers/shared.js";

function failuresOf(suite: Awaited<ReturnType<typeof runSuite>>): string[] {
  return [
    ...suite.problems.map((p) => `${p.file}:${p.line ?? "?"} ${p.field ?? ""} ${p.message}`),
    ...suite.results.filter((r) => r.status === "failed" || r.status === "error").map((r) => `${r.name}: ${[...r.problems, ...r.failures.map((f) => `${f.expectation}: ${f.message}`)].join("; ")}`),
  ];
}

describe("example scenarios", () => {
  it("our example flow Dynamics_Priority_Routing_Flow: every scenario passes and covers 100% of its reachable ports", async () => {
    const suite = await runSuite({ paths: [resolve(repoRoot, "examples/scenarios/dynamics-priority-routing")] });
    expect(failuresOf(suite)).toEqual([]);
    expect(suite.passed).toBeGreaterThanOrEqual(9);
    expect(suite.coverage).toHaveLength(1);
    const c = suite.coverage[0]!;
    expect(c.flow).toBe("Dynamics_Priority_Routing_Flow");
    expect(c.totals.covered).toBe(c.totals.targets);
    expect(c.percent).toBe(100);
    // Every activity of the flow is reachable, and every one was run.
    expect(c.activities.every((a) => a.reachable && a.visits > 0)).toBe(true);
  });

  it.skipIf(!hasShared)("the seed flow, unchanged: every scenario passes and covers 100% of its reachable ports", async () => {
    const suite = await runSuite({ paths: [resolve(repoRoot, "examples/scenarios/seed")] });
    expect(failuresOf(suite)).toEqual([]);
    expect(suite.passed).toBeGreaterThanOrEqual(7);
    const c = suite.coverage[0]!;
    expect(c.flow).toBe("MSD_HTTP_Connector_Flow");
    expect(c.percent).toBe(100);
    expect(c.totals.activitiesRun).toBe(27);
    // The menu's wired error port cannot be taken (a literal prompt, not on a loop) and is not counted.
    const menu = c.activities.find((a) => a.name === "MainMenu")!;
    expect(menu.ports.map((p) => `${p.port}:${p.counted ? "counted" : p.reason}`)).toEqual(["1:counted", "2:counted", "timeout:counted", "invalid:counted", "error:this activity cannot fail as written"]);
  });
});
