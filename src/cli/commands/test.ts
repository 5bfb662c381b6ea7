/**
 * `ccflow test [paths...]`: runs flow-test scenarios (`*.scenario.yaml`) on the virtual clock,
 * prints what failed with the transcript around it, and the coverage of each flow's reachable
 * ports. Exit code 0 when every scenario passed and coverage is at least --min-coverage, else 1.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Stub } from "../../flowtest/schema.js";
import { parseStubOption } from "../../flowtest/stubs.js";
import { runSuite } from "../../flowtest/suite.js";
import { red } from "../format.js";
import { coverageFile, formatSuite, junitXml, suiteJson } from "../test-report.js";

interface TestOptions {
  flow?: string;
  reporter: string;
  out?: string;
  json?: boolean;
  minCoverage?: string;
  coverageOut?: string;
  jobs: string;
  coverage: boolean;
  allCoverage?: boolean;
  stub?: string[];
  verbose?: boolean;
}

async function write(file: string, text: string): Promise<string | undefined> {
  try {
    await writeFile(file, text);
    return undefined;
  } catch (err) {
    return `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

export async function runTestCommand(paths: string[], opts: TestOptions, io: { out: (s: string) => void; err: (s: string) => void; cwd: string }): Promise<number> {
  if (opts.reporter !== "text" && opts.reporter !== "junit") {
    io.err(`ccflow: --reporter must be text or junit, not ${JSON.stringify(opts.reporter)}\n`);
    return 1;
  }
  let min: number | undefined;
  if (opts.minCoverage !== undefined) {
    min = Number(String(opts.minCoverage).replace(/%$/, ""));
    if (!Number.isFinite(min) || min < 0 || min > 100) {
      io.err(`ccflow: --min-coverage must be a percentage from 0 to 100, not ${JSON.stringify(opts.minCoverage)}\n`);
      return 1;
    }
  }
  const jobs = Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    io.err(`ccflow: --jobs must be a whole number of at least 1\n`);
    return 1;
  }

  const stubs: Record<string, Stub> = {};
  for (const text of opts.stub ?? []) {
    const parsed = parseStubOption(text);
    if (typeof parsed === "string") {
      io.err(`ccflow: ${parsed}\n`);
      return 1;
    }
    stubs[parsed.type] = parsed.stub;
  }

  const suite = await runSuite({ paths, cwd: io.cwd, flowOverride: opts.flow, jobs, stubs });

  const junitToStdout = opts.reporter === "junit" && !opts.out;
  if (opts.json) io.out(`${JSON.stringify(suiteJson(suite, io.cwd), null, 2)}\n`);
  else if (junitToStdout) io.out(junitXml(suite, io.cwd));
  else io.out(`${formatSuite(suite, io.cwd, { coverage: opts.coverage, allCoverage: opts.allCoverage, verbose: opts.verbose })}\n`);

  if (opts.reporter === "junit" && opts.out) {
    const problem = await write(opts.out, junitXml(suite, io.cwd));
    if (problem) {
      io.err(`ccflow: ${problem}\n`);
      return 1;
    }
  }
  if (opts.coverageOut) {
    const problem = await write(opts.coverageOut, `${JSON.stringify(coverageFile(suite), null, 2)}\n`);
    if (problem) {
      io.err(`ccflow: ${problem}\n`);
      return 1;
    }
  }

  let ok = suite.problems.length === 0 && suite.failed === 0 && suite.errors === 0 && suite.results.length > 0;
  if (min !== undefined && suite.problems.length === 0) {
    const low = suite.coverage.filter((c) => c.percent < min!);
    for (const c of low) {
      const msg = `coverage of ${c.flow} is ${c.percent}%, below --min-coverage ${min}%`;
      if (opts.json || junitToStdout) io.err(`ccflow: ${msg}\n`);
      else io.out(`${red(msg)}\n`);
    }
    if (low.length) ok = false;
  }
  return ok ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command("test")
    .description("run flow-test scenarios (*.scenario.yaml) and report coverage")
    .argument("[paths...]", "scenario files or directories to search (default: the current directory)")
    .option("--flow <file>", "run every scenario against this flow export instead of the one it names")
    .option("--reporter <name>", "text or junit", "text")
    .option("--out <file>", "with --reporter junit: write the JUnit XML here (the text report still prints)")
    .option("--json", "print one JSON report instead of text")
    .option("--min-coverage <pct>", "fail when a flow's reachable-port coverage is below this percentage")
    .option("--coverage-out <file>", "write coverage as JSON (for ccflow graph --coverage)")
    .option("-j, --jobs <n>", "scenarios run at once", "4")
    .option("--no-coverage", "do not print coverage")
    .option("--all-coverage", "list every activity in the coverage report, not only the incomplete ones")
    .option("--stub <TYPE=port>", "stand in for an activity type ccflow does not run: leave by this port (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--verbose", "print the transcript of passing scenarios too")
    .action(async (paths: string[], opts: TestOptions) => {
      process.exitCode = await runTestCommand(paths, opts, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
        cwd: process.cwd(),
      });
    });
}
