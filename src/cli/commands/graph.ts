/**
 * `ccflow graph <flow.json> [--out file] [--format svg|png|mermaid] [--coverage results.json]`:
 * draws a flow as the designer lays it out (SVG, or PNG from it), or as Mermaid for Markdown;
 * with a coverage file from `ccflow test --coverage-out`, taken paths are green and ports no
 * scenario took are marked.
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import type { FlowCoverage } from "../../flowtest/coverage.js";
import { renderFlowMermaid } from "../../graph/mermaid.js";
import { svgToPng } from "../../graph/png.js";
import { renderFlowSvg } from "../../graph/svg.js";
import { diffPicture, type DiffMarks } from "../../graph/diff.js";
import { readFlowFile } from "../../flow/read-file.js";

interface GraphOptions {
  out?: string;
  format?: string;
  coverage?: string;
  panels?: string;
  scale?: string;
  /** An older version of the flow: draw what changed since. */
  diff?: string;
}

type Io = { out: (s: string | Buffer) => void; err: (s: string) => void };

const FORMATS = ["svg", "png", "mermaid"] as const;
type Format = (typeof FORMATS)[number];

/** What each output extension holds; a file named otherwise would hold something it does not say. */
const EXTENSIONS: Record<string, Format> = { ".svg": "svg", ".png": "png", ".md": "mermaid", ".mmd": "mermaid", ".mermaid": "mermaid" };

function formatOf(opts: GraphOptions): Format | string {
  if (opts.format) return opts.format.toLowerCase();
  const ext = opts.out ? extname(opts.out).toLowerCase() : "";
  return EXTENSIONS[ext] ?? "svg";
}

/** Refuses an --out whose extension names another format than the one written (x.jpg, x.png with --format svg). */
function extensionProblem(out: string | undefined, format: Format): string | undefined {
  if (!out) return undefined;
  const ext = extname(out).toLowerCase();
  const named = EXTENSIONS[ext];
  if (named === format) return undefined;
  if (!named) return `cannot write ${format === "mermaid" ? "Mermaid" : format.toUpperCase()} to ${out}: ccflow graph writes .svg, .png or .md/.mmd (Mermaid)${ext ? `, not ${ext}` : ""}`;
  return `--format ${format} does not match ${out} (a ${ext} file holds ${named === "mermaid" ? "Mermaid" : named.toUpperCase()})`;
}

async function readCoverage(file: string, flowName: string, flowFile: string): Promise<FlowCoverage | string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `cannot read the coverage file ${file}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`;
  }
  const flows = (parsed as { format?: unknown; flows?: unknown }).flows;
  if ((parsed as { format?: unknown }).format !== "ccflow-coverage" || !Array.isArray(flows)) {
    return `${file} is not a coverage file from ccflow test --coverage-out`;
  }
  const list = flows as FlowCoverage[];
  const match = list.find((f) => f.file && basename(f.file) === basename(flowFile)) ?? list.find((f) => f.flow === flowName);
  if (!match) return `${file} has no coverage for the flow ${flowName} (it covers ${list.map((f) => f.flow).join(", ") || "nothing"})`;
  return match;
}

export async function runGraphCommand(flowFile: string, opts: GraphOptions, io: Io): Promise<number> {
  const format = formatOf(opts);
  if (!FORMATS.includes(format as Format)) {
    io.err(`ccflow: --format must be svg, png or mermaid, not ${JSON.stringify(opts.format)}\n`);
    return 1;
  }
  const mismatch = extensionProblem(opts.out, format as Format);
  if (mismatch) {
    io.err(`ccflow: ${mismatch}\n`);
    return 1;
  }
  const panels = opts.panels ?? "both";
  if (panels !== "both" && panels !== "main" && panels !== "events") {
    io.err(`ccflow: --panels must be main, events or both, not ${JSON.stringify(opts.panels)}\n`);
    return 1;
  }
  const scale = opts.scale === undefined ? 1 : Number(opts.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 8) {
    io.err(`ccflow: --scale must be a number from 0.1 to 8\n`);
    return 1;
  }
  if (format === "png" && !opts.out) {
    io.err("ccflow: a PNG needs --out <file.png> (it is not printed to the terminal)\n");
    return 1;
  }
  const read = await readFlowFile(flowFile);
  const flow = read.flow;
  const fatal = read.diagnostics.filter((d) => d.severity === "error");
  if (!flow || (fatal.length > 0 && flow.main.activities.size === 0)) {
    io.err(`ccflow: ${fatal[0]?.message ?? `cannot read ${flowFile}`}\n`);
    return 1;
  }
  let coverage: FlowCoverage | undefined;
  if (opts.coverage) {
    const c = await readCoverage(opts.coverage, flow.name, flowFile);
    if (typeof c === "string") {
      io.err(`ccflow: ${c}\n`);
      return 1;
    }
    coverage = c;
  }

  let drawn = flow;
  let diff: DiffMarks | undefined;
  if (opts.diff) {
    if (format === "mermaid" || coverage) {
      io.err("ccflow: --diff draws SVG or PNG, without --coverage\n");
      return 1;
    }
    const old = await readFlowFile(opts.diff);
    if (!old.flow) {
      io.err(`ccflow: ${opts.diff}: ${old.diagnostics.find((d) => d.severity === "error")?.message ?? "not a flow export"}\n`);
      return 1;
    }
    const picture = diffPicture(old.flow, flow, `${basename(opts.diff)} → ${basename(flowFile)}`);
    drawn = picture.flow;
    diff = picture.marks;
  }
  let output: string | Buffer;
  if (format === "mermaid") output = renderFlowMermaid(flow, { coverage });
  else {
    const svg = renderFlowSvg(drawn, { coverage, panels: panels as "both", ...(diff ? { diff, title: diff.title } : {}) });
    output = format === "png" ? svgToPng(svg, { scale }).png : svg;
  }
  if (!opts.out) {
    io.out(output);
    return 0;
  }
  try {
    await writeFile(opts.out, output);
  } catch (err) {
    io.err(`ccflow: cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  io.err(`wrote ${opts.out}\n`);
  return 0;
}

export function register(program: Command): void {
  program
    .command("graph")
    .description("draw a flow as the designer lays it out (SVG or PNG), or as Mermaid for Markdown")
    .argument("<flow>", "Flow Designer export (.json)")
    .option("-o, --out <file>", "write here (.svg, .png, .md/.mmd) instead of printing")
    .option("-f, --format <format>", "svg, png or mermaid (default: from --out's extension, else svg)")
    .option("--coverage <file>", "coverage from ccflow test --coverage-out: highlight taken paths, mark ports never taken")
    .option("--panels <which>", "main, events or both", "both")
    .option("--scale <n>", "PNG scale factor (2 for high-density screens)")
    .option("--diff <old>", "mark what changed since this older export: added, removed and changed activities and links")
    .action(async (flowFile: string, opts: GraphOptions) => {
      process.exitCode = await runGraphCommand(flowFile, opts, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
    });
}
