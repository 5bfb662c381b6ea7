/**
 * Cisco's Flow Designer templates in ../shared/flows, unchanged, each through its main path in a
 * `ccflow test` scenario (test/flowtest/cisco-templates/): business hours, the comprehensive
 * inbound flow, the post-call survey, duplicate-callback avoidance, a blind transfer, and the
 * error-handler, queue-treatment, callback-collection and HTTP data-dip subflows run on their own.
 * Templates whose main path goes through an activity ccflow does not run yet (percent-allocation,
 * record, bridged-transfer) are left to the activities that add them.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite } from "../../src/flowtest/suite.js";
import { hasShared, repoRoot } from "../helpers/shared.js";

describe.skipIf(!hasShared)("Cisco's flow templates in scenarios", () => {
  it("every scenario passes", async () => {
    const suite = await runSuite({ paths: [resolve(repoRoot, "test/flowtest/cisco-templates")], jobs: 2 });
    expect(suite.problems).toEqual([]);
    const failed = suite.results.filter((r) => r.status !== "passed").map((r) => `${r.name}: ${[...r.problems, ...r.failures.map((f) => f.message)].join("; ")}`);
    expect(failed).toEqual([]);
    expect(suite.results.length).toBe(9);
    expect(new Set(suite.results.map((r) => r.flowName)).size).toBe(9);
  }, 120_000);
});
