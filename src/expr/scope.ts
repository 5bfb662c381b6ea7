/** Ready-made Scopes. */
import type { Scope } from "./types.js";
import { BLOCKED_NAMES, ownKeys, ownValue } from "./values.js";

/** A Scope over a lookup function; names that would reach JavaScript internals never get to it. */
export function createScope(lookup: (name: string) => unknown): Scope {
  return {
    get(name: string): unknown {
      if (BLOCKED_NAMES.has(name)) return undefined;
      return lookup(name);
    },
  };
}

/**
 * A Scope over a plain record of root values: exact name first, then a case-insensitive match
 * (flow-designer §12 q5). Only own data properties are visible.
 */
export function objectScope(values: Record<string, unknown>): Scope {
  return createScope((name) => {
    const exact = ownValue(values, name);
    if (exact !== undefined) return exact;
    const lower = name.toLowerCase();
    for (const k of ownKeys(values)) if (k.toLowerCase() === lower) return ownValue(values, k);
    return undefined;
  });
}

/** Several scopes in order: the first that knows a name wins. */
export function chainScopes(...scopes: Scope[]): Scope {
  return createScope((name) => {
    for (const s of scopes) {
      const v = s.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  });
}
