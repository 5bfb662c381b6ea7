/**
 * `ccflow diff A.json B.json [--format text|markdown|json]`: what changed between two versions
 * of a flow, as a changelog; exit 0 when they are the same flow, 1 when they differ, 2 when one
 * cannot be read. `ccflow diff --textconv F.json` prints one flow as stable text, for git.
 */
import type { Command } from "commander";
import { canonicalText, diffFlows, formatJson, formatMarkdown, formatText, isEmptyDiff } from "../../flow/diff/index.js";
import type { FlowDefinition } from "../../flow/types.js";
import { readFlowFile } from "../../flow/read-file.js";

type Io = { out: (s: string) => void; err: (s: string) => void };

const FORMATS = ["text", "markdown", "json"];

export async function readForDiff(file: string, io: Io): Promise<FlowDefinition | undefined> {
  const read = await readFlowFile(file);
  if (!read.flow) {
    const why = read.diagnostics.find((d) => d.severity === "error")?.message ?? "not a flow export";
    io.err(`ccflow: ${file}: ${why}\n`);
    return undefined;
  }
  return read.flow;
}

export async function runDiffCommand(files: string[], opts: { format?: string; textconv?: boolean }, io: Io): Promise<number> {
  if (opts.textconv) {
    if (files.length !== 1) {
      io.err("ccflow: --textconv takes one flow file (git passes it)\n");
      return 2;
    }
    const flow = await readForDiff(files[0]!, io);
    if (!flow) return 2;
    io.out(canonicalText(flow));
    return 0;
  }
  const format = (opts.format ?? "text").toLowerCase();
  if (!FORMATS.includes(format)) {
    io.err(`ccflow: --format must be text, markdown or json, not ${JSON.stringify(opts.format)}\n`);
    return 2;
  }
  if (files.length !== 2) {
    io.err(`ccflow: diff takes two flow files (the old one, then the new one), not ${files.length}\n`);
    return 2;
  }
  const a = await readForDiff(files[0]!, io);
  const b = await readForDiff(files[1]!, io);
  if (!a || !b) return 2;
  a.file = files[0];
  b.file = files[1];
  const d = diffFlows(a, b);
  io.out(format === "json" ? formatJson(d) : format === "markdown" ? formatMarkdown(d) : formatText(d));
  return isEmptyDiff(d) ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command("diff")
    .description("what changed between two versions of a flow (activities, properties, links, variables, event flows); exit 0 same, 1 different, 2 error")
    .argument("<flows...>", "the old and the new export (.json); with --textconv, one export")
    .option("-f, --format <format>", "text, markdown or json", "text")
    .option("--textconv", "print one flow as stable text, for git's diff.<driver>.textconv")
    .action(async (files: string[], opts: { format?: string; textconv?: boolean }) => {
      process.exitCode = await runDiffCommand(files, opts, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
    });
}
