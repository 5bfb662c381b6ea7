/**
 * The work budget of one render. The evaluator is synchronous and shares the event loop with
 * every call the server runs, so a template may spend only MAX_WORK units (limits.ts) before it
 * fails with an error; the activity then takes its error path. Counting units (not reading a
 * clock) keeps the outcome the same on a busy machine and a quiet one.
 *
 * The meter is module state because regular expressions and string builders deep in attributes
 * and filters charge it without a render state in hand; renders never nest or interleave (they
 * are synchronous), and `metered` restores the previous meter anyway.
 */
import { fault } from "./errors.js";
import { MAX_WORK, NODE_WORK } from "./limits.js";

interface Meter {
  used: number;
}

let current: Meter | null = null;

/** Runs `fn` with a fresh budget of MAX_WORK units. */
export function metered<T>(fn: () => T): T {
  const previous = current;
  current = { used: 0 };
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/**
 * Spends `units` of the current render's budget (outside a render, each call has a budget of
 * its own). `what` names the work for the error, never a value.
 */
export function chargeWork(units: number, what: () => string): void {
  const used = (current ? (current.used += units) : units);
  if (used > MAX_WORK) fault(`Work limit exceeded: ${what()} needs more than this template may spend (${MAX_WORK} units); shorten the input or simplify the template`);
}

/** Work for evaluating a node that produced `value`: a step, plus its size when it built a string or a list. */
export function chargeNode(value: unknown): void {
  const m = current;
  if (!m) return;
  m.used += NODE_WORK + (typeof value === "string" ? value.length : Array.isArray(value) ? value.length : 0);
  if (m.used > MAX_WORK) {
    fault(`Work limit exceeded: this template needs more than ${MAX_WORK} units of work (each step, and each character of text it builds, costs one or more); simplify it or shorten its input`);
  }
}

/** Work for one loop iteration (the body's own nodes are charged as they run). */
export function chargeIteration(): void {
  const m = current;
  if (m && (m.used += NODE_WORK) > MAX_WORK) {
    fault(`Work limit exceeded: this template needs more than ${MAX_WORK} units of work; simplify it or shorten its input`);
  }
}
