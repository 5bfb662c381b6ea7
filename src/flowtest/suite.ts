/**
 * A test run: find scenario files, load them all (every file problem reported before anything
 * runs), run the scenarios in parallel, and add up coverage per flow file.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createRegistry } from "../activities/index.js";
import type { ActivityRegistry } from "../activities/registry.js";
import { parseFlowText } from "../flow/load.js";
import type { FlowDefinition } from "../flow/types.js";
import { validateFlow } from "../flow/validate.js";
import { CoverageCollector, type FlowCoverage } from "./coverage.js";
import { discoverScenarioFiles } from "./discover.js";
import { loadScenarioFile, type LoadedScenario, type ScenarioProblem } from "./load.js";
import { startScenarioCrm } from "./embedded-crm.js";
import type { Stub } from "./schema.js";
import { runScenario, type CrmFactory, type ScenarioResult } from "./run.js";

export interface SuiteOptions {
  /** Files or directories (default: the current directory). */
  paths: string[];
  cwd?: string;
  flowOverride?: string;
  /** Scenarios run at once (default 4). */
  jobs?: number;
  /** Starts the CRM for scenarios with `crm:` records (default: a fresh embedded CRM each). */
  crm?: CrmFactory;
  realTimeoutMs?: number;
  /** Stand-ins for activity types ccflow does not run, for every scenario (`--stub TYPE=port`). */
  stubs?: Record<string, Stub>;
  /** Called as each scenario finishes (for progress output). */
  onResult?: (r: ScenarioResult) => void;
}

export interface SuiteResult {
  files: string[];
  /** Paths given that do not exist, and scenario files that do not load. */
  problems: ScenarioProblem[];
  results: ScenarioResult[];
  coverage: FlowCoverage[];
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  ms: number;
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the input order in the output. */
export async function promisePool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

export function createFlowLoader(registry: ActivityRegistry): (file: string) => Promise<{ flow?: FlowDefinition; problems: string[] }> {
  const cache = new Map<string, Promise<{ flow?: FlowDefinition; problems: string[] }>>();
  return (file) => {
    let hit = cache.get(file);
    if (!hit) {
      hit = (async () => {
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          return { problems: [`cannot read the flow ${file}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`] };
        }
        const read = parseFlowText(text, file);
        const errors = read.diagnostics.filter((d) => d.severity === "error");
        if (read.flow) for (const d of validateFlow(read.flow, registry)) if (d.severity === "error") errors.push(d);
        if (!read.flow || errors.length) {
          return { problems: [`the flow ${file} has ${errors.length} error${errors.length === 1 ? "" : "s"} (run ccflow validate for all of them):`, ...errors.slice(0, 5).map((d) => `  ${d.activity ? `${d.activity.name}: ` : ""}${d.message} (${d.path})`)] };
        }
        return { flow: read.flow, problems: [] };
      })();
      cache.set(file, hit);
    }
    return hit;
  };
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const began = performance.now();
  const found = await discoverScenarioFiles(options.paths, options.cwd);
  const problems: ScenarioProblem[] = found.missing.map((p) => ({ file: p, message: "no such file or directory" }));
  const scenarios: LoadedScenario[] = [];
  for (const file of found.files) {
    const r = await loadScenarioFile(file);
    problems.push(...r.problems);
    scenarios.push(...r.scenarios);
  }
  const registry = createRegistry();
  const loadFlow = createFlowLoader(registry);
  if (problems.length > 0) {
    return { files: found.files, problems, results: [], coverage: [], passed: 0, failed: 0, errors: 0, skipped: 0, ms: Math.round(performance.now() - began) };
  }

  const results = await promisePool(scenarios, options.jobs ?? 4, async (s) => {
    let r: ScenarioResult;
    try {
      r = await runScenario(s, { flowOverride: options.flowOverride === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.flowOverride), loadFlow, crm: options.crm ?? startScenarioCrm, realTimeoutMs: options.realTimeoutMs, stubs: options.stubs });
    } catch (err) {
      // Our bug, not the scenario's: report it on this scenario and let the others run.
      r = { name: s.scenario.name, file: s.file, line: s.line, status: "error", problems: [`internal error while running it: ${(err as Error)?.message ?? String(err)}`], failures: [], notes: [], events: [], callSeconds: 0, ms: 0 };
    }
    options.onResult?.(r);
    return r;
  });

  const collectors = new Map<string, CoverageCollector>();
  for (const r of results) {
    if (!r.flowFile || r.status === "error" || r.status === "skipped") continue;
    const loaded = await loadFlow(r.flowFile);
    if (!loaded.flow) continue;
    let c = collectors.get(r.flowFile);
    if (!c) collectors.set(r.flowFile, (c = new CoverageCollector(loaded.flow, registry)));
    c.addRun(r.events);
  }
  const coverage = [...collectors.entries()].map(([file, c]) => c.result(file));
  return {
    files: found.files,
    problems,
    results,
    coverage,
    passed: results.filter((r) => r.status === "passed").length,
    failed: results.filter((r) => r.status === "failed").length,
    errors: results.filter((r) => r.status === "error").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    ms: Math.round(performance.now() - began),
  };
}
