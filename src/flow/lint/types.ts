/**
 * Lint: warnings about flaws that reach callers, beyond what Webex refuses at publish. Each rule
 * family lives in its own module; index.ts runs them and applies the environment's `lint:`
 * section (rules off everywhere, or off for named activities).
 */
import type { ActivityRegistry } from "../../activities/registry.js";
import type { BindingCheck } from "../validate.js";
import type { Diagnostic, FlowDefinition } from "../types.js";
import type { FlowFacts } from "./facts.js";

/** A lint warning: a diagnostic that also says how to fix it, in one sentence. */
export interface LintDiagnostic extends Diagnostic {
  severity: "warning";
  fix: string;
  /** For variable rules: the variable's name. */
  variable?: string;
  /** Rows of a table the fix asks for (hard-coded ids to map per environment). */
  table?: Array<{ kind: string; value: string; usedBy: string[] }>;
}

export interface LintContext {
  flow: FlowDefinition;
  facts: FlowFacts;
  registry: ActivityRegistry;
  bindings?: BindingCheck;
}

export interface LintRule {
  code: string;
  /** What the rule looks for, for the docs and `--json`. */
  summary: string;
  check(ctx: LintContext): LintDiagnostic[];
}

/** The environment file's `lint:` section. */
export interface LintConfig {
  /** Rule codes switched off for every activity. */
  off?: string[];
  /** Activity name → rule codes switched off for it (`"*"` for every rule). */
  activities?: Record<string, string[]>;
}
