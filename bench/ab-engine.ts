/**
 * `node --expose-gc dist/bench/ab-engine.js <dist-A> <dist-B> [engine|gateway] [calls] [rounds]`:
 * the engine benchmark's throughput (or its bare-gateway baseline, with URL memos) for two builds
 * loaded in one process, in alternating rounds, so that both see the same machine load. On a
 * machine shared with other work absolute figures swing by a third between runs; the per-round
 * ratio B ÷ A of CPU per call holds much better. Each dist is a `dist/` directory of a ccflow
 * checkout built with `npx tsc -b tsconfig.build.json` (its node_modules beside it). The two
 * builds share one heap, so a difference in garbage is spread over both: the ratio understates
 * a GC difference. Prints one line per build and the median ratio.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

interface Build {
  name: string;
  round(calls: number): Promise<number>;
}

const seedPath = resolve(import.meta.dirname, "../../../shared/seed/MSD_HTTP_Connector_Flow.json");
const CONNECTOR = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
const CONTACTS = "contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'14806754110')";
const CASES = "incidents?$select=title,_customerid_value,ticketnumber";

async function load(dist: string, mode: string): Promise<Build> {
  // Each build's own modules: its Runtime, clock and bench fixtures, not this checkout's.
  const imp = async (path: string) => (await import(pathToFileURL(join(resolve(dist), path)).href)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const { ScriptedCaller } = await imp("src/channels/scripted.js");
  const { VirtualClock } = await imp("src/time/clock.js").catch(() => imp("src/engine/clock.js"));
  const { parseFlowText } = await imp("src/flow/load.js");
  const { Runtime } = await imp("src/runtime/runtime.js");
  const { crmFixture, benchEnvironment } = await imp("bench/engine.bench.js");
  const flow = parseFlowText(readFileSync(seedPath, "utf8"), seedPath).flow;
  const environment = benchEnvironment(mode === "engine" ? 200 : 0);
  return {
    name: dist,
    async round(calls) {
      const clock = new VirtualClock();
      const runtime = new Runtime({ environment, flows: [flow], clock, fixtures: crmFixture({ token: 0, api: 0 }) });
      let started = 0;
      const memos = [{}, {}];
      const cpu0 = process.cpuUsage();
      const worker = async () => {
        while (started < calls) {
          started++;
          if (mode === "engine") {
            await runtime.startCall(flow, { ani: "+14806754110", channel: new ScriptedCaller(clock, "1") }).done;
            continue;
          }
          for (const [i, target] of [CONTACTS, CASES].entries()) {
            await runtime.gateway.execute({ activity: "b", connectorId: CONNECTOR, target, query: [], method: "GET", headers: {}, timeoutMs: 2000, retryAttempts: 1, urlMemo: memos[i] }, clock);
          }
        }
      };
      await Promise.all(Array.from({ length: 200 }, worker));
      const cpu = process.cpuUsage(cpu0);
      await runtime.close();
      return (cpu.user + cpu.system) / calls;
    },
  };
}

async function main(): Promise<void> {
  const [a, b, mode = "engine", callsArg = "8000", roundsArg = "7"] = process.argv.slice(2);
  if (!a || !b || (mode !== "engine" && mode !== "gateway")) throw new Error("usage: ab-engine.js <dist-A> <dist-B> [engine|gateway] [calls] [rounds]");
  const calls = Number(callsArg);
  const builds = [await load(a, mode), await load(b, mode)];
  for (const build of builds) await build.round(Math.min(calls, 3000));
  const us: number[][] = [[], []];
  for (let r = 0; r < Number(roundsArg); r++) {
    for (let i = 0; i < 2; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      us[i]!.push(await builds[i]!.round(calls));
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const unit = mode === "engine" ? "call" : "request pair";
  for (let i = 0; i < 2; i++) console.log(`${builds[i]!.name}: ${us[i]!.map((x) => x.toFixed(0)).join(", ")} µs CPU per ${unit} (median ${median(us[i]!).toFixed(1)})`);
  console.log(`B ÷ A, per round: median ${median(us[1]!.map((x, r) => x / us[0]![r]!)).toFixed(3)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`ab-engine: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
