/**
 * Templates are parsed once per distinct source text and shared by every call: the hot path
 * renders, it never re-parses.
 */
import { ActivityError } from "../util/activity-error.js";
import { isExprError, parseTemplate } from "../expr/index.js";
import type { Template } from "../expr/types.js";
import type { ActivityDef } from "../flow/types.js";

const cache = new Map<string, Template>();
// Flows are finite, but fuzzers and long-lived servers loading many flows are not: cap the cache.
const MAX_ENTRIES = 50_000;

export function templateFor(source: string, def: ActivityDef, field: string): Template {
  const hit = cache.get(source);
  if (hit) return hit;
  let template: Template;
  try {
    template = parseTemplate(source);
  } catch (err) {
    if (isExprError(err)) throw new ActivityError(`${def.name}: ${field} does not parse: ${err.message}`);
    throw err;
  }
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(source, template);
  return template;
}
