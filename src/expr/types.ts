/**
 * The contract between the Pebble-compatible template engine and everything that renders
 * templates (activities, screen pops, the validator). Implementation lives beside this file.
 */

/** Root-name lookup. Attribute and index access below the root is the evaluator's business. */
export interface Scope {
  /** Value of a root identifier (`ANI`, `NewPhoneContact`, `GetCustomerInfo`); undefined if unknown. */
  get(name: string): unknown;
}

export interface RenderOptions {
  /** Clock for `now()`; defaults to Date.now. */
  now?: () => number;
  /**
   * Called for every value interpolated by a `{{ }}` block, after it was turned into text.
   * `before` is the output rendered so far, so an escaper can tell where the value lands
   * (inside a quoted OData literal, in a query string, inside a JSON string).
   */
  escape?: (value: string, before: string) => string;
}

/** A syntax or runtime error in a template, with where it happened. */
export interface ExprErrorInfo {
  message: string;
  /** The template source. */
  expression: string;
  /** 0-based character offset in `expression`. */
  position: number;
}

export interface Template {
  readonly source: string;
  /** True when the template has no `{{ }}` or `{% %}` at all (a plain literal). */
  readonly isLiteral: boolean;
  /** Renders to text (Java `String.valueOf` rules for each interpolated value). */
  render(scope: Scope, options?: RenderOptions): string;
  /**
   * For a template that is exactly one `{{ expr }}` (whitespace around allowed): the native value
   * of the expression. Otherwise the rendered text.
   */
  evaluate(scope: Scope, options?: RenderOptions): unknown;
  /**
   * Root identifiers the template reads, with the first attribute where there is one
   * (`NewPhoneContact.ANI` → `{root: "NewPhoneContact", path: ["ANI"]}`), for validation.
   */
  references(): Array<{ root: string; path: string[]; position: number }>;
  /**
   * Errors the template raises whenever it reaches the node at `position`, found without running
   * it (a literal regular expression that is invalid or that RE2 cannot run), for validation.
   */
  staticErrors?(): Array<{ message: string; position: number }>;
}
