/**
 * `ccflow call <flow.json> --ani <number>`: one call end to end, printed as a transcript (or, with
 * `--json`, one JSON object per event per line). Runs on a virtual clock, so hold music and menu
 * timeouts cost nothing; HTTP to the CRM is real. With no environment file it binds the flow's
 * connectors to the embedded Dynamics-compatible CRM with its demo data, creates the queues the
 * flow uses with a simulated agent who answers, and says what it bound.
 */
import type { Command } from "commander";
import { VirtualClock } from "../../engine/clock.js";
import type { CallEvent } from "../../engine/events.js";
import { checkCallerId } from "../../channels/caller-id.js";
import { ScriptedCaller } from "../../channels/scripted.js";
import { loadEnvironmentFile, emptyEnvironment } from "../../environment/load.js";
import type { Environment } from "../../environment/schema.js";
import { Runtime, RuntimeConfigError } from "../../runtime/runtime.js";
import { startEmbeddedCrm, type EmbeddedCrm } from "../../runtime/embedded-crm.js";
import { collectReferences, validateFlow } from "../../flow/validate.js";
import { createRegistry } from "../../activities/index.js";
import { readFlowFile } from "../flow-file.js";
import { bold, dim, formatDiagnostic, red } from "../format.js";
import { TranscriptPrinter } from "../transcript.js";

/** Event types printed by `--json` (step and event-flow markers only with `--trace`). */
const JSON_TYPES = new Set(["prompt", "http", "variable", "input", "queued", "offered", "requeued", "answered", "screen-pop", "transferred", "callback", "media-stream", "disconnected", "error", "ended"]);

interface CallCommandOptions {
  ani: string;
  dnis: string;
  digits?: string;
  env?: string;
  json?: boolean;
  trace?: boolean;
  data: string;
  agent: boolean;
  force?: boolean;
}

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

  const clock = new VirtualClock({ start: Date.now() });
  let crm: EmbeddedCrm | undefined;
  const unbound = [...collectReferences(flow).connectors.keys()].filter((id) => !environment.connectors.some((c) => (c as { id?: string }).id === id));
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
      flows: [flow],
      clock,
      crm: crm?.binding,
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

  const say = opts.json ? err : out;
  if (crm) say(dim(`embedded CRM: ${crm.binding.baseUrl} (data in ${opts.data})`) + "\n");
  for (const b of runtime.bindings) say(dim(`bound: ${b}`) + "\n");
  if (!opts.json) say(`${bold(`Call ${opts.ani} → ${flow.name}`)}${opts.digits ? dim(`  (digits ${opts.digits})`) : dim("  (no digits: every input times out)")}\n`);

  const printer = new TranscriptPrinter((line) => out(`${line}\n`), { steps: opts.trace });
  const listener = (e: CallEvent) => {
    if (opts.json) {
      if (JSON_TYPES.has(e.type) || opts.trace) out(`${jsonLine(e)}\n`);
    } else printer.print(e);
  };
  const interaction = runtime.startCall(flow, { ani: opts.ani, dnis: opts.dnis, channel: new ScriptedCaller(clock, opts.digits ?? ""), listener });
  try {
    await interaction.done;
  } finally {
    await runtime.close();
    await crm?.close();
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
    .option("--json", "one JSON object per event per line")
    .option("--trace", "also show each activity step and event-flow start")
    .option("--data <dir>", "data directory of the embedded CRM", process.env.CCFLOW_DATA ?? ".data")
    .option("--no-agent", "do not staff created queues with a simulated agent")
    .option("--force", "run even if the flow has validation errors")
    .action(async (flowFile: string, opts: CallCommandOptions) => {
      const code = await runCall(flowFile, opts, (s) => process.stdout.write(s), (s) => process.stderr.write(s)).catch((e: unknown) => {
        process.stderr.write(`${red("ccflow:")} ${(e as Error).message}\n`);
        return 2;
      });
      process.exitCode = code;
    });
}
