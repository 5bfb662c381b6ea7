/**
 * `ccflow call <flow.json> --ani <number>`: one call end to end, printed as a transcript (or, with
 * `--json`, one JSON object per event per line). Runs on a virtual clock, so hold music and menu
 * timeouts cost nothing; HTTP to the CRM is real. With no environment file it binds the flow's
 * connectors to the embedded Dynamics-compatible CRM with its demo data, creates the queues the
 * flow uses with a simulated agent who answers, and says what it bound.
 */
import type { Command } from "commander";
import { VirtualClock } from "../../time/clock.js";
import type { CallEvent } from "../../engine/events.js";
import { checkCallerId } from "../../channels/caller-id.js";
import { ScriptedCaller } from "../../channels/scripted.js";
import { loadEnvironmentFile, emptyEnvironment } from "../../environment/load.js";
import type { Environment } from "../../environment/schema.js";
import { Runtime, RuntimeConfigError } from "../../runtime/runtime.js";
import { startEmbeddedCrm, type EmbeddedCrm } from "../../runtime/embedded-crm.js";
import { collectReferences, validateFlow } from "../../flow/validate.js";
import { createRegistry } from "../../activities/index.js";
import { readLibrary } from "../../environment/flow-library.js";
import { readFlowFile } from "../../flow/read-file.js";
import { createScenarioFixtures, type FixtureLog } from "../../flowtest/fixtures.js";
import { loadFixturesFile } from "../../flowtest/fixtures-file.js";
import { forwardOverLoopback } from "../../flowtest/embedded-crm.js";
import type { FixtureHandler } from "../../connectors/transport.js";
import { routeHandler } from "../../connectors/routes.js";
import type { FlowDefinition } from "../../flow/types.js";
import { bold, dim, formatDiagnostic, red } from "../format.js";
import { TranscriptPrinter } from "../transcript.js";

/** Reasons a call ends by one of ccflow's runaway limits rather than by the flow: exit code 3. */
const RUNAWAY_REASONS = new Set(["step-limit", "max-duration"]);


/** Event types printed by `--json` (step and event-flow markers only with `--trace`). */
const JSON_TYPES = new Set(["prompt", "http", "variable", "input", "queued", "offered", "requeued", "answered", "screen-pop", "transferred", "callback", "media-stream", "activity-result", "disconnected", "error", "ended"]);

interface CallCommandOptions {
  fixtures?: string;
  ani: string;
  dnis: string;
  digits?: string;
  env?: string;
  json?: boolean;
  trace?: boolean;
  data: string;
  agent: boolean;
  force?: boolean;
  /** An outbound campaign call to --ani: what call progress analysis found. */
  campaign?: string;
  campaignMode?: string;
}

const CPA_RESULTS = ["LIVE_VOICE", "AMD", "ABANDONED"] as const;

function jsonLine(e: CallEvent): string {
  const { at, interactionId: _id, activityId: _aid, flow, ...rest } = e as CallEvent & Record<string, unknown>;
  return JSON.stringify({ ...rest, ...(flow && flow !== "main" ? { flow } : {}), t: at });
}

export async function runCall(flowFile: string, opts: CallCommandOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const callerId = checkCallerId(opts.ani);
  if (!callerId.ok) {
    err(`ccflow: --ani: ${callerId.message}\n`);
    return 1;
  }
  const result = opts.campaign?.toUpperCase();
  if (result !== undefined && !(CPA_RESULTS as readonly string[]).includes(result)) {
    err(`ccflow: --campaign: ${JSON.stringify(opts.campaign)} is not a call progress result; use ${CPA_RESULTS.join(", ")}\n`);
    return 1;
  }
  const mode = (opts.campaignMode ?? "progressive") as "preview" | "progressive";
  if (mode !== "preview" && mode !== "progressive") {
    err(`ccflow: --campaign-mode: ${JSON.stringify(mode)} is not preview or progressive\n`);
    return 1;
  }
  const campaign = result ? { campaign: { mode, result: result as (typeof CPA_RESULTS)[number] } } : {};
  opts = { ...opts, ani: callerId.ani };
  const read = await readFlowFile(flowFile);
  const registry = createRegistry();
  const diagnostics = [...read.diagnostics, ...(read.flow ? validateFlow(read.flow, registry) : [])];
  const problems = diagnostics.filter((d) => d.severity === "error");
  if (!read.flow || (problems.length > 0 && !opts.force)) {
    err(`${flowFile}: ${problems.length} problem${problems.length === 1 ? "" : "s"}; fix ${problems.length === 1 ? "it" : "them"} or run with --force\n`);
    for (const d of problems) err(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const flow = read.flow;
  // The one warning that changes what a call does: an activity it will fail at.
  for (const d of diagnostics) if (d.code === "unknown-activity" && d.severity === "warning") err(dim(`warning: ${d.message}`) + "\n");

  let environment: Environment = emptyEnvironment();
  if (opts.env) {
    const loaded = await loadEnvironmentFile(opts.env);
    if (!loaded.ok) {
      err(`ccflow: ${loaded.error}\n`);
      return 1;
    }
    environment = loaded.environment;
  }

  const library = await readLibrary(environment);
  if (library.problems.length) {
    for (const p of library.problems) err(`ccflow: ${p}\n`);
    return 1;
  }

  let fixtureLog: FixtureLog | undefined;
  let fixtureHandler: FixtureHandler | undefined;
  const runtimeRef: { current?: Runtime } = {};
  if (opts.fixtures) {
    const loaded = await loadFixturesFile(opts.fixtures);
    if (!loaded.ok) {
      err(`ccflow: ${loaded.error}\n`);
      return 1;
    }
    fixtureLog = { unmatched: [] };
    const log = fixtureLog;
    const unanswered: FixtureHandler = async (req) => {
      log.unmatched.push(`${req.method} ${req.url}`);
      return { status: 404, body: { error: { code: "ccflow-no-fixture", message: `no entry of ${opts.fixtures} answers ${req.method} ${req.url}` } } };
    };
    fixtureHandler = createScenarioFixtures({
      fixtures: loaded.fixtures,
      connectors: () => runtimeRef.current?.connectors ?? [],
      // The embedded CRM still answers what no fixture does, for connectors bound to it.
      forward: async (req, tools) => (crm && req.url.startsWith(crm.binding.baseUrl) ? forwardOverLoopback(req, tools) : unanswered(req, tools)),
      routes: routeHandler(environment.http.routes),
      log: fixtureLog,
    });
  }

  const clock = new VirtualClock({ start: Date.now() });
  let crm: EmbeddedCrm | undefined;
  const flows: FlowDefinition[] = [flow];
  const unbound = [...new Set([...flows, ...library.flows].flatMap((f) => [...collectReferences(f).connectors.keys()]))].filter((id) => !environment.connectors.some((c) => (c as { id?: string }).id === id));
  if (environment.crm.embedded && unbound.length > 0) {
    try {
      crm = await startEmbeddedCrm({ dataDir: opts.data, orgUrls: environment.crm.orgUrls });
    } catch (e) {
      err(`ccflow: could not start the embedded CRM: ${(e as Error).message}\n`);
      return 1;
    }
  }

  let runtime: Runtime;
  try {
    runtime = new Runtime({
      environment,
      flows,
      library: library.flows,
      clock,
      crm: crm?.binding,
      fixtures: fixtureHandler,
      simulatedAgentForEmptyQueues: opts.agent,
      // Informational center notes (queues created) repeat the bindings printed below.
      log: (level, message) => {
        if (level === "warn") err(dim(`warning: ${message}`) + "\n");
      },
    });
  } catch (e) {
    await crm?.close();
    if (e instanceof RuntimeConfigError) {
      err(`ccflow: ${e.message}\n`);
      return 1;
    }
    throw e;
  }

  runtimeRef.current = runtime;
  const say = opts.json ? err : out;
  if (opts.fixtures) say(dim(`HTTP: answered from ${opts.fixtures}${crm ? " (the embedded CRM answers what it does not)" : ""}; nothing leaves this machine`) + "\n");
  if (crm) say(dim(`embedded CRM: ${crm.binding.baseUrl} (data in ${opts.data})`) + "\n");
  for (const b of runtime.bindings) say(dim(`bound: ${b}`) + "\n");
  if (!opts.json) say(`${bold(`Call ${opts.ani} → ${flow.name}`)}${opts.digits ? dim(`  (digits ${opts.digits})`) : dim("  (no digits: every input times out)")}\n`);

  const printer = new TranscriptPrinter((line) => out(`${line}\n`), { steps: opts.trace, fold: !opts.trace });
  const listener = (e: CallEvent) => {
    if (opts.json) {
      if (JSON_TYPES.has(e.type) || opts.trace) out(`${jsonLine(e)}\n`);
    } else printer.print(e);
  };
  // The contact waits for a callback it registered after the flow hangs up; with nobody staffed
  // nobody ever takes it, so the one call this command runs would last until the call-length limit.
  const nobody = !opts.agent && environment.agents.length === 0;
  let callbackAsked = false;
  const ref: { interaction?: ReturnType<Runtime["startCall"]> } = {};
  const watch = (e: CallEvent) => {
    listener(e);
    if (e.type === "callback" && e.state !== "failed") callbackAsked = true;
    if (nobody && callbackAsked && e.type === "disconnected" && e.by === "flow") {
      say(dim("note: no agent is staffed (--no-agent) to take the callback; it is withdrawn") + "\n");
      queueMicrotask(() => ref.interaction?.hangup());
    }
  };
  const interaction = (ref.interaction = runtime.startCall(flow, { ani: opts.ani, dnis: opts.dnis, channel: new ScriptedCaller(clock, opts.digits ?? ""), listener: watch, ...campaign }));
  let reason: string;
  try {
    reason = (await interaction.done).reason;
  } finally {
    printer.flush();
    await runtime.close();
    await crm?.close();
  }
  for (const u of fixtureLog?.unmatched ?? []) err(dim(`note: no fixture answered ${u}; the flow got a 404`) + "\n");
  if (RUNAWAY_REASONS.has(reason)) {
    err(`${red("ccflow:")} the call was stopped by a runaway limit (${reason}), not ended by the flow\n`);
    return 3;
  }
  return 0;
}

export function register(program: Command): void {
  program
    .command("call")
    .description("run one call through a flow and print what happened")
    .argument("<flow>", "Flow Designer export (.json)")
    .requiredOption("--ani <number>", "caller's number, e.g. +14806754110")
    .option("--dnis <number>", "number dialled", "+18005550100")
    .option("--digits <keys>", "what the caller presses: '1' or '1,,1234#' (commas separate inputs, empty = silence)")
    .option("--env <file>", "environment file (connectors, queues, agents, screen-pop rewrites)")
    .option("--fixtures <file>", "answer HTTP from this YAML list of answers (as under a test scenario's http:) instead of the network")
    .option("--json", "one JSON object per event per line")
    .option("--trace", "also show each activity step and event-flow start")
    .option("--data <dir>", "data directory of the embedded CRM", process.env.CCFLOW_DATA ?? ".data")
    .option("--no-agent", "do not staff created queues with a simulated agent")
    .option("--force", "run even if the flow has validation errors")
    .option("--campaign <result>", "an outbound campaign call to --ani whose call progress analysis found LIVE_VOICE, AMD or ABANDONED (OutboundCampaignCallResult runs)")
    .option("--campaign-mode <mode>", "preview or progressive (default progressive)")
    .action(async (flowFile: string, opts: CallCommandOptions) => {
      const code = await runCall(flowFile, opts, (s) => process.stdout.write(s), (s) => process.stderr.write(s)).catch((e: unknown) => {
        process.stderr.write(`${red("ccflow:")} ${(e as Error).message}\n`);
        return 2;
      });
      process.exitCode = code;
    });
}
