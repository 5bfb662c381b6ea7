/** Shared helpers for the template engine tests. */
import { expect } from "vitest";
import { ExprError, objectScope, parseTemplate, type RenderOptions } from "../../src/expr/index.js";

/** 2025-02-06T21:09:02.712Z, a Thursday: the clock every test renders with. */
export const CLOCK = Date.UTC(2025, 1, 6, 21, 9, 2, 712);

export function render(source: string, vars: Record<string, unknown> = {}, options: RenderOptions = {}): string {
  return parseTemplate(source).render(objectScope(vars), { now: () => CLOCK, ...options });
}

export function evaluate(source: string, vars: Record<string, unknown> = {}): unknown {
  return parseTemplate(source).evaluate(objectScope(vars), { now: () => CLOCK });
}

/** The ExprError a template throws (while parsing or rendering). */
export function failure(source: string, vars: Record<string, unknown> = {}): ExprError {
  try {
    render(source, vars);
  } catch (err) {
    expect(err).toBeInstanceOf(ExprError);
    return err as ExprError;
  }
  throw new Error(`expected ${JSON.stringify(source)} to fail`);
}

/** The ExprError parsing alone throws. */
export function syntaxError(source: string): ExprError {
  try {
    parseTemplate(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ExprError);
    return err as ExprError;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to parse`);
}
