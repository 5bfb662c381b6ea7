/**
 * The composition root of `ccflow serve`: one process serving the embedded CRM (HTTP and HTTPS
 * listeners), the engine and the contact center, the API (REST + WebSocket) and the web UI.
 *
 * Order of start-up: the CRM opens its store; both listeners bind (so the server knows its own
 * addresses, even on port 0); then the runtime is built with connectors and screen pops bound to
 * the CRM at those addresses, and the API starts answering. Shutdown ends every contact with the
 * reason `shutdown` (each flow's PhoneContactEnded runs), waits briefly for them, then closes.
 */
import { mkdirSync } from "node:fs";
import fastifyCookie from "@fastify/cookie";
import fastifyCsrf from "@fastify/csrf-protection";
import fastifyStatic from "@fastify/static";
import fastifyWebsocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import https from "node:https";
import { join } from "node:path";
import { centerSettingsSchema } from "../center/config.js";
import { SystemClock, type Clock } from "../time/clock.js";
import type { EngineLimits } from "../engine/interaction.js";
import type { Environment } from "../environment/schema.js";
import { Runtime, SIMULATED_AGENT_ID, type EmbeddedCrmBinding } from "../runtime/runtime.js";
import { AgentDesk } from "./agent-desk.js";
import { CallRegistry } from "./calls.js";
import type { DemoAgent, ServerContext, ServerUrls } from "./context.js";
import { findDemoCallers } from "./demo-callers.js";
import type { EmbeddedCrmParts } from "./embedded-crm.js";
import { startEmbeddedCrm } from "./embedded-crm.js";
import { toErrorResponse } from "./errors.js";
import type { FlowCatalog } from "./flows.js";
import { packageVersion, webRoot } from "./paths.js";
import type { Logger } from "pino";
import { logContacts } from "./contact-log.js";
import type { TracingOptions } from "../telemetry/config.js";
import { ContactRecords } from "./contact-records.js";
import { CallControls } from "./call-controls.js";
import { openRecordStore } from "./records/open.js";
import { crmAreaOf, ServerMetrics } from "./metrics.js";
import { VoiceLines } from "./voice-lines.js";
import { OutsideTransfers } from "./outside-transfer.js";
import { startDialler, type Dialler } from "./dialler.js";
import { bindListener, type BoundListener } from "./listener.js";
import { apiRoutes } from "./routes/index.js";
import { registerApiDoc } from "./api-doc.js";
import { checkedSerializer } from "./response-check.js";
import { randomBytes } from "node:crypto";
import { resolveCredentials } from "../crm/config.js";
import { developmentUsers, IDENTITY_PREFIX, IdentityService, registerIdentityRoutes, ROLES } from "../identity/index.js";
import { AuthService } from "./auth/auth-service.js";
import { guardRoutes, identify } from "./auth/gate.js";
import { registerSipWebSocket, SIP_WEBSOCKET_PATH } from "./sip-websocket.js";
import { publicUrlFromEnv } from "./auth/public-url.js";
import { externalProviderFromEnv } from "./auth/provider.js";
import type { SessionOptions } from "./auth/sessions.js";
import { registerSignInRoutes } from "./auth/sign-in.js";
import { startSipFront } from "./sip.js";
import { watchFlows } from "./flow-watch.js";
import { watchEnvironment } from "./environment-watch.js";
import { centerFingerprint, connectClusterNode, guardClusterRoutes, type ClusterNodeOptions } from "./cluster.js";
import { callForwarding } from "./cluster-calls.js";
import { EventJournal } from "./event-journal.js";
import { answerOtherNodes } from "./cluster-call-handlers.js";
import type { SipServer } from "../channels/sip/sip-server.js";
import { PendingCallbackStore, recordPendingCallbacks, restorePendingCallbacks, saveAtShutdown } from "./pending-callbacks.js";

export const DEFAULT_DNIS = "+18005550100";

export type ServerLog = (level: "info" | "warn" | "error", message: string) => void;

export interface ServeOptions {
  environment: Environment;
  flows: FlowCatalog;
  /** Where the embedded CRM keeps its SQLite file and keys. */
  dataDir: string;
  /** `postgresql://…`: the embedded CRM keeps its rows in this PostgreSQL database instead (keys stay in dataDir). */
  postgresUrl?: string;
  /** HTTP port (UI, API, CRM); 0 picks a free one. Default 8080. */
  port?: number;
  /** HTTPS port (the same routes, for clients that insist on TLS); 0 picks one; false for none. Default 8443. */
  httpsPort?: number | false;
  /** Default 127.0.0.1. */
  host?: string;
  clock?: Clock;
  /** Start the embedded CRM; default: the environment's `crm.embedded`. */
  embeddedCrm?: boolean;
  /** Prompt timing of the browser softphone: estimated speaking time per character, ms. */
  msPerChar?: number;
  audioFileMs?: number;
  defaultDnis?: string;
  limits?: Partial<EngineLimits>;
  /** Overrides `center.ringTimeoutSeconds` and friends (tests). */
  processEnv?: Record<string, string | undefined>;
  log?: ServerLog;
  /** Structured logs of every contact (pino), with its id and the flow node: `ccflow serve --log-json`. */
  logger?: Logger;
  /** Export each contact's trace over OTLP/HTTP (`ccflow serve --otlp-endpoint`, docs/observability.md); off when absent. */
  tracing?: TracingOptions;
  /** Sign-in sessions (idle and maximum age) and extra origins allowed to change state. */
  auth?: { sessions?: SessionOptions; allowedOrigins?: string[] };
  /** Take SIP calls (UDP and TCP) on this port; 0 picks a free one; false (the default here) for none. */
  sipPort?: number | false;
  /** Reload a flow file when it changes, for new calls (`ccflow serve --watch`, flow-watch.ts). */
  watch?: boolean;
  /** Run as one node of a cluster sharing the contact center through Redis (`serve --redis --node-id`, docs/cluster.md). */
  cluster?: ClusterNodeOptions;
}

export interface RunningServer {
  /** http://host:port — UI at /, API at /api, CRM record pages at /main.aspx, Web API at /api/data/v9.2. */
  url: string;
  httpsUrl?: string;
  context: ServerContext;
  /** The API's routes (method, path) as registered. */
  routes: Array<{ method: string; url: string }>;
  /** The routes outside the API (CRM, identity, /sip, the web UI's files). */
  otherRoutes: Array<{ method: string; url: string }>;
  /** The embedded identity service (absent when an external OpenID Connect provider is configured). */
  identity?: IdentityService;
  /** Ends every contact (reason `shutdown`), then closes listeners and the CRM. Returns the count of contacts ended. */
  close(reason?: string): Promise<number>;
}

function urlOf(host: string, port: number, scheme: "http" | "https"): string {
  const shown = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${shown}:${port}`;
}

interface BuiltApp {
  app: FastifyInstance;
  /** The API's routes as registered (method and path), for the OpenAPI check. */
  routes: Array<{ method: string; url: string }>;
  /** Every other route: the CRM, the identity service, /sip and the web UI's files. */
  otherRoutes: Array<{ method: string; url: string }>;
}

/** What the app is built from: every part exists before the first route is registered. */
interface AppParts {
  context: ServerContext;
  crm: EmbeddedCrmParts | undefined;
  log: ServerLog;
  auth: AuthService;
  identity: IdentityService | undefined;
  metrics: ServerMetrics;
  simulated: ReadonlySet<string>;
  /** A cluster node: whether it reaches Redis (the API answers 503 while it does not). */
  clusterHealthy?: () => boolean;
}

/** The CRM's record pages act for a person: they need a signed-in user. */
const CRM_PAGES = /^\/main\.aspx(?:[?#]|$)/i;

async function buildApp(listener: BoundListener, parts: AppParts): Promise<BuiltApp> {
  const { context, crm, log, auth, identity, metrics, simulated } = parts;
  const tls = listener.server instanceof https.Server;
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 32 * 1024 },
    serverFactory: listener.serverFactory,
  }) as unknown as FastifyInstance;
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  auth.sockets.attach(app.websocketServer);
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: "ccflow_csrf",
    cookieOpts: { path: "/", httpOnly: true, sameSite: "lax", secure: tls },
    getUserInfo: (req) => req.cookies.ccflow_session ?? "",
    csrfOpts: { hmacKey: auth.csrfKey },
  });
  app.addHook("onRequest", async (req, reply) => {
    if (!CRM_PAGES.test(req.url)) return;
    const { principal, refused } = await identify(auth, req, reply, app, "origin");
    if (reply.sent) return reply;
    if (refused) return reply.code(refused.status).type("text/plain").send(refused.message);
    if (principal) return;
    if (req.method === "GET") return reply.redirect(`/auth/login?returnTo=${encodeURIComponent(req.url)}`, 303);
    return reply.code(401).type("text/plain").send("Sign in first: the CRM's record pages need a signed-in user.");
  });
  app.addHook("onResponse", async (req, reply) => {
    const area = crmAreaOf(req.url);
    if (area) metrics.observeCrmRequest(area, req.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  // Every route, so those outside the API can be held to the platform document (platform-doc.ts).
  const allRoutes: BuiltApp["routes"] = [];
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) if (method !== "HEAD") allRoutes.push({ method, url: r.url });
  });
  if (identity) registerIdentityRoutes(app, identity);
  if (crm) await crm.register(app);
  if (context.sip) registerSipWebSocket(app, context.sip, auth, tls);
  const routes: BuiltApp["routes"] = [];
  await app.register(async (api) => {
    api.addHook("onRoute", (r) => {
      for (const method of [r.method].flat()) if (method !== "HEAD") routes.push({ method, url: r.url });
    });
    if (parts.clusterHealthy) guardClusterRoutes(api, parts.clusterHealthy);
    guardRoutes(api, auth, context.calls);
    // Routes declare their body, path, query and responses as zod schemas, which the OpenAPI
    // document is generated from (api-doc.ts); a body left out is an empty one.
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(checkedSerializer((message) => log("warn", message)));
    await registerApiDoc(api, context.version);
    api.addHook("preValidation", async (req) => {
      if (req.body === undefined || req.body === null || req.body === "") req.body = {};
    });
    api.setErrorHandler((err, req, reply) => {
      const { status, body, unexpected } = toErrorResponse(err);
      if (unexpected) log("error", `${req.method} ${req.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      void reply.code(status).send(body);
    });
    registerSignInRoutes(api, auth, log);
    await api.register(apiRoutes, { context, metrics, simulated, warn: (message) => log("warn", message) });
  });
  await app.register(fastifyStatic, { root: webRoot, prefix: "/", index: ["index.html"], cacheControl: false, etag: true });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith("/api/")) {
      void reply.code(404).send({ error: { code: "NOT_FOUND", message: `no route ${req.method} ${req.url.split("?")[0]} (see /api/openapi.json)` } });
    } else {
      void reply.code(404).type("text/plain").send(`Not found: ${req.url.split("?")[0]}`);
    }
  });
  await app.ready();
  listener.serve();
  const api = new Set(routes.map((r) => `${r.method} ${r.url}`));
  return { app, routes, otherRoutes: allRoutes.filter((r) => !api.has(`${r.method} ${r.url}`)) };
}

/**
 * Starts everything; resolves once the server answers on its listeners. The listeners bind
 * first, so the runtime, the identity service and the API are built knowing the server's own
 * addresses; the app is assembled from them last, and the demo callers are read from the CRM
 * once it answers.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log: ServerLog = options.log ?? (() => undefined);
  const env = options.environment;
  const clock = options.clock ?? new SystemClock();
  const host = options.host ?? "127.0.0.1";
  const useCrm = options.embeddedCrm ?? env.crm.embedded;

  const httpsPort = options.httpsPort ?? 8443;
  const crm = useCrm ? await startEmbeddedCrm({ dataDir: options.dataDir, ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}), orgUrls: env.crm.orgUrls, https: httpsPort !== false, log, ...(options.processEnv ? { env: options.processEnv as NodeJS.ProcessEnv } : {}), ...(options.cluster ? { redisUrl: options.cluster.redisUrl } : {}) }) : undefined;
  // Parts stop first (newest first), then each app (its sockets) and the listener under it.
  const closers: Array<() => Promise<void> | void> = [];
  const servers: Array<{ listener: BoundListener; app?: FastifyInstance }> = [];
  const closeServers = async () => {
    for (const s of servers) {
      await s.app?.close();
      await s.listener.close();
    }
  };
  const metrics = new ServerMetrics();
  const processEnv = options.processEnv ?? process.env;
  const webClient = { clientId: "ccflow-web", clientSecret: randomBytes(32).toString("base64url") };
  let identity: IdentityService | undefined;
  try {
    const external = externalProviderFromEnv(processEnv);
    const publicUrl = publicUrlFromEnv(processEnv);
    // The files of the data directory go straight into it (pending callbacks, sessions); with
    // --postgres nothing else may have made it yet.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    // With --postgres the identity service's keys and codes are shared: a sign-in may finish on another node.
    identity = external ? undefined : await IdentityService.create({ dataDir: options.dataDir, env: processEnv as NodeJS.ProcessEnv, ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}), ...(options.cluster ? { redisUrl: options.cluster.redisUrl, warn: (m: string) => log("warn", m) } : {}) });

    const plain = await bindListener({ host, port: options.port ?? 8080 });
    servers.push({ listener: plain });
    const url = urlOf(host, plain.port, "http");
    let secure: BoundListener | undefined;
    let httpsUrl: string | undefined;
    if (httpsPort !== false && crm?.tls) {
      secure = await bindListener({ host, port: httpsPort, tls: { key: crm.tls.key, cert: crm.tls.cert } });
      servers.push({ listener: secure });
      httpsUrl = urlOf(host === "127.0.0.1" || host === "0.0.0.0" ? "localhost" : host, secure.port, "https");
    }

    if (identity) {
      identity.setIssuer(`${publicUrl ?? url}${IDENTITY_PREFIX}`);
      const dev = resolveCredentials(processEnv);
      identity.registerClient({ clientId: dev.clientId, clientSecret: dev.clientSecret, displayName: "ccflow development app", roles: [...ROLES], clientCredentials: true, redirectOrigins: () => [] });
    }

    let binding: EmbeddedCrmBinding | undefined;
    if (crm) {
      // Tokens name the resource they were asked for; accept every name this server answers to.
      const ports = [new URL(url).port, httpsUrl ? new URL(httpsUrl).port : undefined];
      for (const name of new Set(["localhost", "127.0.0.1", new URL(url).hostname])) {
        crm.addPublicBaseUrl(`http://${name}:${ports[0]}`);
        if (ports[1]) crm.addPublicBaseUrl(`https://${name}:${ports[1]}`);
      }
      binding = { baseUrl: url, ...crm.connectorCredentials };
    }
    const replicator = options.cluster ? await connectClusterNode(options.cluster, (level, message) => log(level, message)) : undefined;
    if (replicator) closers.push(() => replicator.stop());
    const runtime = new Runtime({
      environment: env,
      flows: options.flows.definitions(),
      library: options.flows.library,
      clock,
      crm: binding,
      limits: options.limits,
      processEnv: options.processEnv,
      log: (level, message) => log(level, message),
      ...(replicator ? { centerReplication: replicator } : {}),
    });
    closers.unshift(() => runtime.close());
    if (replicator) {
      replicator.attach(runtime.center);
      await replicator.start(centerFingerprint(runtime.center, env.center));
    }
    const flowWatcher = options.watch ? await watchFlows({ catalog: options.flows, runtime, log }) : undefined;
    if (flowWatcher) closers.unshift(flowWatcher.close);
    const sipOn = options.sipPort !== undefined && options.sipPort !== false;
    if (options.watch && env.file) closers.unshift((await watchEnvironment({ file: env.file, runtime, catalog: options.flows, checkEntryPoints: sipOn, log, ...(flowWatcher ? { flowWatcher } : {}) })).close);
    const pendingCallbacks = PendingCallbackStore.inDataDir(options.dataDir);
    closers.push(() => pendingCallbacks.close());
    const calls = new CallRegistry({ runtime, clock, msPerChar: options.msPerChar, audioFileMs: options.audioFileMs, log: (level, message) => log(level, message), onCallbacksChanged: recordPendingCallbacks(pendingCallbacks, () => clock.now(), log) });
    const centerSettings = centerSettingsSchema.parse(env.center ?? {});
    const desk = new AgentDesk(runtime.center, calls, { clock, graceMs: centerSettings.agentDisconnectGraceSeconds * 1000, log: (level, message) => log(level, message) });
    closers.unshift(() => desk.close());
    metrics.attach(runtime.center, calls, () => clock.now());
    const records = new ContactRecords(runtime.center, { now: () => clock.now(), serviceLevelSeconds: centerSettings.serviceLevelSeconds, retentionDays: centerSettings.recordRetentionDays, calls, store: await openRecordStore(options), log });
    closers.push(() => records.close());
    await records.load();
    const controls = new CallControls(runtime.center, calls, { now: () => clock.now(), wrapUpCodes: centerSettings.wrapUpCodes, records });
    closers.unshift(() => controls.close());
    desk.controls = controls;
    const journal = new EventJournal(runtime.center);
    closers.unshift(() => journal.close());
    if (replicator) {
      answerOtherNodes(replicator, { center: runtime.center, desk, calls, controls });
      controls.cluster = { share: (id, state) => replicator.shareControls(id, state), shared: (id) => replicator.sharedControls(id) };
    }
    if (options.logger) closers.unshift(logContacts(calls, options.logger));
    if (options.tracing) {
      // Imported only here: with tracing off, no OpenTelemetry package is loaded.
      const { traceContacts } = await import("./contact-traces.js");
      closers.unshift(traceContacts(calls, { serviceVersion: packageVersion(), ...options.tracing }, (text) => runtime.gateway.redact(text), () => clock.now()));
      log("info", `traces: each contact's spans go to ${options.tracing.endpoint} (OTLP/HTTP)`);
    }
    closers.unshift(() => metrics.detach());

    const agents = demoAgents(runtime, env);
    const simulated = new Set(agents.filter((a) => a.simulated).map((a) => a.id));
    if (identity) identity.setUsers(developmentUsers(agents.filter((a) => !a.simulated)));
    const auth = await AuthService.create({
      ...(identity ? { identity, webClient, ownUrl: url } : {}),
      ...(external ? { external } : {}),
      // With --postgres, sessions live in that database: servers sharing it accept each other's.
      sessions: { file: join(options.dataDir, "sessions.sqlite"), ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}), ...options.auth?.sessions },
      allowedOrigins: [...(publicUrl ? [publicUrl] : []), ...(options.auth?.allowedOrigins ?? []), ...(processEnv.CCFLOW_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean)],
      findAgent: (candidates) => {
        const wanted = new Set(candidates.map((c) => c.toLowerCase()));
        return agents.find((a) => !a.simulated && (wanted.has(a.id.toLowerCase()) || (a.email !== undefined && wanted.has(a.email.toLowerCase()))))?.id;
      },
    });
    closers.push(() => auth.close());
    // The server's own origins may change state; the embedded identity service lives at its address.
    for (const own of [url, httpsUrl]) {
      if (!own) continue;
      const u = new URL(own);
      for (const name of new Set(["localhost", "127.0.0.1", u.hostname])) auth.addOrigin(`${u.protocol}//${name.includes(":") && !name.startsWith("[") ? `[${name}]` : name}:${u.port}`);
    }
    if (identity) identity.registerClient({ ...webClient, displayName: "ccflow web UI", roles: [], clientCredentials: false, redirectOrigins: () => auth.ownOrigins(), internal: true });

    const urls: ServerUrls = { ui: `${url}/`, api: `${url}/api`, openapi: `${url}/api/openapi.json`, openapiPlatform: `${url}/api/openapi-platform.json` };
    let sipServer: SipServer | undefined;
    let voice: VoiceLines | undefined;
    let dialler: Dialler | undefined;
    if (options.sipPort !== undefined && options.sipPort !== false) {
      voice = new VoiceLines(runtime.center, { host: host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host, log: (level, message) => log(level, message) });
      closers.unshift(() => voice?.close());
      controls.audio = voice;
      controls.outside = new OutsideTransfers({ voice, plan: centerSettings.dialPlan, ringTimeoutMs: centerSettings.outsideRingSeconds * 1000, host: host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host, env: processEnv, log: (level, message) => log(level, message) });
      closers.unshift(() => controls.outside?.close());
      dialler = startDialler({ center: runtime.center, calls, flows: options.flows, voice, entryPoints: () => runtime.environment.entryPoints, plan: centerSettings.dialPlan, ringTimeoutMs: centerSettings.outsideRingSeconds * 1000, host: host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host, defaultFrom: options.defaultDnis ?? DEFAULT_DNIS, env: processEnv, log: (level, message) => log(level, message) });
      closers.unshift(() => dialler?.close());
      const sip = await startSipFront({ environment: env, entryPoints: () => runtime.environment.entryPoints, flows: options.flows, calls, host, port: options.sipPort, dataDir: options.dataDir, voice, log: (level, message) => log(level, message) });
      // Hang up SIP callers first, so each gets a BYE while the contact still ends normally.
      closers.unshift(() => sip.close());
      urls.sip = sip.uri;
      if (sip.tlsUri) urls.sips = sip.tlsUri;
      if (sip.tlsCaPath) urls.sipsCaPath = sip.tlsCaPath;
      urls.sipWebSocket = `${url.replace(/^http/, "ws")}${SIP_WEBSOCKET_PATH}`;
      if (httpsUrl) urls.sipWebSocketSecure = `${httpsUrl.replace(/^https/, "wss")}${SIP_WEBSOCKET_PATH}`;
      sipServer = sip.server;
    }
    if (crm) {
      urls.crm = url;
      if (httpsUrl) urls.crmHttps = httpsUrl;
      urls.webApi = `${url}/api/data/v9.2/`;
      urls.tokenUrl = `${url}/${crm.credentials.tenantId}/oauth2/v2.0/token`;
      if (crm.tls) urls.caPath = crm.tls.caPath;
    }
    const context: ServerContext = {
      records,
      controls,
      runtime,
      center: runtime.center,
      calls,
      desk,
      flows: options.flows,
      clock,
      urls,
      demo: { callers: [], agents },
      signIn: identity
        ? { issuer: identity.issuer, embedded: true, users: (await identity.developmentUsers()).map((u) => ({ username: u.username, password: u.password, name: u.name, roles: u.roles, ...(u.agentId ? { agentId: u.agentId } : {}) })), storedUsers: (await identity.userStore.list()).length }
        : { issuer: external!.issuer, embedded: false, users: [] },
      ...(crm ? { crm: { ...crm.credentials, development: crm.developmentCredentials } } : {}),
      defaultDnis: options.defaultDnis ?? DEFAULT_DNIS,
      ...(sipServer ? { sip: sipServer } : {}),
      ...(voice ? { voice } : {}),
      ...(dialler ? { dialler } : {}),
      ...(replicator ? { forwarding: callForwarding(replicator, calls) } : {}),
      journal,
      startedAt: clock.now(),
      version: packageVersion(),
    };

    const parts: AppParts = { context, crm, log, auth, identity, metrics, simulated, ...(replicator ? { clusterHealthy: () => replicator.healthy } : {}) };
    const http = await buildApp(plain, parts);
    servers[0]!.app = http.app;
    if (secure) servers[1]!.app = (await buildApp(secure, parts)).app;

    if (crm) {
      // Read from the CRM the way any client would: over HTTP, now that it answers.
      try {
        context.demo.callers = await findDemoCallers(url, crm.connectorCredentials);
      } catch (err) {
        log("warn", `could not list the demo callers from the CRM: ${(err as Error).message}`);
      }
    }

    restorePendingCallbacks(pendingCallbacks, calls, options.flows, log);

    let closing: Promise<number> | undefined;
    return {
      url,
      ...(httpsUrl ? { httpsUrl } : {}),
      context,
      routes: http.routes,
      otherRoutes: http.otherRoutes,
      ...(identity ? { identity } : {}),
      close(reason = "shutdown") {
        closing ??= (async () => {
          // The contacts ended below still wait on their callbacks: they stay written for the next start.
          saveAtShutdown(pendingCallbacks, calls.active(), clock.now(), log);
          pendingCallbacks.suspend();
          let ended = runtime.center.shutdown(reason);
          await runtime.center.settle();
          // Calls still in the IVR are not in the center: end them the same way, with the same reason.
          for (const s of calls.active()) {
            if (s.ended || runtime.center.contact(s.interactionId)) continue;
            s.interaction.notify({ type: "ended", reason });
            ended++;
          }
          if (ended > 0) log("info", `ended ${ended} contact${ended === 1 ? "" : "s"} (${reason})`);
          if (!(await calls.drain(3000))) log("warn", "some calls were still finishing their event flows after 3 s");
          for (const close of closers) await close();
          await closeServers();
          await identity?.close();
          await crm?.close();
          return ended;
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const close of closers) await Promise.resolve(close()).catch(() => undefined);
    await closeServers().catch(() => undefined);
    await identity?.close().catch(() => undefined);
    await crm?.close();
    throw err;
  }
}

function demoAgents(runtime: Runtime, env: Environment): DemoAgent[] {
  const simulated = new Set<string>([SIMULATED_AGENT_ID]);
  for (const a of env.agents) {
    if (a && typeof a === "object" && "simulated" in a && (a as { simulated?: unknown }).simulated) simulated.add(String((a as { id?: unknown }).id));
  }
  return runtime.center.listAgents().map((a) => ({
    id: a.id,
    name: a.name,
    ...(a.email ? { email: a.email } : {}),
    ...(a.teamId ? { teamId: a.teamId } : {}),
    ...(a.teamName ? { teamName: a.teamName } : {}),
    queues: a.queues,
    simulated: simulated.has(a.id),
  }));
}
