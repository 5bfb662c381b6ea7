/**
 * Contact priority as Queue Contact and Queue To Agent set it: P1 is the highest. A static
 * priority is 1–9; a variable priority must be an integer 1–9 and anything else (0, 10, negative,
 * text) becomes 10, the lowest. No priority at all is also 10.
 */
import type { ActivityDef } from "../flow/types.js";
import type { ActivityContext } from "./types.js";

export const LOWEST_PRIORITY = 10;

export function clampPriority(value: unknown): number {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim().replace(/^P/i, "") : "";
  if (!/^[-+]?\d+$/.test(text)) return LOWEST_PRIORITY;
  const n = Number(text);
  return n >= 1 && n <= 9 ? n : LOWEST_PRIORITY;
}

/**
 * The priority an activity gives a contact, read from its properties once (its flow's compile):
 * a fixed number, or a function that renders `priorityVariable` per call.
 */
export function compilePriority(def: ActivityDef, toggleKey: string): number | ((ctx: ActivityContext) => number) {
  const p = def.properties;
  const on = p[toggleKey] === true || p[toggleKey] === "true";
  if (!on) return LOWEST_PRIORITY;
  if (p.priorityRadioGroup === "variablePriority") {
    const source = typeof p.priorityVariable === "string" ? p.priorityVariable : "";
    return (ctx) => clampPriority(ctx.render(source, "priorityVariable"));
  }
  return clampPriority(p.priority);
}
