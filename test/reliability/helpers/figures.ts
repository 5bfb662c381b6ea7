/**
 * Figures of a reliability run (calls, faults, outcomes, fuzz cases): printed as one line per test
 * family and written as JSON to CCFLOW_FIGURES_DIR (default: the system temp directory), from which
 * RELIABILITY.md is written by hand.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function figuresDir(): string {
  return process.env.CCFLOW_FIGURES_DIR ?? path.join(tmpdir(), "ccflow-reliability");
}

export function recordFigures(family: string, figures: Record<string, unknown>): void {
  const dir = figuresDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${family}.json`);
  writeFileSync(file, `${JSON.stringify({ family, at: new Date().toISOString(), ...figures }, null, 2)}\n`);
  console.log(`[reliability] ${family}: ${JSON.stringify(figures)}`);
}
