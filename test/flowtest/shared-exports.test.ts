/**
 * Public exports in ../shared/flows that are not Cisco templates, unchanged, through their main
 * paths in `ccflow test` scenarios (test/flowtest/shared-exports/): the Cisco Live lab start flow
 * (answered; a callback taken from the comfort loop), the cherry-picker flow (call details posted,
 * help pop), the Salesforce bootcamp draft (a case id collected, the recent-cases pop), the FDE
 * appointment-scheduling playbook (booked by the AI agent, or escalated with a media stream),
 * Instant Connect (meeting keys, the agent's meeting pop and the caller's SMS), the Cisco Live
 * sales/service flows (sales answered; a callback with the number read back, or another number;
 * Spanish with the sales treatment; a ticket's owner looked up and waited for), the ServiceNow CCIF
 * template (interaction created, answered with the transcript stream; or closed as abandoned) and
 * the LAB-2351 backup of MainFlow_template (team routing; the task lookup raising the priority).
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
    expect(suite.results.length).toBe(17);
    // MainFlow_template_backup.json names itself MainFlow_template.
    expect(new Set(suite.results.map((r) => r.flowFile)).size).toBe(9);
  }, 120_000);
});
