/**
 * Runs one scenario: a fresh Runtime (center, connectors, engine) on its own VirtualClock, a
 * scripted caller, a simulated agent, the scenario's HTTP answers in-process (and its CRM records
 * in a fresh embedded CRM when it has some), then the expectations against the event stream.
 * Scenarios share nothing, so any number can run at once.
 */
import { dirname, resolve } from "node:path";
import type { ScriptedInput } from "../channels/scripted.js";
import { ScriptedCaller } from "../channels/scripted.js";
import type { FixtureRequest, FixtureResponse } from "../connectors/transport.js";
import { VirtualClock, type Clock } from "../time/clock.js";
import type { CallEvent, HttpEvent } from "../engine/events.js";
import { MASK } from "../engine/variables.js";
import { formatZodIssues, loadEnvironmentFile } from "../environment/load.js";
import { environmentSchema, type Environment } from "../environment/schema.js";
import { layerVirtualAgents } from "../environment/virtual-agents.js";
import type { FlowDefinition } from "../flow/types.js";
import { collectReferences } from "../flow/validate.js";
import { Runtime, RuntimeConfigError, type EmbeddedCrmBinding } from "../runtime/runtime.js";
import { checkExpectations, type ExpectationFailure } from "./expectations.js";
import { createScenarioFixtures, type FixtureLog } from "./fixtures.js";
import { routeHandler } from "../connectors/routes.js";
import type { LoadedScenario } from "./load.js";
import { rawRequestTarget, requestTarget } from "./match.js";
import type { CrmState, Scenario, ScenarioInput, Stub } from "./schema.js";
import { stubActivities } from "./stubs.js";

export const DEFAULT_ANI = "+15555550100";
export const DEFAULT_DNIS = "+18005550100";
const DEFAULT_MAX_SECONDS = 3600;
export const SCENARIO_AGENT_ID = "scenario-agent";

/** A running embedded CRM holding a scenario's records. */
export interface ScenarioCrm {
  binding: EmbeddedCrmBinding;
  /** Sends a request the scenario's fixtures do not answer to the CRM (over loopback). */
  forward(req: FixtureRequest, tools: { clock: Clock; signal: AbortSignal }): Promise<FixtureResponse>;
  close(): Promise<void>;
}

/** Starts an embedded CRM loaded with `state`, records dated up to `now` (embedded-crm.ts). */
export type CrmFactory = (state: CrmState, now: number) => Promise<ScenarioCrm>;

export interface RunOptions {
  /** Flow for every scenario, overriding their `flow:`. */
  flowOverride?: string;
  /** Loads (and caches) a flow file; returns the flow or the problems that stop it. */
  loadFlow(file: string): Promise<{ flow?: FlowDefinition; problems: string[] }>;
  crm?: CrmFactory;
  /** Real-time limit per scenario, ms (a stuck run is reported, not waited for forever). */
  realTimeoutMs?: number;
  /** Stand-ins for activity types ccflow does not run (`--stub TYPE=port`); a scenario's own win. */
  stubs?: Record<string, Stub>;
}

export type ScenarioStatus = "passed" | "failed" | "error" | "skipped";

export interface ScenarioResult {
  name: string;
  file: string;
  /** 1-based line of the scenario's document. */
  line: number;
  flowFile?: string;
  flowName?: string;
  status: ScenarioStatus;
  /** Set-up problems that kept the scenario from running (status "error"). */
  problems: string[];
  failures: ExpectationFailure[];
  /** What the run had to bind or noticed (connectors bound to fixtures, unanswered requests). */
  notes: string[];
  events: CallEvent[];
  /** Call time on the virtual clock, seconds. */
  callSeconds: number;
  /** Real time, ms. */
  ms: number;
}

function inputsOf(list: ScenarioInput[] | undefined): ScriptedInput[] {
  return (list ?? []).map((i): ScriptedInput => {
    if (i === null) return { digits: null };
    if (typeof i === "number") return { digits: String(i) };
    if (typeof i === "string") return { digits: i.trim().toLowerCase() === "silence" || i === "" ? null : i };
    const digits = i.silence || i.digits === undefined ? null : String(i.digits);
    return { digits, afterSeconds: i.afterSeconds };
  });
}

function connectorNames(flow: FlowDefinition): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, acts] of collectReferences(flow).connectors) {
    const p = acts[0]?.properties ?? {};
    const name = [p["connectorId:name"], p.connectorId_name].find((v) => typeof v === "string" && v.trim());
    out.set(id, typeof name === "string" ? name : id);
  }
  return out;
}

function scheduleIds(flow: FlowDefinition): string[] {
  const ids = new Set<string>();
  for (const p of [flow.main, flow.events]) {
    for (const a of p.activities.values()) {
      if (a.type === "business-hours" && typeof a.properties.businessHoursId === "string" && a.properties.businessHoursId) ids.add(a.properties.businessHoursId);
    }
  }
  return [...ids];
}

const ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

function scheduleFor(id: string, mode: "open" | "closed" | "holiday" | "override", at: number): Environment["businessHours"][number] {
  const date = new Date(at).toISOString().slice(0, 10);
  const base = { id, name: `scenario (${mode})`, timeZone: "UTC", workingHours: [], holidays: [], overrides: [] };
  switch (mode) {
    case "open":
      // Two shifts cover the whole day (one wraps past midnight).
      return { ...base, workingHours: [{ name: "Open", days: [...ALL_DAYS], from: "00:00", to: "12:00" }, { name: "Open", days: [...ALL_DAYS], from: "12:00", to: "00:00" }] };
    case "closed":
      return base;
    case "holiday":
      return { ...base, holidays: [{ name: "Holiday", date }] };
    case "override":
      return { ...base, overrides: [{ name: "Override", date }] };
  }
}

async function environmentOf(s: Scenario, dir: string): Promise<{ env?: Environment; problem?: string }> {
  if (s.environment === undefined) return { env: { ...environmentSchema.parse({}), baseDir: dir } };
  if (typeof s.environment === "string") {
    const file = resolve(dir, s.environment);
    const r = await loadEnvironmentFile(file);
    return r.ok ? { env: r.environment } : { problem: r.error };
  }
  const parsed = environmentSchema.safeParse(s.environment);
  if (!parsed.success) return { problem: formatZodIssues(parsed.error.issues, "environment") };
  return { env: { ...parsed.data, baseDir: dir } };
}

/** Adds what the scenario says to the environment: fixture connectors, the agent, schedules, virtual agents. */
function shapeEnvironment(env: Environment, s: Scenario, flow: FlowDefinition, start: number, notes: string[]): Environment {
  const out: Environment = {
    ...env,
    connectors: [...env.connectors],
    agents: [...env.agents],
    businessHours: [...env.businessHours],
    virtualAgents: layerVirtualAgents(s.virtualAgents ?? [], env.virtualAgents),
    // A scenario replays: Percentage Allocation draws the same branches on every run unless it says otherwise.
    activities: { ...env.activities, randomSeed: env.activities.randomSeed ?? 1 },
  };
  const defined = new Set(out.connectors.flatMap((c) => (c && typeof c === "object" && typeof (c as { id?: unknown }).id === "string" ? [(c as { id: string }).id] : [])));
  if (!s.crm) {
    for (const [id, name] of connectorNames(flow)) {
      if (defined.has(id)) continue;
      out.connectors.push({ id, name, type: "none", resourceDomain: `https://${id}.connector.invalid/` });
    }
  }
  if (s.crm) {
    // The runtime sends pops for *.dynamics.com to the embedded CRM's pages; a test wants the
    // URL the flow built, so those hosts map to themselves unless the environment says otherwise.
    const rewrites = { ...out.screenPop.rewriteHosts };
    for (const p of [flow.main, flow.events]) {
      for (const a of p.activities.values()) {
        const m = typeof a.properties.screenPopUrl === "string" ? /^(https?):\/\/([^/?#{]+)/i.exec(a.properties.screenPopUrl) : null;
        if (m && !(m[2]! in rewrites)) rewrites[m[2]!] = `${m[1]!.toLowerCase()}://${m[2]!}`;
      }
    }
    out.screenPop = { ...out.screenPop, rewriteHosts: rewrites };
  }
  const agent = s.agent;
  const nobody = agent === "none" || (typeof agent === "object" && agent.available === false);
  if (out.agents.length === 0 && !nobody) {
    const a = typeof agent === "object" ? agent : {};
    out.agents.push({
      id: SCENARIO_AGENT_ID,
      name: a.name ?? "Ana Agent",
      email: a.email ?? "ana.agent@ccflow.local",
      queues: ["*"],
      simulated: {
        answerAfterSeconds: a.answerAfterSeconds ?? 4,
        talkSeconds: a.talkSeconds ?? 20,
        wrapUpSeconds: a.wrapUpSeconds ?? 5,
        ...(a.declines !== undefined ? { declines: a.declines } : {}),
        ...(a.ignores !== undefined ? { ignores: a.ignores } : {}),
      },
    });
  } else if (out.agents.length > 0 && agent !== undefined) {
    notes.push("agent: ignored, the environment defines its own agents");
  }
  const mode = s.clock?.businessHours;
  if (mode) {
    const known = new Set(out.businessHours.map((b) => b.id));
    for (const id of scheduleIds(flow)) if (!known.has(id)) out.businessHours.push(scheduleFor(id, mode, start));
  }
  return out;
}

export async function runScenario(loaded: LoadedScenario, options: RunOptions): Promise<ScenarioResult> {
  const began = performance.now();
  const s = loaded.scenario;
  const dir = dirname(loaded.file);
  const result: ScenarioResult = { name: s.name, file: loaded.file, line: loaded.line, status: "error", problems: [], failures: [], notes: [], events: [], callSeconds: 0, ms: 0 };
  const finish = () => {
    result.ms = Math.round(performance.now() - began);
    if (result.problems.length) result.status = "error";
    else result.status = result.failures.length ? "failed" : "passed";
    return result;
  };

  if (s.skip) {
    result.status = "skipped";
    result.notes.push(s.skip);
    return result;
  }
  const flowFile = options.flowOverride ? resolve(options.flowOverride) : s.flow ? resolve(dir, s.flow) : undefined;
  if (!flowFile) {
    result.problems.push("the scenario names no flow: add `flow: <file.json>` (relative to the scenario) or run with --flow <file.json>");
    return finish();
  }
  result.flowFile = flowFile;
  const loadedFlow = await options.loadFlow(flowFile);
  if (!loadedFlow.flow) {
    result.problems.push(...loadedFlow.problems);
    return finish();
  }
  const flow = loadedFlow.flow;
  result.flowName = flow.name;

  const envResult = await environmentOf(s, dir);
  if (!envResult.env) {
    result.problems.push(envResult.problem!);
    return finish();
  }
  const start = s.clock?.start ? Date.parse(s.clock.start) : undefined;
  const clock = new VirtualClock(start !== undefined ? { start } : {});
  const environment = shapeEnvironment(envResult.env, s, flow, clock.now(), result.notes);

  let crm: ScenarioCrm | undefined;
  if (s.crm) {
    if (!options.crm) {
      result.problems.push("the scenario loads CRM records (crm:), but this run has no embedded CRM");
      return finish();
    }
    try {
      crm = await options.crm(s.crm, clock.now());
    } catch (err) {
      result.problems.push((err as Error).message);
      return finish();
    }
  }

  // The environment's flows: list (subflows, GoTo targets), relative to where it was read.
  const library: FlowDefinition[] = [];
  for (const entry of environment.flows) {
    const loadedSub = await options.loadFlow(resolve(environment.baseDir, entry));
    if (!loadedSub.flow) {
      result.problems.push(`environment flows: ${entry}: ${loadedSub.problems.join(" ")}`);
      await crm?.close();
      return finish();
    }
    library.push(loadedSub.flow);
  }
  const stubs = { ...options.stubs, ...s.stubs };

  const log: FixtureLog = { unmatched: [] };
  let runtime: Runtime | undefined;
  const fixtures = createScenarioFixtures({
    fixtures: s.http ?? [],
    connectors: () => runtime?.connectors ?? [],
    forward: crm?.forward,
    routes: routeHandler(environment.http.routes),
    log,
  });
  try {
    runtime = new Runtime({ environment, flows: [flow], library, clock, crm: crm?.binding, fixtures, processEnv: process.env, log: () => undefined, activities: stubActivities(stubs) });
  } catch (err) {
    await crm?.close();
    if (err instanceof RuntimeConfigError) {
      result.problems.push(err.message);
      return finish();
    }
    throw err;
  }
  const rt = runtime;
  // An answer for a connector the flow does not use would silently never match.
  const unknown = (s.http ?? []).flatMap((f, i) =>
    f.connector !== undefined && !rt.connectors.some((c) => c.id === f.connector || c.name.toLowerCase() === f.connector!.toLowerCase())
      ? [`http[${i}].connector: the flow uses no connector ${JSON.stringify(f.connector)} (it uses ${rt.connectors.map((c) => `${c.name} (${c.id})`).join(", ") || "none"})`]
      : [],
  );
  if (unknown.length) {
    result.problems.push(...unknown);
    await rt.close();
    await crm?.close();
    return finish();
  }

  if (s.rejectQueues?.length) {
    // Fault injection: the runtime creates every queue a flow names, so a misconfigured queue
    // can only be played by making the center refuse it for this scenario's contact.
    const refused = new Set(s.rejectQueues);
    const center = rt.center;
    const queueContact = center.queueContact.bind(center);
    center.queueContact = (request) =>
      refused.has(request.queueId.trim())
        ? { ok: false, code: "QUEUE_NOT_FOUND", description: `queue "${request.queueId}" is rejected by the scenario (rejectQueues)` }
        : queueContact(request);
  }

  const availableAfter = typeof s.agent === "object" ? s.agent.availableAfterSeconds : undefined;
  const stop = new AbortController();
  if (availableAfter !== undefined && rt.center.agent(SCENARIO_AGENT_ID)) {
    rt.center.setIdle(SCENARIO_AGENT_ID, "Busy");
    void clock.sleep(availableAfter * 1000, stop.signal).then(() => {
      if (rt.center.agent(SCENARIO_AGENT_ID)?.state === "Idle") rt.center.setAvailable(SCENARIO_AGENT_ID);
    }, () => undefined);
  }

  const events: CallEvent[] = result.events;
  const caller = new ScriptedCaller(clock, inputsOf(s.inputs));
  const interaction = rt.startCall(flow, {
    ani: s.caller?.ani ?? DEFAULT_ANI,
    dnis: s.caller?.dnis ?? DEFAULT_DNIS,
    channel: caller,
    listener: (e) => events.push(e),
    ...(s.campaign ? { campaign: s.campaign } : {}),
  });
  const startedAt = clock.now();

  const maxSeconds = s.maxSeconds ?? DEFAULT_MAX_SECONDS;
  void clock.sleep(maxSeconds * 1000, stop.signal).then(
    () => {
      result.notes.push(`the call was still going after ${maxSeconds} s (maxSeconds); the caller hung up`);
      interaction.hangup();
    },
    () => undefined,
  );
  for (const update of s.caller?.aniUpdates ?? []) {
    void clock.sleep(update.afterSeconds * 1000, stop.signal).then(() => interaction.updateAni(update.ani), () => undefined);
  }
  if (s.caller?.hangupAfterSeconds !== undefined) {
    void clock.sleep(s.caller.hangupAfterSeconds * 1000, stop.signal).then(() => interaction.hangup(), () => undefined);
  }

  const realLimit = options.realTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<"stuck">((r) => {
    timer = setTimeout(() => r("stuck"), realLimit);
  });
  const outcome = await Promise.race([interaction.done, stuck]);
  clearTimeout(timer);
  stop.abort();
  result.callSeconds = Math.round((clock.now() - startedAt) / 100) / 10;
  if (outcome === "stuck") {
    const last = events[events.length - 1];
    result.problems.push(`the call did not end within ${realLimit / 1000} s of real time (stuck after ${last ? `${last.type}${last.activity ? ` in ${last.activity}` : ""}` : "start"})`);
  }

  const bases = new Map(rt.connectors.map((c) => [c.name, c.resourceDomain]));
  const ids = new Map(rt.connectors.map((c) => [c.name, c.id]));
  const vars = interaction.variables;
  result.failures = checkExpectations(s.expect, {
    events,
    flow,
    variable(name) {
      if (vars.typeOf(name) === undefined) return { defined: false, value: undefined };
      return { defined: true, value: vars.isSecure(name) ? MASK : vars.get(name) };
    },
    httpTarget: (e: HttpEvent) => requestTarget(e.url, e.connector ? bases.get(e.connector) : undefined),
    rawHttpTarget: (e: HttpEvent) => rawRequestTarget(e.url, e.connector ? bases.get(e.connector) : undefined),
    isConnector: (e: HttpEvent, ref: string) => e.connector !== undefined && (e.connector.toLowerCase() === ref.toLowerCase() || ids.get(e.connector) === ref),
  });
  for (const u of log.unmatched) {
    const at = events.findIndex((e) => e.type === "http" && e.status === 404);
    result.failures.push({ expectation: "http", message: `no http: entry answers ${u}; the flow got a 404 (add an entry, or load CRM records with crm:)`, eventIndex: at >= 0 ? at : undefined });
  }

  await rt.close();
  await crm?.close();
  return finish();
}
