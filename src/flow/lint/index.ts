/**
 * `lintFlow`: the contact-center lint pass `ccflow validate` runs after the validator. Rules
 * never report errors (a flaw Webex tolerates is a warning); `applyLintConfig` drops the
 * warnings the environment's `lint:` section switches off, the validator's own included.
 */
import { createRegistry } from "../../activities/index.js";
import type { ActivityRegistry } from "../../activities/registry.js";
import type { BindingCheck } from "../validate.js";
import type { Diagnostic, FlowDefinition } from "../types.js";
import { activityRules } from "./activities.js";
import { environmentRules } from "./environment.js";
import { errorPathRules } from "./error-paths.js";
import { computeFacts } from "./facts.js";
import { httpRules } from "./http.js";
import { loopRules } from "./loops.js";
import type { LintConfig, LintDiagnostic, LintRule } from "./types.js";
import { variableRules } from "./variables.js";

export type { LintConfig, LintDiagnostic, LintRule } from "./types.js";

export const LINT_RULES: readonly LintRule[] = [...activityRules, ...errorPathRules, ...httpRules, ...variableRules, ...loopRules, ...environmentRules];

/** Codes of the validator's own warnings, which the `lint:` section may switch off as well. */
export const VALIDATOR_WARNINGS = ["unreachable", "unwired-port", "unbound-queue", "bad-initial-value"];

export interface LintOptions {
  registry?: ActivityRegistry;
  bindings?: BindingCheck;
}

export function lintFlow(flow: FlowDefinition, options: LintOptions = {}): LintDiagnostic[] {
  const ctx = { flow, facts: computeFacts(flow), registry: options.registry ?? createRegistry(), bindings: options.bindings };
  const out: LintDiagnostic[] = [];
  for (const rule of LINT_RULES) for (const d of rule.check(ctx)) out.push(d);
  return out;
}

/** Drops the warnings a `lint:` section switches off; errors always stay. */
export function applyLintConfig<D extends Diagnostic>(diagnostics: D[], config: LintConfig | undefined): D[] {
  if (!config) return diagnostics;
  const off = new Set(config.off ?? []);
  const perActivity = new Map(Object.entries(config.activities ?? {}).map(([name, codes]) => [name.toLowerCase(), new Set(codes)]));
  return diagnostics.filter((d) => {
    if (d.severity === "error") return true;
    if (off.has(d.code)) return false;
    const codes = d.activity ? perActivity.get(d.activity.name.toLowerCase()) : undefined;
    return !(codes && (codes.has(d.code) || codes.has("*")));
  });
}

/** Every code the `lint:` section may name, for checking the environment file. */
export function lintCodes(): string[] {
  return [...LINT_RULES.map((r) => r.code), ...VALIDATOR_WARNINGS];
}
