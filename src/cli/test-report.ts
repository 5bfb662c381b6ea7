/**
 * How `ccflow test` tells its results: a readable report (each failed expectation with the
 * transcript around it and expected vs actual), coverage per flow, JUnit XML for CI servers, and
 * JSON for tools (including the coverage file `ccflow graph --coverage` reads).
 */
import { relative } from "node:path";
import type { CallEvent } from "../engine/events.js";
import type { ActivityCoverage, FlowCoverage } from "../flowtest/coverage.js";
import type { ExpectationFailure } from "../flowtest/expectations.js";
import { formatProblem } from "../flowtest/load.js";
import type { ScenarioResult } from "../flowtest/run.js";
import type { SuiteResult } from "../flowtest/suite.js";
import { bold, dim, green, red, yellow } from "./format.js";
import { TranscriptPrinter } from "./transcript.js";

const rel = (file: string, cwd: string) => {
  const r = relative(cwd, file);
  return r === "" ? file : r;
};

/** Transcript lines per event index (some events print nothing). */
function transcriptLines(events: readonly CallEvent[]): string[][] {
  const lines: string[][] = events.map(() => []);
  let current = 0;
  const printer = new TranscriptPrinter((line) => lines[current]!.push(line), { steps: true });
  events.forEach((e, i) => {
    current = i;
    printer.print(e);
  });
  return lines;
}

export function transcriptText(events: readonly CallEvent[]): string {
  return transcriptLines(events).flat().join("\n");
}

/** The transcript around one event: a few lines before, the line itself marked, a few after. */
function around(events: readonly CallEvent[], index: number | undefined, before = 4, after = 6): string[] {
  const per = transcriptLines(events);
  const printed = per.map((l, i) => ({ l, i })).filter((x) => x.l.length > 0);
  if (printed.length === 0) return ["(nothing happened)"];
  let at = printed.findIndex((x) => x.i >= (index ?? events.length - 1));
  if (at < 0) at = printed.length - 1;
  const from = Math.max(0, at - before);
  const to = Math.min(printed.length, at + after + 1);
  const out: string[] = [];
  if (from > 0) out.push(dim("   …"));
  for (let k = from; k < to; k++) {
    const mark = k === at ? red(" ▶ ") : "   ";
    for (const line of printed[k]!.l) out.push(`${mark}${line}`);
  }
  if (to < printed.length) out.push(dim("   …"));
  return out;
}

function failureLines(f: ExpectationFailure, events: readonly CallEvent[]): string[] {
  const out: string[] = [];
  const [first, ...more] = f.message.split("\n");
  out.push(`${red("✗")} ${bold(f.expectation)}: ${first}`);
  for (const m of more) out.push(`  ${m}`);
  if (f.expected && f.actual) {
    if (f.expected.length === 1 && f.actual.length === 1) {
      out.push(`    ${red(`- expected: ${f.expected[0]}`)}`);
      out.push(`    ${green(`+ actual:   ${f.actual[0]}`)}`);
    } else {
      out.push(`    ${dim("expected:")}`);
      for (const e of f.expected) out.push(`      ${e.startsWith("✗") ? red(e) : e}`);
      out.push(`    ${dim("actual:")}`);
      const shown = f.actual.slice(0, 25);
      for (const a of shown) out.push(`      ${a}`);
      if (f.actual.length > shown.length) out.push(dim(`      … ${f.actual.length - shown.length} more`));
    }
  }
  if (events.length > 0) {
    out.push(`    ${dim("transcript:")}`);
    for (const l of around(events, f.eventIndex)) out.push(`    ${l}`);
  }
  return out;
}

export function scenarioLine(r: ScenarioResult, cwd: string): string {
  if (r.status === "skipped") return `${yellow("○")} ${r.name}  ${dim(`${rel(r.file, cwd)}:${r.line}  skipped: ${r.notes[0] ?? ""}`)}`;
  const mark = r.status === "passed" ? green("✓") : r.status === "failed" ? red("✗") : red("!");
  const timing = dim(`${rel(r.file, cwd)}:${r.line}  ${r.callSeconds.toFixed(1)} s of call in ${r.ms} ms`);
  return `${mark} ${r.name}  ${timing}`;
}

export function formatScenarioDetails(r: ScenarioResult): string[] {
  const out: string[] = [];
  if (r.status === "skipped") return out;
  for (const p of r.problems) out.push(`    ${red("error:")} ${p}`);
  for (const f of r.failures) for (const l of failureLines(f, r.events)) out.push(`    ${l}`);
  if (r.status !== "passed") for (const n of r.notes) out.push(`    ${yellow("note:")} ${n}`);
  return out;
}

function portsText(a: ActivityCoverage): string {
  if (a.ports.length === 0) return a.visits > 0 ? `reached ${green("✓")}` : `reached ${red("✗")}`;
  const counted = a.ports.filter((p) => p.counted).map((p) => `${p.port} ${p.hits > 0 ? green("✓") : red("✗")}`);
  const skipped = a.ports.filter((p) => !p.counted).map((p) => p.port);
  return `${counted.join(", ") || dim("(no port counted)")}${skipped.length ? dim(`  (not counted: ${skipped.join(", ")})`) : ""}`;
}

export function formatCoverage(c: FlowCoverage, cwd: string, options: { all?: boolean } = {}): string[] {
  const out: string[] = [];
  out.push(`${bold(c.flow)} ${dim(`(${c.file ? rel(c.file, cwd) : "flow"}, ${c.scenarios} scenario${c.scenarios === 1 ? "" : "s"})`)}`);
  const groups = new Map<string, ActivityCoverage[]>();
  for (const a of c.activities) {
    if (!a.reachable) continue;
    const list = groups.get(a.flow) ?? [];
    list.push(a);
    groups.set(a.flow, list);
  }
  const width = Math.min(32, Math.max(8, ...c.activities.map((a) => a.name.length)));
  for (const [flow, list] of groups) {
    const incomplete = list.filter((a) => a.visits === 0 || a.ports.some((p) => p.counted && p.hits === 0));
    const shown = options.all ? list : incomplete;
    out.push(`  ${flow === "main" ? "Main flow" : `Event flow ${flow}`}${shown.length === 0 ? green("  all covered") : ""}`);
    for (const a of shown) out.push(`    ${a.name.padEnd(width)}  ${portsText(a)}`);
  }
  const unreachable = c.activities.filter((a) => !a.reachable);
  if (unreachable.length) out.push(dim(`  not reachable: ${unreachable.map((a) => `${a.name} (${a.reason})`).join("; ")}`));
  const t = c.totals;
  const pct = `${c.percent}%`;
  out.push(`  ${c.percent >= 100 ? green(pct) : yellow(pct)} of reachable ports covered: ${t.covered}/${t.targets} ${dim(`(an End or Disconnect counts once; ${t.excludedPorts} port${t.excludedPorts === 1 ? "" : "s"} not counted: unwired error ports, error ports of activities that cannot fail, synonyms)`)}; activities run ${t.activitiesRun}/${t.activities}`);
  return out;
}

export function formatSuite(suite: SuiteResult, cwd: string, options: { coverage?: boolean; allCoverage?: boolean; verbose?: boolean } = {}): string {
  const out: string[] = [];
  if (suite.problems.length > 0) {
    out.push(red(`${suite.problems.length} problem${suite.problems.length === 1 ? "" : "s"} in scenario files; nothing was run:`));
    for (const p of suite.problems) out.push(`  ${formatProblem({ ...p, file: rel(p.file, cwd) })}`);
    return out.join("\n");
  }
  if (suite.results.length === 0) {
    out.push(yellow("no scenario files found (*.scenario.yaml)"));
    return out.join("\n");
  }
  for (const r of suite.results) {
    out.push(scenarioLine(r, cwd));
    out.push(...formatScenarioDetails(r));
    if (options.verbose && r.status === "passed" && r.events.length) {
      out.push(`    ${dim("transcript:")}`);
      for (const l of transcriptText(r.events).split("\n")) out.push(`      ${l}`);
    }
  }
  if (options.coverage !== false && suite.coverage.length) {
    out.push("");
    out.push(bold("Coverage"));
    for (const c of suite.coverage) out.push(...formatCoverage(c, cwd, { all: options.allCoverage }).map((l) => `  ${l}`));
  }
  out.push("");
  const parts = [green(`${suite.passed} passed`)];
  if (suite.failed) parts.push(red(`${suite.failed} failed`));
  if (suite.errors) parts.push(red(`${suite.errors} could not run`));
  if (suite.skipped) parts.push(yellow(`${suite.skipped} skipped`));
  out.push(`${parts.join(", ")} ${dim(`(${suite.results.length} scenario${suite.results.length === 1 ? "" : "s"} in ${suite.files.length} file${suite.files.length === 1 ? "" : "s"}, ${(suite.ms / 1000).toFixed(1)} s)`)}`);
  return out.join("\n");
}

// ---- JUnit XML ------------------------------------------------------------------------------

function xml(s: string): string {
  // XML 1.0 cannot carry most control characters at all; drop them.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "");

export function junitXml(suite: SuiteResult, cwd: string): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const byFile = new Map<string, ScenarioResult[]>();
  for (const r of suite.results) {
    const list = byFile.get(r.file) ?? [];
    list.push(r);
    byFile.set(r.file, list);
  }
  const failures = suite.failed;
  const errors = suite.errors + (suite.problems.length ? 1 : 0);
  lines.push(`<testsuites name="ccflow test" tests="${suite.results.length + (suite.problems.length ? 1 : 0)}" failures="${failures}" errors="${errors}" time="${(suite.ms / 1000).toFixed(3)}">`);
  if (suite.problems.length) {
    lines.push(`  <testsuite name="scenario files" tests="1" failures="0" errors="1">`);
    lines.push(`    <testcase name="load scenario files" classname="ccflow">`);
    const text = suite.problems.map((p) => formatProblem({ ...p, file: rel(p.file, cwd) })).join("\n");
    lines.push(`      <error message="${xml(suite.problems.length + " problem(s) in scenario files")}">${xml(text)}</error>`);
    lines.push(`    </testcase>`);
    lines.push(`  </testsuite>`);
  }
  for (const [file, list] of byFile) {
    const f = list.filter((r) => r.status === "failed").length;
    const e = list.filter((r) => r.status === "error").length;
    const time = list.reduce((s, r) => s + r.ms, 0) / 1000;
    const sk = list.filter((r) => r.status === "skipped").length;
    lines.push(`  <testsuite name="${xml(rel(file, cwd))}" tests="${list.length}" failures="${f}" errors="${e}" skipped="${sk}" time="${time.toFixed(3)}">`);
    for (const r of list) {
      lines.push(`    <testcase name="${xml(r.name)}" classname="${xml(r.flowName ?? "flow")}" file="${xml(rel(r.file, cwd))}" line="${r.line}" time="${(r.ms / 1000).toFixed(3)}">`);
      if (r.status === "skipped") {
        lines.push(`      <skipped message="${xml(r.notes[0] ?? "skipped")}"/>`);
      } else if (r.status === "error") {
        lines.push(`      <error message="${xml(r.problems[0] ?? "could not run")}">${xml(r.problems.join("\n"))}</error>`);
      } else if (r.status === "failed") {
        const body = r.failures.flatMap((x) => failureLines(x, r.events)).map(plain).join("\n");
        lines.push(`      <failure message="${xml(`${r.failures[0]!.expectation}: ${r.failures[0]!.message.split("\n")[0]}`)}" type="expectation">${xml(body)}</failure>`);
      }
      if (r.events.length) lines.push(`      <system-out>${xml(plain(transcriptText(r.events)))}</system-out>`);
      lines.push(`    </testcase>`);
    }
    lines.push(`  </testsuite>`);
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}

// ---- JSON -----------------------------------------------------------------------------------

export interface CoverageFile {
  format: "ccflow-coverage";
  version: 1;
  flows: FlowCoverage[];
}

export function coverageFile(suite: SuiteResult): CoverageFile {
  return { format: "ccflow-coverage", version: 1, flows: suite.coverage };
}

export function suiteJson(suite: SuiteResult, cwd: string): unknown {
  return {
    passed: suite.passed,
    failed: suite.failed,
    errors: suite.errors,
    skipped: suite.skipped,
    ms: suite.ms,
    problems: suite.problems.map((p) => ({ ...p, file: rel(p.file, cwd) })),
    scenarios: suite.results.map((r) => ({
      name: r.name,
      file: rel(r.file, cwd),
      line: r.line,
      flow: r.flowName,
      flowFile: r.flowFile ? rel(r.flowFile, cwd) : undefined,
      status: r.status,
      callSeconds: r.callSeconds,
      ms: r.ms,
      problems: r.problems,
      failures: r.failures.map(({ eventIndex: _e, ...f }) => f),
      notes: r.notes,
    })),
    coverage: suite.coverage.map((c) => ({ ...c, file: c.file ? rel(c.file, cwd) : undefined })),
  };
}
