/**
 * Child-process entry for the engine benchmark's memory figure: N calls of the seed flow waiting
 * in queue (play-music loop, nobody staffing) on a VirtualClock moved by hand. RSS and heap are
 * read after forced GCs (run with --expose-gc), once the process has settled (see quiesce), before
 * and after the calls, in this otherwise idle process; prints one JSON line {mode, waiting, rssKb,
 * rssWithYoungKb, youngMb, heapKb} with the growth per waiting call (see reading for rssKb).
 *
 * Two modes (argv[4]):
 * - `engine`: `Runtime.startCall` with a scripted caller and no listener, the engine's own share;
 * - `served`: the calls placed the way `ccflow serve` places them — through its CallRegistry, each
 *   with its browser channel and its trace buffer (the events a supervisor reads), and with the
 *   listeners the server attaches to every call: its Prometheus metrics (ServerMetrics) and the
 *   contact log (pino, at info, written to /dev/null). Left out: the desk's persisted contact
 *   records and open sockets, which hold nothing per waiting call until someone watches it.
 */
import { openSync, readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";
import pino from "pino";
import { ScriptedCaller } from "../src/channels/scripted.js";
import { VirtualClock } from "../src/time/clock.js";
import { parseFlowText } from "../src/flow/load.js";
import { Runtime } from "../src/runtime/runtime.js";
import { CallRegistry } from "../src/server/calls.js";
import { logContacts } from "../src/server/contact-log.js";
import { ServerMetrics } from "../src/server/metrics.js";
import { benchEnvironment, crmFixture } from "./engine.bench.js";

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with node --expose-gc: without a forced collection the figures include garbage");
  collect();
}

/**
 * Full collections half a second apart until the process has settled: at least 2 s of them and
 * three readings in a row that agree (RSS and heap total within 0.5%), at most 20 s. Until the
 * sixth round a reading came at the first collection that freed less than 1% of RSS; the old
 * space is as compact then as it gets (these collections compact no further), but V8 resizes its
 * young generation and hands pages back in the background, so RSS could still move by ~3 KB a call.
 */
async function quiesce(): Promise<void> {
  const start = Date.now();
  let last = process.memoryUsage();
  let agreeing = 0;
  const near = (a: number, b: number) => Math.abs(a - b) <= b * 0.005;
  while (Date.now() - start < 20_000) {
    gc();
    await new Promise((r) => setTimeout(r, 500));
    const now = process.memoryUsage();
    agreeing = near(now.rss, last.rss) && near(now.heapTotal, last.heapTotal) ? agreeing + 1 : 0;
    last = now;
    if (agreeing >= 3 && Date.now() - start >= 2_000) return;
  }
}

/**
 * RSS, heap in use, and the young generation's resident pages. V8 sizes the young generation by
 * the allocation rate, not by what is held: the burst of call starts grows it to 32 MB and it may
 * stay so (or shrink) whatever the calls hold, while the reading before the calls, in an idle
 * process, finds it at 1 MB or at 32 MB. The per-call RSS figure leaves that difference out, and
 * reports it beside.
 */
function reading(): { rss: number; heapUsed: number; young: number } {
  const young = getHeapSpaceStatistics()
    .filter((s) => s.space_name === "new_space" || s.space_name === "new_large_object_space")
    .reduce((n, s) => n + s.physical_space_size, 0);
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, young };
}

async function main(): Promise<void> {
  const [seedPath, count, mode = "engine"] = process.argv.slice(2);
  if (mode !== "engine" && mode !== "served") throw new Error(`mode must be engine or served, got ${mode}`);
  const calls = Number(count);
  const flow = parseFlowText(readFileSync(seedPath!, "utf8"), seedPath!).flow!;
  const clock = new VirtualClock({ autoAdvance: false });
  const runtime = new Runtime({ environment: benchEnvironment(0), flows: [flow], clock, fixtures: crmFixture({ token: 0, api: 0 }) });
  const registry = new CallRegistry({ runtime, clock });
  const catalogFlow = { id: "seed", name: flow.name ?? "seed", source: "file", definition: flow } as unknown as Parameters<CallRegistry["place"]>[0];
  const detach: Array<() => void> = [];
  if (mode === "served") {
    const metrics = new ServerMetrics();
    metrics.attach(runtime.center, registry, () => clock.now());
    detach.push(() => metrics.detach());
    detach.push(logContacts(registry, pino({ level: "info" }, pino.destination({ fd: openSync("/dev/null", "w"), sync: false }))));
  }
  const start = (): { hangup(): void } => {
    if (mode === "engine") return runtime.startCall(flow, { ani: "+14806754110", channel: new ScriptedCaller(clock, "1") });
    const session = registry.place(catalogFlow, "+14806754110", "+18005550100");
    // The caller presses 1 at the menu, as the scripted caller does.
    session.channel.press("1");
    return { hangup: () => session.interaction.hangup() };
  };
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      await clock.advance(2_000);
      await new Promise((r) => setImmediate(r));
    }
  };
  // Warm up the code paths and caches so the difference is the calls, not the first call.
  const warm = start();
  await settle();
  warm.hangup();
  await settle();
  await quiesce();
  const before = reading();
  const interactions = [];
  for (let i = 0; i < calls; i++) interactions.push(start());
  await settle();
  // Starting 10,000 calls at once leaves pages of garbage behind; full collections free them and
  // V8 hands the pages back shortly after. What stays is what the waiting calls hold, and the
  // pages V8 keeps for them: old space the burst left fragmented is not compacted by these
  // collections, and it stays resident in a real server as well.
  await quiesce();
  const after = reading();
  const waiting = runtime.center.listQueues().reduce((n, q) => n + q.waiting.length, 0);
  // Every call must be in the queue's music loop, or the figure is not per waiting call.
  if (waiting !== calls) throw new Error(`expected ${calls} calls waiting in queue, found ${waiting}`);
  // The figure goes out as soon as it is known: ending 10,000 calls takes longer than placing
  // them on a loaded machine, and a parent that gives up on the cleanup still has its figure.
  const perCall = (bytes: number) => bytes / 1024 / calls;
  const rssKb = perCall(after.rss - after.young - (before.rss - before.young));
  process.stdout.write(`${JSON.stringify({ mode, waiting, rssKb, rssWithYoungKb: perCall(after.rss - before.rss), youngMb: [before.young / 1048576, after.young / 1048576], heapKb: perCall(after.heapUsed - before.heapUsed) })}\n`);
  for (const i of interactions) i.hangup();
  await settle();
  for (const d of detach) d();
  await runtime.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`engine-memory: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
