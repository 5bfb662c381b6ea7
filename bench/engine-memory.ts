/**
 * Child-process entry for the engine benchmark's memory figure: N calls of the seed flow waiting
 * in queue (play-music loop, nobody staffing) on a VirtualClock moved by hand. RSS and heap are
 * read after forced GCs (run with --expose-gc), once RSS has stopped falling, before and after
 * the calls, in this otherwise idle process; prints one JSON line {mode, waiting, rssKb, heapKb}
 * with the growth per waiting call.
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

/** Full collections with pauses between them, until RSS stops falling (at most 2 s). */
async function quiesce(): Promise<void> {
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 200));
    const rss = process.memoryUsage().rss;
    if (rss >= last * 0.99) return;
    last = rss;
  }
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
  const before = process.memoryUsage();
  const interactions = [];
  for (let i = 0; i < calls; i++) interactions.push(start());
  await settle();
  // Starting 10,000 calls at once leaves pages of garbage behind; a full collection frees them and
  // V8 hands the pages back shortly after. What stays is what the waiting calls hold.
  await quiesce();
  const after = process.memoryUsage();
  const waiting = runtime.center.listQueues().reduce((n, q) => n + q.waiting.length, 0);
  // Every call must be in the queue's music loop, or the figure is not per waiting call.
  if (waiting !== calls) throw new Error(`expected ${calls} calls waiting in queue, found ${waiting}`);
  // The figure goes out as soon as it is known: ending 10,000 calls takes longer than placing
  // them on a loaded machine, and a parent that gives up on the cleanup still has its figure.
  process.stdout.write(`${JSON.stringify({ mode, waiting, rssKb: (after.rss - before.rss) / 1024 / calls, heapKb: (after.heapUsed - before.heapUsed) / 1024 / calls })}\n`);
  for (const i of interactions) i.hangup();
  await settle();
  for (const d of detach) d();
  await runtime.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`engine-memory: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
