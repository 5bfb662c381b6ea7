/**
 * `ccflow serve` (what `npm start` runs): the embedded CRM, the engine and the contact center,
 * the API and the web UI in one process. Prints where everything is and who to be in the demo,
 * then logs calls as they come and go. Ctrl+C (SIGINT) or SIGTERM ends every contact with the
 * reason `shutdown` and stops.
 */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Command } from "commander";
import { defaultDataDir } from "../../crm/config.js";
import { parsePostgresUrl } from "../postgres-url.js";
import { parseClusterOptions } from "../cluster-options.js";
import { safeHost } from "../../server/cluster.js";
import { emptyEnvironment, loadEnvironmentFile } from "../../environment/load.js";
import type { Environment } from "../../environment/schema.js";
import { RuntimeConfigError } from "../../runtime/runtime.js";
import { FlowCatalog, FlowCatalogError, type FlowFileSpec } from "../../server/flows.js";
import { defaultEnvironmentFile, exampleFlowFile, seedFlowFile } from "../../server/paths.js";
import pino from "pino";
import { startServer, type RunningServer, type ServerLog } from "../../server/server.js";
import { SipConfigError } from "../../server/sip.js";
import { TracingConfigError, tracesEndpoint } from "../../telemetry/config.js";
import { bold, cyan, dim, red, yellow } from "../format.js";

interface ServeFlags {
  port: string;
  httpsPort: string;
  https: boolean;
  host: string;
  data?: string;
  env?: string;
  flow?: string[];
  crm: boolean;
  sipPort?: string;
  sip: boolean;
  postgres?: string;
  redis?: string;
  nodeId?: string;
  nodeLease?: string;
  snapshotEvery?: string;
  logJson?: boolean;
  logLevel: string;
  watch?: boolean;
  otlpEndpoint?: string;
}

function parsePort(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ServeError(`${flag} must be a port number 0-65535, got "${value}"`);
  return n;
}

class ServeError extends Error {}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

function line(level: "info" | "warn" | "error", message: string): void {
  const text = `${dim(time())} ${level === "info" ? message : level === "warn" ? yellow(message) : red(message)}`;
  (level === "info" ? process.stdout : process.stderr).write(`${text}\n`);
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

async function loadEnvironment(file: string | undefined): Promise<Environment> {
  const path = file ?? (existsSync(defaultEnvironmentFile) ? defaultEnvironmentFile : undefined);
  if (!path) return emptyEnvironment();
  const result = await loadEnvironmentFile(path);
  if (!result.ok) throw new ServeError(result.error);
  return result.environment;
}

function flowSpecs(files: string[] | undefined): FlowFileSpec[] {
  if (files && files.length > 0) return files.map((file) => ({ file: resolve(file), source: "file" }));
  const specs: FlowFileSpec[] = [];
  if (existsSync(exampleFlowFile)) specs.push({ file: exampleFlowFile, source: "example" });
  if (existsSync(seedFlowFile)) specs.push({ file: seedFlowFile, source: "seed" });
  if (specs.length === 0) {
    throw new ServeError(`no flow to serve: ${shown(exampleFlowFile)} is missing (make it with: npm run build && node dist/scripts/build-example-flow.js) — or give one with --flow <file>`);
  }
  return specs;
}

function printBanner(server: RunningServer, ms: number, envFile: string | undefined, cluster?: { nodeId: string; redisUrl: string }): void {
  const ctx = server.context;
  const out: string[] = [];
  const row = (label: string, value: string, extra = "") => out.push(`  ${label.padEnd(14)}${value}${extra ? `  ${dim(extra)}` : ""}`);
  out.push("", `${bold("ccflow")} ${ctx.version} — contact center running`, "");
  row("Web UI", cyan(ctx.urls.ui), "softphone · agent desktop · supervisor");
  row("API", ctx.urls.api, `OpenAPI ${ctx.urls.openapi}`);
  row("", "", `OpenAPI of the CRM Web API, identity and /sip: ${ctx.urls.openapiPlatform}`);
  if (ctx.urls.sip) row("SIP", cyan(ctx.urls.sip), "UDP and TCP · dial any number (docs/voice.md)");
  if (ctx.urls.sips) row("SIP over TLS", ctx.urls.sips, ctx.urls.sipsCaPath ? `CA certificate ${shown(ctx.urls.sipsCaPath)}` : "");
  if (ctx.urls.sipWebSocket) row("SIP over WS", ctx.urls.sipWebSocket, ctx.urls.sipWebSocketSecure ? `and ${ctx.urls.sipWebSocketSecure} · browser SIP phones` : "browser SIP phones");
  if (ctx.urls.crm) {
    row("CRM", `${ctx.urls.crm}/main.aspx`, "record pages");
    row("Web API", ctx.urls.webApi ?? "", "Dataverse-compatible, OData v4");
    if (ctx.urls.crmHttps) row("CRM (HTTPS)", `${ctx.urls.crmHttps}/api/data/v9.2/`, ctx.urls.caPath ? `CA certificate ${shown(ctx.urls.caPath)}` : "");
    row("Token URL", ctx.urls.tokenUrl ?? "");
  } else {
    row("CRM", dim("not embedded (crm.embedded: false in the environment)"));
  }
  if (cluster) row("Cluster", `node ${cluster.nodeId}`, `contact center shared through Redis at ${safeHost(cluster.redisUrl)} (docs/cluster.md)`);
  if (envFile) row("Environment", shown(envFile));

  out.push("", bold("Flows") + dim("  (choose one per call on the softphone)"));
  for (const f of ctx.flows.list()) out.push(`  ${f.id.padEnd(34)}${f.name}${dim(` (${f.source}${f === ctx.flows.default ? ", default" : ""})`)}`);

  const humans = ctx.demo.agents.filter((a) => !a.simulated);
  if (ctx.signIn.embedded) {
    out.push("", bold("Sign in") + dim("  (development users of the embedded identity service, public on purpose)"));
    for (const u of ctx.signIn.users) out.push(`  ${u.username.padEnd(10)}${u.password.padEnd(22)}${u.name.padEnd(24)}${dim(u.roles.join(", "))}`);
    if (ctx.signIn.storedUsers) out.push(dim(`  and ${ctx.signIn.storedUsers} user${ctx.signIn.storedUsers === 1 ? "" : "s"} of \`ccflow users\` (ccflow users list)`));
  } else {
    out.push("", bold("Sign in") + dim(`  with your account at ${ctx.signIn.issuer}`));
  }
  out.push("", bold("Demo agents") + dim("  (each signs in as themselves and gets their own desktop)"));
  for (const a of humans) out.push(`  ${a.id.padEnd(10)}${a.name.padEnd(20)}${(a.email ?? "").padEnd(30)}${dim(a.teamName ?? a.teamId ?? "")}`);
  const robots = ctx.demo.agents.filter((a) => a.simulated);
  if (robots.length) out.push(dim(`  simulated: ${robots.map((a) => a.name).join(", ")}`));
  if (humans.length === 0 && robots.length === 0) out.push(dim("  none (add agents to the environment file)"));

  if (ctx.demo.callers.length) {
    out.push("", bold("Demo callers") + dim("  (dial from the softphone)"));
    for (const c of ctx.demo.callers) out.push(`  ${c.number.padEnd(15)}${c.name.padEnd(20)}${dim(c.note)}`);
  }
  if (ctx.crm) {
    out.push("", bold("Demo OAuth app") + dim("  (development credentials of the embedded CRM and the API, public on purpose)"));
    row("tenant id", ctx.crm.tenantId);
    row("client id", ctx.crm.clientId);
    row("client secret", ctx.crm.development ? ctx.crm.clientSecret : "(from CCFLOW_CLIENT_SECRET, not shown)");
  }
  if (ctx.signIn.embedded) {
    row("API tokens", `${ctx.signIn.issuer}/token`, "client credentials, scope api://ccflow/.default (docs/api.md)");
  }
  if (ctx.runtime.bindings.length) {
    out.push("", bold("Bound for you") + dim("  (not spelled out in the environment)"));
    for (const b of ctx.runtime.bindings) out.push(`  ${b}`);
  }
  out.push("", `Ready in ${(ms / 1000).toFixed(1)} s. Press Ctrl+C to stop.`, "");
  process.stdout.write(`${out.join("\n")}\n`);
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the contact center: embedded CRM, flows, queues and agents, API and web UI")
    .option("-p, --port <port>", "HTTP port (UI, API, CRM)", "8080")
    .option("--https-port <port>", "HTTPS port (the same, over TLS)", "8443")
    .option("--no-https", "no HTTPS listener")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--data <dir>", "data directory of the embedded CRM (default .data, or CCFLOW_DATA)")
    .option("--env <file>", "environment file (default examples/environment.yaml)")
    .option("--flow <file...>", "flow exports to take calls on (default: the example flow and the seed flow)")
    .option("--no-crm", "do not start the embedded CRM")
    .option("--sip-port <port>", "SIP port, UDP and TCP (default 5060; a free one when --port is 0)")
    .option("--no-sip", "do not take SIP calls")
    .option("--postgres <url>", "keep the embedded CRM's rows, the contact records and the sign-in sessions in this PostgreSQL database (postgresql://user:password@host:port/db) instead of the data directory's SQLite files; servers on one database accept each other's sessions")
    .option("--redis <url>", "run as one node of a cluster: the contact center (queues, agents, offers) is shared through this Redis (redis://host:port); needs --node-id")
    .option("--node-id <name>", "this node's name in the cluster (with --redis)")
    .option("--node-lease <seconds>", "with --redis: a node silent this long is taken for dead and its calls end node-lost", "3")
    .option("--snapshot-every <seconds>", "with --redis: how often one node writes a snapshot of the contact center to Redis and trims the shared log below it", "60")
    .option("--log-json", "log as JSON lines (pino) on stdout: server messages and each contact's events with contactId and node")
    .option("--log-level <level>", "with --log-json: debug (every flow step), info, warn or error", "info")
    .option("--otlp-endpoint <url>", "export each contact's trace (OpenTelemetry: a span per contact, activity and HTTP request) over OTLP/HTTP to this URL (http://127.0.0.1:4318/v1/traces); default OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; off when none is set")
    .option("--watch", "reload a flow file (and the environment's flows: list) and the environment file when they change: new calls run the new version (flows) and are bound by the new environment (connectors, queues, entry points), calls in progress finish on theirs; a version that does not validate is refused and the old one stays")
    .action(async (flags: ServeFlags) => {
      const started = performance.now();
      let server: RunningServer;
      let envFile: string | undefined;
      let log: ServerLog = line;
      let cluster: ReturnType<typeof parseClusterOptions>;
      try {
        const port = parsePort(flags.port, "--port");
        const httpsPort = flags.https ? parsePort(flags.httpsPort, "--https-port") : false;
        // Tests and scripts that ask for any free HTTP port get any free SIP port too.
        const sipPort = !flags.sip ? false : flags.sipPort !== undefined ? parsePort(flags.sipPort, "--sip-port") : port === 0 ? 0 : 5060;
        const postgresUrl = flags.postgres === undefined ? undefined : parsePostgresUrl(flags.postgres);
        cluster = parseClusterOptions({ ...flags, ...(flags.redis === undefined && flags.nodeId === undefined ? { nodeLease: undefined, snapshotEvery: undefined } : {}) });
        envFile = flags.env ?? (existsSync(defaultEnvironmentFile) ? defaultEnvironmentFile : undefined);
        const environment = await loadEnvironment(flags.env);
        const flows = await FlowCatalog.load(flowSpecs(flags.flow), environment.flows.map((f) => resolve(environment.baseDir, f)));
        if (flags.logJson && !["debug", "info", "warn", "error"].includes(flags.logLevel)) throw new ServeError(`--log-level must be debug, info, warn or error, not "${flags.logLevel}"`);
        const tracesUrl = tracesEndpoint(flags.otlpEndpoint, process.env);
        const logger = flags.logJson ? pino({ level: flags.logLevel, base: { service: "ccflow" } }) : undefined;
        if (logger) log = (level, message) => logger[level](message);
        server = await startServer({
          environment,
          flows,
          dataDir: resolve(flags.data ?? defaultDataDir()),
          ...(postgresUrl ? { postgresUrl } : {}),
          ...(cluster ? { cluster } : {}),
          port,
          httpsPort,
          host: flags.host,
          ...(flags.crm ? {} : { embeddedCrm: false }),
          sipPort,
          ...(flags.watch ? { watch: true } : {}),
          log,
          ...(logger ? { logger } : {}),
          ...(tracesUrl ? { tracing: { endpoint: tracesUrl } } : {}),
        });
      } catch (err) {
        process.stderr.write(`ccflow serve: ${describeStartError(err, flags)}\n`);
        process.exitCode = 1;
        return;
      }
      if (flags.logJson) log("info", `ccflow ${server.context.version} running: web UI ${server.context.urls.ui}, API ${server.context.urls.api}, metrics ${server.url}/metrics`);
      else printBanner(server, performance.now() - started, envFile, cluster);

      await new Promise<void>((resolveStop) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            line("warn", `${signal} again: stopping now`);
            process.exit(130);
          }
          stopping = true;
          line("info", `${signal}: shutting down`);
          server.close("shutdown").then(
            (ended) => {
              line("info", `stopped${ended ? ` (${ended} contact${ended === 1 ? "" : "s"} ended with reason shutdown)` : ""}`);
              resolveStop();
            },
            (err: unknown) => {
              line("error", `shutdown failed: ${(err as Error).message}`);
              process.exitCode = 1;
              resolveStop();
            },
          );
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
      });
    });
}

function describeStartError(err: unknown, flags: ServeFlags): string {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code === "EADDRINUSE") return `port ${e.port ?? flags.port} is already in use; choose another with --port (and --https-port)`;
  if (e?.code === "EACCES") return `not allowed to listen on ${flags.host}:${e.port ?? flags.port}; use a port above 1023`;
  if (err instanceof ServeError || err instanceof FlowCatalogError || err instanceof RuntimeConfigError || err instanceof SipConfigError || err instanceof TracingConfigError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
