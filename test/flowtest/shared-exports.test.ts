/**
 * Public exports in ../shared/flows that are not Cisco templates, unchanged, through their main
 * paths in `ccflow test` scenarios (test/flowtest/shared-exports/): the Cisco Live lab start flow
 * (answered; a callback taken from the comfort loop), the cherry-picker flow (call details posted,
 * help pop), the Salesforce bootcamp draft (a case id collected, the recent-cases pop), the FDE
 * appointment-scheduling playbook (booked by the AI agent, or escalated with a media stream) and
 * Instant Connect (meeting keys, the agent's meeting pop and the caller's SMS).
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite } from "../../src/flowtest/suite.js";
import { hasShared, repoRoot } from "../helpers/shared.js";

describe.skipIf(!hasShared)("public non-template exports in scenarios", () => {
  it("every scenario passes", async () => {
    const suite = await runSuite({ paths: [resolve(repoRoot, "test/flowtest/shared-exports")], jobs: 2 });
    expect(suite.problems).toEqual([]);
    const failed = suite.results.filter((r) => r.status !== "passed").map((r) => `${r.name}: ${[...r.problems, ...r.failures.map((f) => f.message)].join("; ")}`);
    expect(failed).toEqual([]);
    expect(suite.results.length).toBe(8);
    expect(new Set(suite.results.map((r) => r.flowName)).size).toBe(5);
  }, 120_000);
});
