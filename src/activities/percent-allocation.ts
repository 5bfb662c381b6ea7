/**
 * Percentage Allocation (`percent-allocation`): sends each contact down one of its branches at
 * random, weighted by the branch's percentage. `allocations` lists the ports (`"0"`, `"1"`, …);
 * `allocations_input` (or its twin `allocations:input`) holds one JSON text `{percent, desc}` per
 * port, a 0 % branch being "turned off". Outputs `<name>.percentage` and `<name>.description` of
 * the branch taken. The draw comes from the environment's seedable random source, and the
 * environment's `activities.allocations` can pin an activity to one branch for a test.
 */
import type { ActivityDef } from "../flow/types.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivityContext, CompiledActivitySpec } from "./types.js";

export interface Allocation {
  port: string;
  percent: number;
  description: string;
}

interface ReadAllocations {
  allocations: Allocation[];
  problems: string[];
}

function entryOf(raw: unknown): { percent?: unknown; desc?: unknown } | undefined {
  if (raw && typeof raw === "object") return raw as { percent?: unknown; desc?: unknown };
  if (typeof raw !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === "object" ? (parsed as { percent?: unknown; desc?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the branches from the properties (each time: the compiled step keeps its own). */
export function allocationsOf(def: ActivityDef): ReadAllocations {
  const p = def.properties;
  const ports = Array.isArray(p.allocations) ? p.allocations.map((x) => String(x)) : [];
  const inputs = [p.allocations_input, p["allocations:input"]].find(Array.isArray) as unknown[] | undefined;
  const problems: string[] = [];
  const allocations = ports.map((port, i) => {
    const entry = entryOf(inputs?.[i]);
    const percent = typeof entry?.percent === "number" ? entry.percent : typeof entry?.percent === "string" && entry.percent.trim() !== "" ? Number(entry.percent) : NaN;
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) problems.push(`branch ${port} has no percentage from 0 to 100 (allocations_input[${i}] is ${JSON.stringify(inputs?.[i] ?? null)})`);
    return { port, percent: Number.isFinite(percent) && percent > 0 ? Math.min(percent, 100) : 0, description: typeof entry?.desc === "string" ? entry.desc : "" };
  });
  return { allocations, problems };
}

/** The branch a draw in [0, 1) falls in, by cumulative weight over the branches' total. */
export function pickAllocation(allocations: readonly Allocation[], draw: number): Allocation | undefined {
  const total = allocations.reduce((sum, a) => sum + a.percent, 0);
  if (total <= 0) return undefined;
  let point = draw * total;
  for (const a of allocations) {
    if (a.percent <= 0) continue;
    if (point < a.percent) return a;
    point -= a.percent;
  }
  // Rounding at the very top of the range: the last branch that is on.
  return [...allocations].reverse().find((a) => a.percent > 0);
}

const percentAllocation: CompiledActivitySpec = {
  type: "percent-allocation",
  ports: (def) => [...allocationsOf(def).allocations.map((a) => a.port), "error"],
  validate(def, report) {
    const { allocations, problems } = allocationsOf(def);
    for (const problem of problems) report({ severity: "error", code: "bad-property", message: `Percentage Allocation "${def.name}": ${problem}`, path: "allocations_input" });
    if (allocations.length === 0) {
      report({ severity: "error", code: "missing-property", message: `Percentage Allocation "${def.name}" has no branches`, path: "allocations" });
      return;
    }
    const total = allocations.reduce((sum, a) => sum + a.percent, 0);
    if (problems.length === 0 && Math.abs(total - 100) > 1e-9) {
      report({ severity: "warning", code: "bad-property", message: `Percentage Allocation "${def.name}": the branches add up to ${total} %, not 100 %; ccflow draws in proportion`, path: "allocations_input" });
    }
  },
  compile(def) {
    const { allocations } = allocationsOf(def);
    return { run: (ctx) => allocate(ctx, def, allocations) };
  },
};

/** One call's draw over the branches read when the flow was compiled. */
function allocate(ctx: ActivityContext, def: ActivityDef, allocations: readonly Allocation[]): string {
  const pinned = ctx.env.scripts?.allocations[def.name];
  let chosen: Allocation | undefined;
  if (pinned !== undefined) {
    chosen = allocations.find((a) => a.port === pinned);
    if (!chosen) throw new ActivityError(`${def.name}: the environment pins branch ${JSON.stringify(pinned)}, which is not one of ${allocations.map((a) => a.port).join(", ")}`);
  } else {
    chosen = pickAllocation(allocations, (ctx.env.random ?? Math.random)());
    if (!chosen) throw new ActivityError(`${def.name}: every branch is at 0 %, so no branch can be taken`);
  }
  ctx.output("percentage", chosen.percent);
  ctx.output("description", chosen.description);
  ctx.emit({
    type: "activity-result",
    kind: "allocation",
    text: `allocated to branch ${chosen.port}${chosen.description ? ` ${JSON.stringify(chosen.description)}` : ""} (${chosen.percent} %)${pinned !== undefined ? " — pinned by the environment" : ""}`,
    data: { port: chosen.port, percent: chosen.percent, description: chosen.description, pinned: pinned !== undefined },
  });
  return chosen.port;
}

export default percentAllocation;
