/**
 * `ccflow validate <flow.json...> [--env env.yaml] [--json] [--strict]`: reports every problem of
 * each flow at once (activity, id, JSON path), and the lint pass's warnings (flow/lint, each with
 * a fix); exit 0 when no errors (with --strict: no warnings either), 1 otherwise. With --env, bindings are
 * checked as `ccflow serve` makes them (a connector the file leaves out goes to the embedded CRM)
 * and each one serve would make on its own is printed.
 */
import type { Command } from "commander";
import { createRegistry } from "../../activities/index.js";
import { allActivities, validateFlow, type BindingCheck } from "../../flow/validate.js";
import type { Diagnostic } from "../../flow/types.js";
import { loadEnvironmentFile } from "../../environment/load.js";
import { previewServeBindings } from "../../environment/serve-bindings.js";
import type { FlowDefinition } from "../../flow/types.js";
import { applyLintConfig, lintCodes, lintFlow, type LintConfig } from "../../flow/lint/index.js";
import { readFlowFile } from "../../flow/read-file.js";
import { bold, dim, formatDiagnostic, green, red, yellow } from "../format.js";

interface FileReport {
  file: string;
  flow?: string;
  activities?: number;
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
  /** With --env: what serve would bind that the environment does not spell out. */
  bound?: string[];
}

/** Per flow: the bindings to check against, and what serve would add on its own. */
export type BindingsFor = (flow: FlowDefinition) => { check: BindingCheck; lines: string[] };

export async function validateFiles(files: string[], bindingsFor?: BindingsFor, lint: LintConfig | false = {}): Promise<FileReport[]> {
  const registry = createRegistry();
  const reports: FileReport[] = [];
  for (const file of files) {
    const read = await readFlowFile(file);
    let diagnostics = [...read.diagnostics];
    const bindings = read.flow && bindingsFor ? bindingsFor(read.flow) : undefined;
    // A loop, not push(...): spreading a very long list overflows the call stack.
    if (read.flow) for (const d of validateFlow(read.flow, registry, bindings?.check)) diagnostics.push(d);
    if (read.flow && lint !== false) for (const d of lintFlow(read.flow, { registry, bindings: bindings?.check })) diagnostics.push(d);
    if (lint) diagnostics = applyLintConfig(diagnostics, lint);
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    reports.push({
      file,
      flow: read.flow?.name,
      activities: read.flow ? [...allActivities(read.flow)].length : undefined,
      valid: errors === 0,
      errors,
      warnings: diagnostics.length - errors,
      diagnostics,
      ...(bindings ? { bound: bindings.lines } : {}),
    });
  }
  return reports;
}

export function register(program: Command): void {
  program
    .command("validate")
    .description("check flow exports and report every problem at once")
    .argument("<flow...>", "Flow Designer export(s) (.json)")
    .option("--env <file>", "environment file: also check that connectors and queues are bound")
    .option("--json", "print one JSON report for machines")
    .option("-q, --quiet", "print errors only")
    .option("--strict", "exit 1 on warnings too")
    .option("--no-lint", "only what Webex itself would refuse or tolerate: no lint warnings")
    .action(async (files: string[], opts: { env?: string; json?: boolean; quiet?: boolean; strict?: boolean; lint?: boolean }) => {
      let bindings: BindingsFor | undefined;
      let lint: LintConfig = {};
      if (opts.env) {
        const env = await loadEnvironmentFile(opts.env);
        if (!env.ok) {
          process.stderr.write(`ccflow: ${env.error}\n`);
          process.exitCode = 1;
          return;
        }
        const environment = env.environment;
        bindings = (flow) => previewServeBindings(environment, [flow]);
        lint = environment.lint;
        const known = new Set(lintCodes());
        const unknown = [...environment.lint.off, ...Object.values(environment.lint.activities).flat()].filter((c) => c !== "*" && !known.has(c));
        if (unknown.length) {
          process.stderr.write(`ccflow: ${opts.env}: lint names no rule ${unknown.map((c) => JSON.stringify(c)).join(", ")}; the rules are ${[...known].join(", ")}\n`);
          process.exitCode = 1;
          return;
        }
      }
      const reports = await validateFiles(files, bindings, opts.lint === false ? false : lint);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
      } else {
        for (const r of reports) {
          const shown = opts.quiet ? r.diagnostics.filter((d) => d.severity === "error") : r.diagnostics;
          // The name comes from the file: a megabyte of it is not a heading.
          const name = r.flow && r.flow.length > 120 ? `${r.flow.slice(0, 100)}… (${r.flow.length} characters)` : r.flow;
          const what = name ? `${bold(name)} ${dim(`(${r.activities} activities)`)}` : "";
          process.stdout.write(`${r.file}${what ? `  ${what}` : ""}\n`);
          for (const d of shown) process.stdout.write(`${formatDiagnostic(d)}\n`);
          if (!opts.quiet) for (const b of r.bound ?? []) process.stdout.write(`${dim(`  serve binds: ${b}`)}\n`);
          const summary = r.valid
            ? green(`  ✓ valid${r.warnings ? ` (${r.warnings} warning${r.warnings === 1 ? "" : "s"})` : ""}`)
            : red(`  ✗ ${r.errors} error${r.errors === 1 ? "" : "s"}`) + (r.warnings ? yellow(`, ${r.warnings} warning${r.warnings === 1 ? "" : "s"}`) : "");
          process.stdout.write(`${summary}\n`);
        }
      }
      process.exitCode = reports.every((r) => r.valid && !(opts.strict && r.warnings > 0)) ? 0 : 1;
    });
}
