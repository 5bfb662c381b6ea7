/** Functions: Pebble's max, min, range and Webex's now(). */
import { compare, range } from "./operators.js";
import type { FunctionDef } from "./registry.js";
import { UTC } from "./time/zone.js";
import { ZonedDateTime } from "./time/zoned.js";

function extreme(args: readonly unknown[], op: "GREATER_THAN" | "LESS_THAN"): unknown {
  let best: unknown = null;
  let first = true;
  for (const candidate of args) {
    if (first) {
      best = candidate;
      first = false;
    } else if (compare(candidate, best, op)) best = candidate;
  }
  return best;
}

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map<string, FunctionDef>([
  ["max", { argNames: null, apply: (args) => extreme(args, "GREATER_THAN") }],
  ["min", { argNames: null, apply: (args) => extreme(args, "LESS_THAN") }],
  ["range", { argNames: ["start", "end", "increment"], apply: ([start, end, increment]) => range(start, end, increment) }],
  // Webex: a ZonedDateTime in UTC from the render's clock.
  ["now", { argNames: [], apply: (_args, ctx) => new ZonedDateTime(ctx.now(), UTC) }],
]);
