/**
 * Flow files from a hostile or careless world: the fuzzer mutates our example flow and (when
 * ../shared is there) the seed and the shared exports — keys deleted, values of the wrong type,
 * links to nowhere, megabyte strings, 100,000-deep nesting, cycles with no wait in them,
 * `__proto__` ids, broken templates, truncated text — and checks that
 *
 *  - the loader and the validator always answer with diagnostics (never a throw, never a stack
 *    trace, never a message that dumps the megabyte string back), in bounded time;
 *  - `ccflow validate` answers every such file with exit code 0 or 1 and readable lines, in
 *    process and as the real command;
 *  - a mutated flow that still loads runs to an end (step and loop limits, the call limit) with a
 *    caller, an agent and a CRM answering at random — it never hangs.
 *
 * Seeded (CCFLOW_SEED replays a run); CCFLOW_LONG=1 multiplies the cases.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify, stripVTControlCharacters } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import type { CenterPort, ContactHandle, QueueRequest } from "../../src/center/types.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { main } from "../../src/cli/main.js";
import { VirtualClock } from "../../src/time/clock.js";
import { Engine } from "../../src/engine/engine.js";
import type { EndedEvent } from "../../src/engine/events.js";
import type { Interaction } from "../../src/engine/interaction.js";
import { parseFlowText } from "../../src/flow/load.js";
import type { Diagnostic, FlowDefinition } from "../../src/flow/types.js";
import { validateFlow } from "../../src/flow/validate.js";
import { FakeHttp } from "../helpers/fakes.js";
import { ensureBuilt } from "./helpers/dist.js";
import { FlowMutator, MUTATION_KINDS, type Mutant, type MutationKind } from "./helpers/flow-mutations.js";
import { hasShared, sourceFlows, type SourceFlow } from "./helpers/flow-sources.js";
import { withinRealTime } from "./helpers/hang-guard.js";
import { BASE_SEED, LONG, Rng } from "./helpers/random.js";
import { recordFigures } from "./helpers/figures.js";

const CASES = LONG ? 20_000 : 800;
const RUNS = LONG ? 2_000 : 150;
const CLI_FILES = LONG ? 400 : 60;
/** Hang detector per case (real time); a case normally takes milliseconds. */
const CASE_BOUND_MS = 10_000;

const sources = sourceFlows();
const registry = createRegistry();
const tmp = mkdtempSync(path.join(tmpdir(), "ccflow-flow-fuzz-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

if (!hasShared) process.stderr.write("notice: ../shared is absent; the flow fuzzer mutates only our example flow\n");

interface Case {
  source: SourceFlow;
  mutant: Mutant;
  kind?: MutationKind;
  flow?: FlowDefinition;
  diagnostics: Diagnostic[];
  ms: number;
}

/** A JavaScript stack frame (`    at fn (file.js:1:2)`), not the CLI's own `at $.process...` lines. */
const STACK = /^\s+at (?:.+ \()?(?:file:\/\/|node:|\/)[^)]*:\d+:\d+\)?$/m;

/** What is wrong with a diagnostic a user would read, or undefined. */
function unclear(d: Diagnostic): string | undefined {
  if (typeof d.message !== "string" || d.message.trim() === "") return "empty message";
  if (STACK.test(d.message)) return "stack trace in the message";
  if (d.message.length > 2_000) return `message of ${d.message.length} characters (echoes the input instead of saying what is wrong)`;
  // A JSON syntax error quotes the text around the fault, which may well say `undefined`.
  if (d.code !== "not-json" && /\[object Object\]|\bundefined\b|\bNaN\b/.test(d.message) && !/"(undefined|NaN|\[object Object\])"/.test(d.message)) return `message shows a JavaScript value: ${d.message.slice(0, 200)}`;
  if (typeof d.path !== "string" || !d.path.startsWith("$")) return `path ${JSON.stringify(d.path)} is not a JSON path`;
  if (d.path.length > 2_000) return "path of more than 2,000 characters";
  return undefined;
}

/** The mutants one at a time: a soak run makes 20,000, some of them megabytes each. */
function* generate(count: number, seed: number): Generator<{ source: SourceFlow; mutant: Mutant; kind?: MutationKind }> {
  const rng = Rng.seeded(seed);
  const mutator = new FlowMutator(rng);
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length]!;
    // Every kind alone in turn, then random combinations.
    const kind = i < MUTATION_KINDS.length * sources.length * 2 ? MUTATION_KINDS[Math.floor(i / sources.length) % MUTATION_KINDS.length] : undefined;
    yield { source, mutant: mutator.mutate(source.raw, kind), kind };
  }
}

function load(source: SourceFlow, mutant: Mutant, kind?: MutationKind): Case {
  const started = performance.now();
  const read = parseFlowText(mutant.text, `${source.name} (fuzzed)`);
  const diagnostics = [...read.diagnostics];
  if (read.flow) for (const d of validateFlow(read.flow, registry)) diagnostics.push(d);
  return { source, mutant, kind, flow: read.flow, diagnostics, ms: performance.now() - started };
}

const figures = { cases: 0, loaded: 0, rejected: 0, valid: 0, maxMs: 0, slowest: "", byKind: {} as Record<string, number>, runs: 0, runEnds: {} as Record<string, number>, cliFiles: 0, cliRejected: 0, cliProcessFiles: 0 };

describe("the flow loader and validator under mutated flows", () => {
  /** Only the cases later tests use are kept: a spread of runnable flows and of files for the CLI. */
  const runnable: Case[] = [];
  const forCli: Case[] = [];

  it(`answers ${CASES} mutated flows with diagnostics, never a throw or a stack`, { timeout: LONG ? 3_600_000 : 240_000 }, () => {
    const failures: string[] = [];
    const runStride = Math.max(1, Math.floor(CASES / (RUNS * 2)));
    const cliStride = Math.max(1, Math.floor(CASES / CLI_FILES));
    let index = -1;
    let slowest = { ms: 0, description: "" };
    for (const { source, mutant, kind } of generate(CASES, BASE_SEED)) {
      index++;
      let c: Case;
      try {
        c = load(source, mutant, kind);
      } catch (err) {
        failures.push(`${source.name}: ${mutant.description}: threw ${(err as Error)?.stack ?? String(err)}`);
        continue;
      }
      figures.cases++;
      if (c.flow) figures.loaded++;
      if (c.diagnostics.some((d) => d.severity === "error")) figures.rejected++;
      if (c.kind) figures.byKind[c.kind] = (figures.byKind[c.kind] ?? 0) + 1;
      if (c.ms > slowest.ms) slowest = { ms: c.ms, description: mutant.description };
      if (index % runStride === 0 && c.flow?.startId && mutant.text.length < 2_000_000) runnable.push(c);
      if (index % cliStride === 0 && forCli.length < CLI_FILES) forCli.push(c);
      if (c.ms > CASE_BOUND_MS) failures.push(`${source.name}: ${mutant.description}: took ${Math.round(c.ms)} ms`);
      for (const d of c.diagnostics) {
        const why = unclear(d);
        if (why) failures.push(`${source.name}: ${mutant.description}: ${why} (${d.code} at ${String(d.path).slice(0, 120)})`);
      }
      let json = true;
      try {
        JSON.parse(mutant.text.replace(/^\uFEFF/, ""));
      } catch {
        json = false;
      }
      const errors = c.diagnostics.filter((d) => d.severity === "error");
      if (!json && errors.length === 0) failures.push(`${source.name}: ${mutant.description}: not JSON, yet no error`);
      if (!c.flow && errors.length === 0) failures.push(`${source.name}: ${mutant.description}: no flow and no error`);
    }
    figures.valid = figures.cases - figures.rejected;
    figures.maxMs = Math.round(slowest.ms);
    figures.slowest = slowest.description.slice(0, 160);
    expect(failures.slice(0, 20)).toEqual([]);
    // The fuzzer reaches both sides: files the loader refuses and files that still load.
    expect(figures.rejected).toBeGreaterThan(CASES / 10);
    expect(figures.loaded).toBeGreaterThan(CASES / 4);
  });

  it(`runs ${RUNS} mutated flows that still load to an end: no hang, whatever the CRM answers`, { timeout: LONG ? 3_600_000 : 240_000 }, async () => {
    expect(runnable.length).toBeGreaterThan(RUNS);
    const rng = Rng.seeded(BASE_SEED + 1);
    const failures: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = runnable[Math.floor((i * runnable.length) / RUNS)]!;
      try {
        const ended = await withinRealTime(runMutant(c.flow!, rng), CASE_BOUND_MS * 3, `${c.source.name}: ${c.mutant.description}`);
        figures.runEnds[ended.reason] = (figures.runEnds[ended.reason] ?? 0) + 1;
      } catch (err) {
        failures.push(`${c.source.name}: ${c.mutant.description}: ${(err as Error).message}`);
      }
      figures.runs++;
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it(`\`ccflow validate\` answers ${CLI_FILES} mutated files with exit 0 or 1 and readable lines`, { timeout: LONG ? 3_600_000 : 120_000 }, async () => {
    const files = forCli.map((c, i) => {
      const file = path.join(tmp, `fuzz-${i}.json`);
      writeFileSync(file, c.mutant.text);
      return file;
    });
    const out = await captureCli(["validate", ...files]);
    expect([0, 1]).toContain(out.code);
    expect(out.text).not.toMatch(STACK);
    for (const f of files) expect(out.text).toContain(f);
    const summaries = out.text.split("\n").filter((l) => /^\s+(✓ valid|✗ \d+ errors?)/.test(stripVTControlCharacters(l)));
    expect(summaries).toHaveLength(files.length);
    figures.cliFiles = files.length;
    figures.cliRejected = summaries.filter((l) => l.includes("✗")).length;
    const json = await captureCli(["validate", "--json", ...files]);
    const reports = JSON.parse(json.text) as Array<{ file: string; valid: boolean }>;
    expect(reports.map((r) => r.file)).toEqual(files);
  });

  it("`ccflow validate` as a process: the nastiest files get one readable answer each, exit 1, no stack", { timeout: 300_000 }, async () => {
    await ensureBuilt();
    const rng = Rng.seeded(BASE_SEED + 2);
    const mutator = new FlowMutator(rng);
    const example = sources[0]!;
    const nasty: Array<[string, string]> = [
      ["deep", `{"name":"deep","process":${"[".repeat(200_000)}${"]".repeat(200_000)}}`],
      ["deep-object", `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`],
      ["huge", JSON.stringify({ ...(example.raw as object), name: "x".repeat(8 * 1024 * 1024) })],
      ["truncated", example.text.slice(0, Math.floor(example.text.length / 2))],
      ["proto", mutator.mutate(example.raw, "prototype-key").text],
      ["cycle", mutator.mutate(example.raw, "cycle-without-wait").text],
      ["binary", "\u0000\u0001\u0002\uFFFD\uD800"],
    ];
    const files = nasty.map(([name, text]) => {
      const file = path.join(tmp, `${name}.json`);
      writeFileSync(file, text);
      return file;
    });
    const run = promisify(execFile);
    const bin = path.resolve(__dirname, "../../bin/ccflow.js");
    let code = 0;
    let stdout = "";
    let stderr = "";
    try {
      ({ stdout, stderr } = await run(process.execPath, [bin, "validate", ...files], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }));
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      code = e.code ?? -1;
      stdout = e.stdout ?? "";
      stderr = e.stderr ?? "";
    }
    expect(code).toBe(1);
    expect(stderr).toBe("");
    expect(stdout).not.toMatch(STACK);
    for (const f of files) expect(stdout).toContain(f);
    // Every line a person reads is short: no file content is echoed back.
    for (const line of stdout.split("\n")) expect(line.length).toBeLessThan(2_000);
    figures.cliProcessFiles = files.length;
  });

  afterAll(() => recordFigures("flow-fuzz", { seed: BASE_SEED, long: LONG, sources: sources.map((s) => s.name), ...figures }));
});

// ---- running a mutated flow ----

/** A center that queues anything, has an agent answer, talk a while and hang up. */
class AnsweringCenter implements CenterPort {
  constructor(private readonly clock: VirtualClock) {}

  queueContact(request: QueueRequest) {
    const contact = request.contact;
    const queue = { id: request.queueId, name: "Fuzz queue" };
    const agent = { id: "agent-fuzz", name: "Fay Fuzz" };
    void this.clock.sleep(3_000).then(() => {
      contact.notify({ type: "offered", agent, queue });
      contact.notify({ type: "answered", agent, queue });
      return this.clock.sleep(20_000).then(() => contact.notify({ type: "agent-disconnected", agent, queue }));
    });
    return { ok: true as const, queue, position: 1 };
  }
  queueToAgent() {
    return { ok: false as const, code: "AGENT_NOT_FOUND", description: "no such agent" };
  }
  queueStats(queueId: string) {
    return { queue: { id: queueId, name: queueId }, piq: 1, ewtMs: 30_000, oldestCallTimeMs: 0, loggedOnAgents: 1, availableAgents: 0, queuedNow: 1 };
  }
  registerCallback() {
    return { ok: true as const, id: "cb-fuzz" };
  }
  screenPop() {
    return "agent-fuzz";
  }
  contactEnded(_id: string, _reason: string) {}
  handle(contact: ContactHandle) {
    return contact;
  }
}

async function runMutant(flow: FlowDefinition, rng: Rng): Promise<EndedEvent> {
  const clock = new VirtualClock();
  const http = new FakeHttp(() => {
    switch (rng.int(5)) {
      case 0:
        return "timeout";
      case 1:
        return { status: 500, body: { error: { code: "0x80040216", message: "An unexpected error occurred." } } };
      case 2:
        return { status: 200, body: { value: [] } };
      default:
        return { status: 200, body: { value: [{ contactid: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90", fullname: "Dana Whitfield", incidentid: "c0ffee00-0000-4000-8000-000000000001", title: "Router", ticketnumber: "CAS-1", prioritycode: rng.int(4) }] } };
    }
  });
  const engine = new Engine({ http, center: new AnsweringCenter(clock), clock });
  const digits = rng.pick(["", "1", "2", "9", "1234#", "*", "11111111111111111111"]);
  const call: Interaction = engine.startCall(flow, { ani: rng.pick(["+14806754110", "", "1') or true or ('", "x".repeat(10_000)]), dnis: "+18005550100", channel: new ScriptedCaller(clock, digits) });
  return call.done;
}

async function captureCli(args: string[]): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  const savedExit = process.exitCode;
  let code: number;
  try {
    code = await main(["node", "ccflow", ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = savedExit;
  }
  return { code, text: chunks.join("") };
}
