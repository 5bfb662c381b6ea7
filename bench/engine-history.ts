/**
 * `node dist/bench/engine-history.js [pattern] [calls] [warm-up]`: the engine benchmark's rounds in
 * ONE process, in the order `pattern` gives (E an engine round, G a bare-gateway baseline round;
 * default EGEGEGEGEG, what `npm run bench` did until the sixth round), each after a forced GC and
 * after a warm-up of 5,000 of each kind `warm-up` names (default EG, as the bench did),
 * with what V8's collector did in each round. It runs itself in a child with `--trace-gc-nvp`
 * and sums the child's per-collection lines by round: scavenges, bytes promoted to old space,
 * mark-compacts and the heap size when the round's first one began. Promoted bytes do not depend
 * on the machine's load; CPU per call does. Not part of `npm run bench`: the tool that showed why
 * the rounds of one process drifted (BENCHMARKS.md §18d).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlowText } from "../src/flow/load.js";
import { baseline, throughput } from "./engine.bench.js";
import { collectGarbage } from "./stats.js";

const seedPath = resolve(import.meta.dirname, "../../../shared/seed/MSD_HTTP_Connector_Flow.json");
const CONCURRENCY = 200;
const WARM_UP = 5_000;

/** The child: the warm-up, then the rounds, each marked on stdout. */
async function child(pattern: string, calls: number, warmUp: string): Promise<void> {
  const flow = parseFlowText(readFileSync(seedPath, "utf8"), seedPath).flow!;
  for (const kind of warmUp) await (kind === "E" ? throughput(flow, WARM_UP, CONCURRENCY) : baseline(flow, WARM_UP, CONCURRENCY));
  for (const kind of pattern) {
    collectGarbage();
    process.stdout.write("ROUND-START\n");
    const cpu = kind === "E" ? (await throughput(flow, calls, CONCURRENCY)).cpuUsPerCall : (await baseline(flow, calls, CONCURRENCY)).cpuUsPerPair;
    process.stdout.write(`ROUND ${kind} ${cpu.toFixed(1)}\n`);
  }
}

interface RoundGc {
  scavenges: number;
  promotedBytes: number;
  markCompacts: number;
  heapAtFirstMarkCompact?: number;
}

async function parent(pattern: string, calls: number, warmUp: string): Promise<void> {
  const proc = spawn(process.execPath, ["--expose-gc", "--trace-gc-nvp", fileURLToPath(import.meta.url), "--child", pattern, String(calls), warmUp], { stdio: ["ignore", "pipe", "inherit"] });
  let text = "";
  proc.stdout.on("data", (d: Buffer) => (text += d.toString()));
  const code = await new Promise<number | null>((ok) => proc.on("exit", ok));
  if (code !== 0) throw new Error(`the child exited with ${code}`);
  let gc: RoundGc | undefined;
  console.log("round  kind  CPU µs per call/pair  scavenges  promoted MB  mark-compacts  heap MB at the first");
  let n = 0;
  for (const line of text.split("\n")) {
    if (line === "ROUND-START") gc = { scavenges: 0, promotedBytes: 0, markCompacts: 0 };
    else if (line.startsWith("ROUND ") && gc) {
      const [, kind, cpu] = line.split(" ");
      const first = gc.heapAtFirstMarkCompact === undefined ? "" : (gc.heapAtFirstMarkCompact / 1048576).toFixed(0);
      console.log(`${String(++n).padStart(5)}  ${kind!.padEnd(4)}  ${cpu!.padStart(20)}  ${String(gc.scavenges).padStart(9)}  ${(gc.promotedBytes / 1048576).toFixed(1).padStart(11)}  ${String(gc.markCompacts).padStart(13)}  ${first.padStart(20)}`);
      gc = undefined;
    } else if (gc && line.includes(" gc=")) {
      const kind = / gc=(\S+)/.exec(line)![1];
      const promoted = Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
      if (kind === "s") {
        gc.scavenges++;
        gc.promotedBytes += promoted;
      } else if (kind === "mc" || kind === "mmc") {
        gc.markCompacts++;
        gc.heapAtFirstMarkCompact ??= Number(/ total_size_before=(\d+)/.exec(line)?.[1] ?? 0);
        // A mark-compact moves the young generation's live objects to old space too.
        gc.promotedBytes += promoted;
      }
    }
  }
}

const args = process.argv.slice(2);
const run = args[0] === "--child" ? child(args[1]!, Number(args[2]), args[3]!) : parent(args[0] ?? "EGEGEGEGEG", Number(args[1] ?? 20_000), args[2] ?? "EG");
run.then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`engine-history: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
