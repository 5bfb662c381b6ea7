/**
 * The template engine alone: every template of the seed flow (its activities' fields), compiled
 * once and rendered over and over, as the engine does per call. Figures: template renders per
 * second and seed "template sets" (all of the flow's templates once, roughly one call's worth)
 * per second. Baseline, in the same run: plain string concatenation of the same pieces (the text
 * between the tags and each `{{ }}`'s looked-up value), i.e. what rendering costs with no
 * template engine at all. Also: parses per second (paid once per distinct template).
 * The seed flow is read from ../shared; without it the module says so and reports nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { objectScope, parseTemplate, stringify, type Scope, type Template } from "../src/expr/index.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const seedPath = resolve(repoRoot(), "../shared/seed/MSD_HTTP_Connector_Flow.json");

function seedTemplates(): string[] {
  const flow = JSON.parse(readFileSync(seedPath, "utf8")) as unknown;
  const found = new Set<string>();
  // The main flow's and the event flows' activities; `diagram` only repeats them for layout.
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.includes("{{") || v.includes("{%")) found.add(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") for (const [k, child] of Object.entries(v)) if (k !== "diagram") walk(child);
  };
  walk(flow);
  return [...found];
}

/** Values for what the templates read: strings such as a CRM would return. */
function scopeFor(templates: Template[]): { scope: Scope; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  for (const t of templates) {
    for (const ref of t.references()) {
      if (ref.path.length === 0) values[ref.root] ??= ref.root === "ANI" ? "14806754110" : `value of ${ref.root}`;
      else {
        const obj = (values[ref.root] ??= {}) as Record<string, unknown>;
        obj[ref.path[0]!] ??= ref.path[0] === "ANI" ? "+14806754110" : `value of ${ref.path[0]}`;
      }
    }
  }
  values.CustomerID ??= "NA";
  values.CustomerType ??= "New";
  return { scope: objectScope(values), values };
}

/** The same output built by hand: literal pieces and each tag's value looked up directly. */
function baselineFor(source: string, values: Record<string, unknown>): () => string {
  const pieces: Array<string | (() => string)> = [];
  let pos = 0;
  for (const m of source.matchAll(/\{\{\s*([A-Za-z_][\w]*)(?:\.([A-Za-z_]\w*))?[^}]*\}\}/g)) {
    pieces.push(source.slice(pos, m.index));
    const [, root, attr] = m as unknown as [string, string, string | undefined];
    pieces.push(() => {
      const v = values[root];
      return stringify(attr && v && typeof v === "object" ? (v as Record<string, unknown>)[attr] : v);
    });
    pos = m.index + m[0].length;
  }
  pieces.push(source.slice(pos));
  return () => {
    let out = "";
    for (const p of pieces) out += typeof p === "string" ? p : p();
    return out;
  };
}

function perSecond(count: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

const bench: BenchModule = {
  name: "expr",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!existsSync(seedPath)) {
      ctx.log(`  ${seedPath} not found: expr benchmark skipped`);
      return { figures: {}, report: [`Skipped: the seed flow (${seedPath}) is not available.`] };
    }
    const sources = seedTemplates();
    const templates = sources.map((s) => parseTemplate(s));
    const { scope, values } = scopeFor(templates);
    const baselines = sources.map((s) => baselineFor(s, values));
    const options = { now: () => 1_738_876_142_712 };
    const sets = ctx.quick ? 20_000 : 200_000;
    let sink = 0;

    const renderAll = (n: number) => {
      for (let i = 0; i < n; i++) for (const t of templates) sink += t.render(scope, options).length;
    };
    const concatAll = (n: number) => {
      for (let i = 0; i < n; i++) for (const b of baselines) sink += b().length;
    };
    // Warm up both paths so the JIT has compiled them before timing.
    renderAll(Math.min(5_000, sets / 4));
    concatAll(Math.min(5_000, sets / 4));

    const setsPerSecond = perSecond(sets, () => renderAll(sets));
    const baselineSetsPerSecond = perSecond(sets, () => concatAll(sets));
    const parseRounds = ctx.quick ? 500 : 5_000;
    const parsesPerSecond = perSecond(parseRounds * sources.length, () => {
      for (let i = 0; i < parseRounds; i++) for (const s of sources) sink += parseTemplate(s).source.length;
    });
    if (sink === 0) ctx.log("  (no output?)");

    const rendersPerSecond = setsPerSecond * templates.length;
    const ratio = baselineSetsPerSecond / setsPerSecond;
    const round = (n: number) => Math.round(n);
    ctx.log(`  ${templates.length} templates; ${round(rendersPerSecond)} renders/s; concat baseline ${round(baselineSetsPerSecond * templates.length)}/s`);
    return {
      figures: {
        expr_renders_per_s: round(rendersPerSecond),
        expr_seed_template_sets_per_s: round(setsPerSecond),
        expr_baseline_concat_per_s: round(baselineSetsPerSecond * templates.length),
        expr_vs_concat_ratio: Number(ratio.toFixed(2)),
        expr_parses_per_s: round(parsesPerSecond),
      },
      report: [
        `Seed flow templates: ${templates.length} (compiled once), each rendered ${sets.toLocaleString("en-US")} times against a scope of CRM-like strings.`,
        "",
        "| measure | per second |",
        "|---|---|",
        `| template renders (\`expr_renders_per_s\`) | ${round(rendersPerSecond).toLocaleString("en-US")} |`,
        `| all seed templates once (\`expr_seed_template_sets_per_s\`) | ${round(setsPerSecond).toLocaleString("en-US")} |`,
        `| baseline: string concatenation of the same pieces | ${round(baselineSetsPerSecond * templates.length).toLocaleString("en-US")} |`,
        `| parses (once per distinct template) | ${round(parsesPerSecond).toLocaleString("en-US")} |`,
        "",
        `Rendering costs ${ratio.toFixed(2)}× plain concatenation. At the engine's target of 20,000 calls/s through the seed flow, with each of its ${templates.length} templates rendered once per call, this module must supply ${(20_000 * templates.length).toLocaleString("en-US")} renders/s: ${(rendersPerSecond / (20_000 * templates.length)).toFixed(0)}× headroom.`,
      ],
    };
  },
};

export default bench;
