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
/** Units spent by the renders that have finished in this process (see workSpent). */
let finished = 0;

/** Runs `fn` with a fresh budget of MAX_WORK units. */
export function metered<T>(fn: () => T): T {
  const previous = current;
  const meter = { used: 0 };
  current = meter;
  try {
    return fn();
  } finally {
    current = previous;
    finished += meter.used;
  }
}

/**
 * Units spent by every render in this process so far, a running total. One render is bounded by
 * MAX_WORK, but a flow may render many templates in one synchronous run (a set-variable whose
 * error port loops back to itself); the engine compares this total before and after its steps
 * and lets the event loop turn once a run has spent WORK_PER_TURN (limits.ts).
 */
export function workSpent(): number {
  return finished + (current ? current.used : 0);
}

/** workSpent() when this turn of the event loop was first measured; -1 until it is. */
let turnMark = -1;
const endTurn = (): void => {
  turnMark = -1;
};

/**
 * Units the renders of every contact have spent since this turn of the event loop began (the
 * first call in a turn marks it, and a `setImmediate` clears the mark once the loop has moved
 * on). The engine checks it before each step: contacts resumed in one turn (all queued
 * `setImmediate`s run back to back, with no timer or socket in between) share one slice of work,
 * so a burst of expensive flows is spread over several turns instead of adding up in one.
 */
export function workThisTurn(): number {
  const spent = workSpent();
  if (turnMark < 0) {
    turnMark = spent;
    setImmediate(endTurn);
    return 0;
  }
  return spent - turnMark;
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
