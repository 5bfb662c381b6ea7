import { readFileSync } from "node:fs";

/**
 * Rounds of one figure: their min, median and max. Targets are judged on the median; the spread
 * says how far one run can be trusted on the machine it ran on.
 */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("no rounds to summarise");
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted.at(-1)! };
}

/** `median (min–max)`, each with `digits` decimals. */
export function showSpread(s: Spread, digits = 0): string {
  const f = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** Figures `<name>`, `<name>_min`, `<name>_max` for the JSON report (the bare name is the median). */
export function spreadFigures(name: string, s: Spread, digits = 0): Record<string, number> {
  const r = (x: number) => Number(x.toFixed(digits));
  return { [name]: r(s.median), [`${name}_min`]: r(s.min), [`${name}_max`]: r(s.max) };
}

/** The 1-, 5- and 15-minute load averages, for the report beside every figure. */
export async function loadAverage(): Promise<string> {
  const { loadavg, cpus } = await import("node:os");
  return `load average ${loadavg().map((x) => x.toFixed(2)).join(", ")} on ${cpus().length} cores`;
}

/** Collects garbage before a timed round (the npm script runs with --expose-gc), so one round's garbage is not the next one's pause. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * CPU seconds (user + system) the given processes have used so far, from /proc (Linux); the
 * processes of another program (a PostgreSQL server and its backends) included. Processes that
 * are gone count nothing.
 */
export function processCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited since it was listed.
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** The kernel's USER_HZ, 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A process and its children (Linux's /proc/<pid>/task/<pid>/children), for processCpuSeconds. */
export function processTree(pid: number): number[] {
  const pids = [pid];
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)) if (child) pids.push(Number(child));
  } catch {
    // Not Linux, or the process is gone: the process alone.
  }
  return pids;
}
