/** The shape every benchmark module exports, so `npm run bench` can run and report them together. */
export interface BenchContext {
  /** Shorter runs (for a smoke check), when true. */
  quick: boolean;
  log(line: string): void;
}

export interface BenchResult {
  /** Flat figures, merged into the `--json` object (keys must be unique across modules). */
  figures: Record<string, number>;
  /** Markdown lines for BENCHMARKS.md: what was measured, the baseline, the ratio. */
  report: string[];
}

export interface BenchModule {
  name: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
