/**
 * Percentage Allocation from the caller's side: each caller goes down one branch, chosen at random
 * in proportion to the branches' percentages (a 0 % branch never), the branch's share and
 * description readable by later activities; the same seed sends the same callers the same way, and
 * the environment can pin a branch for a test.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { pickAllocation } from "../../src/activities/percent-allocation.js";
import { activityScriptsSchema } from "../../src/environment/activity-scripts.js";
import { validateFlow } from "../../src/flow/validate.js";
import { seededRandom } from "../../src/util/seeded-random.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const share = (percent: number, desc: string) => JSON.stringify({ percent, desc });

// As Cisco's PercentageAllocation template exports it: 90 / 0 / 10, the 0 % branch "turned off".
function allocationFlow(inputs: string[] = [share(90, "MainQueue"), share(0, "OverflowSupport"), share(10, "Off Site")]) {
  const ports = inputs.map((_, i) => String(i));
  return buildFlow({
    main: [
      { name: "Split", type: "percent-allocation", group: "enum-gateway", props: { allocations: ports, allocations_input: inputs, "allocations:input": inputs } },
      ...ports.map((p) => ({ name: `Branch${p}`, type: "play-message", props: tts(`Branch ${p}: {{Split.description}} at {{Split.percentage}} percent.`) })),
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [...ports.map((p): [string, string, string] => ["Split", p, `Branch${p}`]), ...ports.map((p): [string, string, string] => [`Branch${p}`, "default", "Bye"])],
  });
}

const scripts = (over: Record<string, unknown> = {}) => activityScriptsSchema.parse(over);

describe("Percentage Allocation", () => {
  it("sends a caller down one branch and tells later activities its share and description", async () => {
    const { rec, port } = await runFlow(allocationFlow(), { env: { random: () => 0.95, scripts: scripts() } });
    expect(port("Split")).toBe("2");
    expect(rec.prompts()).toEqual(["Branch 2: Off Site at 10 percent."]);
    expect(rec.of("activity-result")).toEqual([expect.objectContaining({ kind: "allocation", activity: "Split", text: 'allocated to branch 2 "Off Site" (10 %)', data: { port: "2", percent: 10, description: "Off Site", pinned: false } })]);
  });

  it("splits 2,000 callers 90 / 0 / 10, the same way again with the same seed", async () => {
    const flow = allocationFlow();
    const route = async (seed: number) => {
      const random = seededRandom(seed);
      const counts: Record<string, number> = { "0": 0, "1": 0, "2": 0 };
      for (let i = 0; i < 2000; i++) counts[(await runFlow(flow, { env: { random, scripts: scripts() } })).port("Split")!]!++;
      return counts;
    };
    const first = await route(7);
    // Binomial spread for 2,000 callers at 10 %: σ ≈ 13; four σ either side.
    expect(first["0"]! + first["2"]!).toBe(2000);
    expect(first["1"]).toBe(0);
    expect(Math.abs(first["2"]! - 200)).toBeLessThan(54);
    expect(await route(7)).toEqual(first);
  });

  it("draws in proportion at the edges of the range", () => {
    const branches = [
      { port: "0", percent: 25, description: "" },
      { port: "1", percent: 0, description: "" },
      { port: "2", percent: 75, description: "" },
    ];
    expect(pickAllocation(branches, 0)!.port).toBe("0");
    expect(pickAllocation(branches, 0.2499)!.port).toBe("0");
    expect(pickAllocation(branches, 0.25)!.port).toBe("2");
    expect(pickAllocation(branches, 0.999999)!.port).toBe("2");
    expect(pickAllocation([{ port: "0", percent: 0, description: "" }], 0.5)).toBeUndefined();
  });

  it("takes the branch the environment pins, for a test of that branch", async () => {
    const { port, rec } = await runFlow(allocationFlow(), { env: { random: () => 0, scripts: scripts({ allocations: { Split: "2" } }) } });
    expect(port("Split")).toBe("2");
    expect(rec.of("activity-result")[0]!.text).toContain("pinned by the environment");
  });

  it("validates: the ports are the branches (and error); shares that do not add up to 100 are a warning, a missing share an error", () => {
    const registry = createRegistry();
    const split = [...allocationFlow().main.activities.values()].find((a) => a.name === "Split")!;
    expect(registry.lookup("percent-allocation")!.ports(split)).toEqual(["0", "1", "2", "error"]);
    expect(validateFlow(allocationFlow(), registry).filter((d) => d.activity?.name === "Split")).toEqual([]);
    const uneven = validateFlow(allocationFlow([share(50, "a"), share(30, "b")]), registry).filter((d) => d.activity?.name === "Split");
    expect(uneven).toEqual([expect.objectContaining({ severity: "warning", message: 'Percentage Allocation "Split": the branches add up to 80 %, not 100 %; ccflow draws in proportion' })]);
    const broken = validateFlow(allocationFlow([share(100, "a"), "{not json"]), registry).filter((d) => d.activity?.name === "Split");
    expect(broken).toEqual([expect.objectContaining({ severity: "error", code: "bad-property" })]);
    expect(broken[0]!.message).toContain("branch 1 has no percentage from 0 to 100");
  });

  it("with every branch at 0 %, takes its error port's path (OnGlobalError when unwired), saying why", async () => {
    const { rec } = await runFlow(allocationFlow([share(0, "a"), share(0, "b")]), { env: { random: () => 0.5, scripts: scripts() } });
    expect(rec.of("error")[0]!.message).toBe("Split: every branch is at 0 %, so no branch can be taken");
  });
});
