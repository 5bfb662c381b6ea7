/**
 * Cisco's Flow Designer templates in ../shared/flows, unchanged, each through its main path in a
 * `ccflow test` scenario (test/flowtest/cisco-templates/): business hours, the comprehensive
 * inbound flow, the post-call survey, duplicate-callback avoidance, a blind transfer and a bridged
 * one (the far end answers and the caller comes back to the queue, or it never answers), and the
 * error-handler, queue-treatment, callback-collection and HTTP data-dip subflows run on their own,
 * Percentage Allocation (branches pinned: announced and queued with a pop and a survey, or sent off
 * site) and Recording (a confirmed voicemail uploaded, a queued call with a recorded survey after
 * the agent, a silent caller cut off by the record's no-input timeout).
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
    expect(suite.results.length).toBe(16);
    expect(new Set(suite.results.map((r) => r.flowName)).size).toBe(11);
  }, 120_000);
});
