/**
 * Child-process entry for one timed round of the engine benchmark (bench/engine.bench.ts):
 * `node --expose-gc dist/bench/engine-round.js <seed flow> <engine|gateway> <calls> <concurrency> <warm-up>`.
 * A fresh process warms up on the same work (engine calls, or bare gateway request pairs), collects
 * garbage, runs one timed round and prints its figures as one JSON line.
 *
 * Why a process per round: in one process the engine's rounds depended on what ran before them.
 * After a round of bare gateway requests, V8's heap-growing heuristics set a lower old-generation
 * limit at the next collection, so the following engine round started marking early; after that
 * mid-round mark-compact each scavenge promoted about 1.7× as much, and over a run the engine
 * rounds promoted 47 → 87 MB and took 83 → 104 µs CPU per call (BENCHMARKS.md §18d). Here every
 * round starts from the same state: a process that has done only this round's kind of work.
 */
import { readFileSync } from "node:fs";
import { parseFlowText } from "../src/flow/load.js";
import { baseline, throughput } from "./engine.bench.js";
import { collectGarbage } from "./stats.js";

async function main(): Promise<void> {
  const [seedPath, kind, callsArg, concurrencyArg, warmUpArg] = process.argv.slice(2);
  if (!seedPath || (kind !== "engine" && kind !== "gateway")) throw new Error("usage: engine-round.js <seed flow> <engine|gateway> <calls> <concurrency> <warm-up>");
  if (!(globalThis as { gc?: unknown }).gc) throw new Error("run with node --expose-gc: each round starts from a collected heap");
  const flow = parseFlowText(readFileSync(seedPath, "utf8"), seedPath).flow!;
  const [calls, concurrency, warmUp] = [Number(callsArg), Number(concurrencyArg), Number(warmUpArg)];
  const run = kind === "engine" ? (n: number) => throughput(flow, n, concurrency) : (n: number) => baseline(flow, n, concurrency);
  await run(warmUp);
  collectGarbage();
  process.stdout.write(`${JSON.stringify(await run(calls))}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`engine-round: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
