/**
 * `node --expose-gc dist/bench/engine-alloc.js [engine|gateway] [calls] [sites]`: what one engine
 * benchmark call (or one bare gateway request pair, with URL memos) allocates, garbage included,
 * by allocating function. V8's sampling heap profiler (through the inspector) with collected
 * objects kept, over one round after a warm-up round; the figures are sampled, so sites under
 * ~50 B per call are noise. Bytes allocated per call are the steadiest figure on a loaded
 * machine: CPU time per call moves by a third with the load, allocation does not. Not part of
 * `npm run bench`: a tool for reading where a call's garbage comes from (BENCHMARKS.md §15b).
 */
import { readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import { ScriptedCaller } from "../src/channels/scripted.js";
import { parseFlowText } from "../src/flow/load.js";
import { Runtime } from "../src/runtime/runtime.js";
import { VirtualClock } from "../src/time/clock.js";
import { benchEnvironment, crmFixture } from "./engine.bench.js";

const seedPath = resolve(import.meta.dirname, "../../../shared/seed/MSD_HTTP_Connector_Flow.json");
const CONNECTOR = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
const TARGETS = ["contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'14806754110')", "incidents?$select=title,_customerid_value,ticketnumber"];

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function main(): Promise<void> {
  const [mode = "engine", callsArg = "20000", sitesArg = "40"] = process.argv.slice(2);
  if (mode !== "engine" && mode !== "gateway") throw new Error("usage: engine-alloc.js [engine|gateway] [calls] [sites]");
  const calls = Number(callsArg);
  const flow = parseFlowText(readFileSync(seedPath, "utf8"), seedPath).flow!;
  const environment = benchEnvironment(mode === "engine" ? 200 : 0);
  const round = async (n: number) => {
    const clock = new VirtualClock();
    const runtime = new Runtime({ environment, flows: [flow], clock, fixtures: crmFixture({ token: 0, api: 0 }) });
    const memos = [{}, {}];
    let started = 0;
    const worker = async () => {
      while (started < n) {
        started++;
        if (mode === "engine") {
          await runtime.startCall(flow, { ani: "+14806754110", channel: new ScriptedCaller(clock, "1") }).done;
          continue;
        }
        for (const [i, target] of TARGETS.entries()) {
          await runtime.gateway.execute({ activity: "b", connectorId: CONNECTOR, target, query: [], method: "GET", headers: {}, timeoutMs: 2000, retryAttempts: 1, urlMemo: memos[i] }, clock);
        }
      }
    };
    await Promise.all(Array.from({ length: 200 }, worker));
    await runtime.close();
  };
  await round(Math.min(calls, 5000));
  (globalThis as { gc?: () => void }).gc?.();
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await round(calls);
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as unknown as { profile: { head: ProfileNode } };
  session.disconnect();
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    const f = node.callFrame;
    const site = `${f.functionName || "(anonymous)"} ${f.url.replace(/.*\/dist\//, "")}:${f.lineNumber + 1}`;
    total += node.selfSize;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const unit = mode === "engine" ? "call" : "request pair";
  console.log(`${(total / calls / 1024).toFixed(2)} KB allocated per ${unit} (${calls} ${unit}s, 200 at a time)`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(sitesArg))) console.log(`${(bytes / calls).toFixed(0).padStart(7)} B  ${site}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`engine-alloc: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
