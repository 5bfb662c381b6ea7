/**
 * One process's contact center, composed from an environment: the HTTP connectors, the center
 * with its queues and agents, and the engine, with everything a flow uses but the environment
 * does not bind filled in and said out loud — connectors to the embedded CRM, queues created
 * empty (or staffed by a simulated agent), production CRM hosts in screen pops rewritten to the
 * embedded CRM's record pages. `ccflow call`, `ccflow test`, `ccflow serve` and the benchmarks
 * all start here, so they bind flows the same way.
 */
import type { ActivityEnvironment } from "../activities/types.js";
import { ContactCenter } from "../center/contact-center.js";
import { describeCenterChanges } from "../center/reconfigure.js";
import type { CenterReplication } from "../center/replication.js";
import { createSimulatedAgents, simulatedSpecs, type SimulatedAgents, type SimulatedAgentSpec } from "../center/simulated-agents.js";
import type { ParsedCenterConfig } from "../center/config.js";
import { parseCenterConfig } from "../center/config.js";
import { loadConnectors, type ConnectorConfig } from "../connectors/config.js";
import { createHttpGateway, type ConnectorHttpGateway } from "../connectors/gateway.js";
import type { ConnectorLogger } from "../connectors/redact.js";
import { routedTransport } from "../connectors/routes.js";
import { promptFileChecker } from "./prompt-files.js";
import { createUndiciTransport, type FixtureHandler } from "../connectors/transport.js";
import type { Clock } from "../time/clock.js";
import { Engine } from "../engine/engine.js";
import type { CallOptions, EngineLimits, Interaction } from "../engine/interaction.js";
import { evaluateSchedule } from "../environment/business-hours.js";
import type { Environment } from "../environment/schema.js";
import { createScreenPopRewriter } from "../environment/screen-pop-rewrite.js";
import { virtualAgentDirectory } from "../environment/virtual-agents.js";
import { createRegistry } from "../activities/index.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { ActivitySpec } from "../activities/types.js";
import { connectorPaths, looksLikeDataverse } from "./dataverse-shape.js";
import { seededRandom } from "../util/seeded-random.js";
import { allActivities, collectReferences } from "../flow/validate.js";
import type { FlowDefinition } from "../flow/types.js";

/** What the runtime needs to know of an embedded CRM to bind connectors and pops to it. */
export interface EmbeddedCrmBinding {
  /** Base URL (`http://127.0.0.1:8080`), no trailing slash. */
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM of the CA, when baseUrl is https. */
  ca?: string;
  /**
   * Entity sets the CRM serves. When given, only connectors whose requests look like Dataverse
   * Web API requests are bound to it (dataverse-shape.ts); the others are reported unbound.
   */
  entitySets?: string[];
}

export interface RuntimeOptions {
  environment: Environment;
  /** Flows that will take calls (their connectors, queues and pops are bound). */
  flows: FlowDefinition[];
  /** Subflows and GoTo targets, by id, flowId or name. */
  library?: FlowDefinition[];
  clock: Clock;
  crm?: EmbeddedCrmBinding;
  /** In-process HTTP (flow tests, engine benchmarks): no sockets. */
  fixtures?: FixtureHandler;
  /** Staff queues the environment leaves without agents with one simulated agent. */
  simulatedAgentForEmptyQueues?: boolean;
  limits?: Partial<EngineLimits>;
  /** Activity types to run besides ccflow's own (test stubs); one that ccflow already runs is refused. */
  activities?: ActivitySpec[];
  /** Variables of the process (CCFLOW_CLIENT_SECRET...) for `${ENV}` references. */
  processEnv?: Record<string, string | undefined>;
  log?: (level: "info" | "warn", message: string) => void;
  connectorLogger?: ConnectorLogger;
  /** A cluster node's shared log (`serve --redis`): the center is a replica of it (center/cluster/). */
  centerReplication?: CenterReplication;
}

export class RuntimeConfigError extends Error {}

/** The environment's center sections, checked; RuntimeConfigError naming the file when they are wrong. */
function centerConfigOf(env: Environment): ParsedCenterConfig {
  try {
    return parseCenterConfig({ queues: env.queues, teams: env.teams, agents: env.agents, ...(env.center === undefined ? {} : { center: env.center }) }, env.file ?? "environment");
  } catch (err) {
    throw new RuntimeConfigError((err as Error).message);
  }
}

/** The flows calls may reach, as one immutable set (see Runtime.flowSet). */
class FlowSet {
  /** Resolves a subflow or GoTo reference in this set (handed to each call that starts on it). */
  readonly resolver = (ref: string): FlowDefinition | undefined => this.resolve(ref);

  constructor(
    readonly flows: readonly FlowDefinition[],
    readonly library: readonly FlowDefinition[],
  ) {}

  resolve(ref: string): FlowDefinition | undefined {
    const match = (f: FlowDefinition) => f.id === ref || f.flowId === ref || f.name === ref;
    return this.library.find(match) ?? this.flows.find(match);
  }

  withLibrary(added: readonly FlowDefinition[], removed: readonly FlowDefinition[]): FlowSet {
    return new FlowSet(this.flows, [...this.library.filter((f) => !removed.includes(f)), ...added]);
  }

  replacing(previous: FlowDefinition, next: FlowDefinition): FlowSet {
    const swap = (list: readonly FlowDefinition[]) => list.map((f) => (f === previous ? next : f));
    return new FlowSet(swap(this.flows), swap(this.library));
  }
}

export const SIMULATED_AGENT_ID = "sim-agent-1";

/**
 * What one version of the environment binds: its connectors, their HTTP gateway, the answers
 * activities ask of the environment, and the engine running calls with them. A call keeps the
 * binding it started on (serve --watch may put a new one in place meanwhile); a replaced binding's
 * gateway closes when its last call ends.
 */
interface EnvironmentBinding {
  readonly environment: Environment;
  readonly connectors: ConnectorConfig[];
  readonly gateway: ConnectorHttpGateway;
  readonly engine: Engine;
  readonly globals: Record<string, unknown>;
  readonly hasGlobals: boolean;
  /** Calls started on it that have not ended. */
  calls: number;
}

export class Runtime {
  /** One line per binding the environment did not spell out (the current environment's). */
  readonly bindings: string[] = [];
  readonly center: ContactCenter;
  private readonly simulated?: SimulatedAgents;
  private readonly live = new Set<Interaction>();
  private readonly registry: ActivityRegistry | undefined;
  private current: EnvironmentBinding;
  /** Replaced bindings whose calls have not all ended (their gateways are still open). */
  private readonly retired = new Set<EnvironmentBinding>();
  /**
   * The flows calls may reach (main flows, then subflows and GoTo targets), replaced as a whole
   * when a flow file changes (serve --watch): a call resolves its subflows in the set it started
   * with, so a call in progress finishes on the versions it began on.
   */
  private flowSet: FlowSet;

  constructor(private readonly options: RuntimeOptions) {
    const env = options.environment;
    const log = options.log ?? (() => undefined);
    this.flowSet = new FlowSet(options.flows, options.library ?? []);
    if (options.activities?.length) {
      const known = createRegistry();
      const taken = options.activities.filter((a) => known.lookup(a.type));
      if (taken.length) throw new RuntimeConfigError(`ccflow runs ${taken.map((a) => `"${a.type}"`).join(", ")} itself; a stub stands in only for activity types it does not run`);
      this.registry = createRegistry(options.activities);
    }

    const centerConfig = centerConfigOf(env);
    for (const n of centerConfig.notices) log("warn", n);
    const connectors = this.loadConnectors(env);
    this.center = new ContactCenter({ clock: options.clock, config: centerConfig, log, ...(options.centerReplication ? { replication: options.centerReplication } : {}) });
    const popLines: string[] = [];
    this.current = this.bind(env, connectors, this.bindings, popLines);
    const specs = this.bindQueues(centerConfig, this.bindings);
    this.bindings.push(...popLines);
    if (specs.length > 0 && options.centerReplication?.playSimulated) {
      // One node of the cluster at a time plays them (center/cluster/): it starts them when it takes the turn.
      options.centerReplication.playSimulated(
        specs.map((s) => s.agentId),
        () => createSimulatedAgents(this.center, specs, options.clock),
      );
    } else {
      this.simulated = specs.length > 0 ? createSimulatedAgents(this.center, specs, options.clock) : undefined;
    }
    for (const f of [...options.flows, ...this.flowSet.library]) this.current.engine.compile(f);
  }

  /** The engine new calls start on (the current environment's). */
  get engine(): Engine {
    return this.current.engine;
  }

  /** The HTTP gateway of the current environment's connectors. */
  get gateway(): ConnectorHttpGateway {
    return this.current.gateway;
  }

  /** The current environment's connectors, with those bound to the embedded CRM. */
  get connectors(): ConnectorConfig[] {
    return this.current.connectors;
  }

  /** The environment new calls are bound by. */
  get environment(): Environment {
    return this.current.environment;
  }

  startCall(flow: FlowDefinition, call: CallOptions): Interaction {
    // Most environments declare no globals: then the call's options go as they are, not copied twice.
    const set = this.flowSet;
    const binding = this.current;
    const globals = binding.hasGlobals || call.globals !== undefined ? { globals: { ...binding.globals, ...call.globals } } : undefined;
    // Spread into a literal, not `{ ...call, resolveFlow }`: properties added after a leading spread
    // give every object a hidden class of its own (V8, Node 20), and the engine's reads of its
    // call's options then miss their caches on every call. The assignment keeps the runtime's
    // resolver over one the caller passed, as before.
    const options: CallOptions = { resolveFlow: set.resolver, ...call, ...globals };
    options.resolveFlow = set.resolver;
    const interaction = binding.engine.startCall(flow, options);
    this.live.add(interaction);
    binding.calls++;
    void interaction.done.then(() => {
      this.live.delete(interaction);
      if (--binding.calls === 0 && this.retired.delete(binding)) void binding.gateway.close();
    });
    return interaction;
  }

  /**
   * Binds a new version of the environment for calls that start from now on (serve --watch):
   * its connectors (new and changed), queues (new ones are created; flows' queues it lacks are
   * created as at the start when autoCreateQueues is on), globals, business hours, scripts and
   * screen-pop rewrites. Calls in progress keep the binding they started with. Throws
   * RuntimeConfigError, changing nothing, when the new version cannot be bound (a bad queue or
   * connector section). Returns the new binding lines and notices.
   */
  replaceEnvironment(next: Environment): string[] {
    const centerConfig = centerConfigOf(next);
    const connectors = this.loadConnectors(next);
    const lines: string[] = [];
    const popLines: string[] = [];
    const binding = this.bind(next, connectors, lines, popLines);
    for (const f of [...this.flowSet.flows, ...this.flowSet.library]) binding.engine.compile(f);
    const previous = this.current;
    this.current = binding;
    if (previous.calls === 0) void previous.gateway.close();
    else this.retired.add(previous);
    let changed: string[];
    if (this.options.centerReplication) {
      // A cluster node's center is the shared log's: each node applying its own file would part them.
      changed = describeCenterChanges(centerConfigOf(previous.environment).config, centerConfig.config).map((c) => `${c}: not applied on a cluster node (its nodes share the center through Redis); restart the nodes with the new file`);
    } else {
      // Queues last: a new queue exists from here on, also for calls in progress (the center is one).
      this.bindQueues(centerConfig, lines, { reload: true });
      // Then the center settings, the settings of queues that exist, teams and agents (center/reconfigure.ts).
      const { queues, teams, agents, center: settings } = centerConfig.config;
      changed = this.center.reconfigure({ queues, teams, agents, settings, usedQueues: this.usedQueues(), keepAgents: new Set([SIMULATED_AGENT_ID]) });
    }
    lines.push(...popLines);
    this.bindings.splice(0, this.bindings.length, ...lines);
    return [...centerConfig.notices, ...lines, ...changed];
  }

  /**
   * Puts `next` in the place of `previous` (a main flow, a subflow or a GoTo target) for calls
   * that start from now on; calls in progress keep the flows they started with. Compiles `next`
   * first. Returns notices, as the start's bindings: a connector the new version names (and the old
   * did not) that this server has not bound (the environment binds connectors: add it there, and
   * a watched environment file binds it for new calls).
   */
  replaceFlow(previous: FlowDefinition, next: FlowDefinition): string[] {
    const notices: string[] = [];
    const before = collectReferences(previous).connectors;
    for (const id of collectReferences(next).connectors.keys()) {
      // One the previous version named too was reported when the server started.
      if (!before.has(id) && !this.connectors.some((c) => c.id === id || c.name === id)) notices.push(`connector ${id} is not bound: requests through it will fail (bind it under connectors: in the environment file)`);
    }
    this.engine.compile(next);
    this.flowSet = this.flowSet.replacing(previous, next);
    return notices;
  }

  /**
   * The environment's `flows:` list changed (serve --watch): subflows and GoTo targets added are
   * compiled and reachable for calls that start from now on; those removed are not, while calls in
   * progress keep the set they started with.
   */
  changeLibrary(added: readonly FlowDefinition[], removed: readonly FlowDefinition[]): void {
    for (const f of added) this.engine.compile(f);
    this.flowSet = this.flowSet.withLibrary(added, removed);
  }

  /**
   * Ends every live call with `reason` (each runs its PhoneContactEnded): the center's contacts,
   * and calls still in the IVR, which the center does not know yet and would otherwise run on
   * unseen. Returns how many were ended.
   */
  shutdown(reason = "shutdown"): number {
    const inIvr = [...this.live].filter((c) => c.state === "ivr");
    let ended = this.center.shutdown(reason);
    for (const call of inIvr) {
      call.notify({ type: "ended", reason });
      ended++;
    }
    return ended;
  }

  async close(): Promise<void> {
    this.simulated?.stop();
    this.shutdown("shutdown");
    await Promise.all([this.current, ...this.retired].map((b) => b.gateway.close()));
    this.retired.clear();
  }

  private loadConnectors(env: Environment): ConnectorConfig[] {
    try {
      return loadConnectors(env.connectors, { env: this.options.processEnv ?? process.env, baseDir: env.baseDir, secretsFile: env.secretsFile });
    } catch (err) {
      throw new RuntimeConfigError((err as Error).message);
    }
  }

  /** The connectors, gateway, activity answers and engine of one environment version. */
  private bind(env: Environment, connectors: ConnectorConfig[], lines: string[], popLines: string[]): EnvironmentBinding {
    const options = this.options;
    this.bindConnectors(connectors, lines);
    // Per-run answers (fixtures) fall back to the routes themselves; otherwise the routes stand in front of the network.
    const transport = options.fixtures || env.http.routes.length === 0 ? undefined : routedTransport(env.http.routes, createUndiciTransport());
    const gateway = createHttpGateway({ connectors, clock: options.clock, fixtures: options.fixtures, transport, logger: options.connectorLogger });
    const rewriteHosts = { ...this.defaultPopRewrites(env, popLines), ...this.resolvePopRewrites(env.screenPop.rewriteHosts, popLines) };
    const rewrite = createScreenPopRewriter(rewriteHosts);
    const schedules = new Map(env.businessHours.map((s) => [s.id, s]));
    const activityEnv: ActivityEnvironment = {
      http: env.http,
      rewriteScreenPop: rewrite,
      businessHours: env.businessHours.length
        ? (id, at) => {
            const s = schedules.get(id);
            if (!s) throw new RuntimeConfigError(`business hours schedule "${id}" is not in the environment`);
            return evaluateSchedule(s, at);
          }
        : undefined,
      virtualAgent: env.virtualAgents.length ? virtualAgentDirectory(env.virtualAgents) : undefined,
      random: seededRandom(env.activities.randomSeed ?? Math.floor(Math.random() * 2 ** 32)),
      scripts: env.activities,
      checkPromptFile: env.prompts.folder ? promptFileChecker(env.prompts.folder, env.baseDir, options.clock) : undefined,
      resolveFlow: (ref) => this.flowSet.resolve(ref),
    };
    const globals = { ...env.globals };
    const engine = new Engine({ http: gateway, center: this.center, clock: options.clock, env: activityEnv, limits: options.limits, registry: this.registry });
    return { environment: env, connectors, gateway, engine, globals, hasGlobals: Object.keys(globals).length > 0, calls: 0 };
  }

  private bindConnectors(connectors: ConnectorConfig[], lines: string[]): void {
    const flows = [...this.flowSet.flows, ...this.flowSet.library];
    const used = new Set<string>();
    for (const f of flows) for (const id of collectReferences(f).connectors.keys()) used.add(id);
    const crm = this.options.crm;
    const entitySets = crm?.entitySets ? new Set(crm.entitySets.map((e) => e.toLowerCase())) : undefined;
    const paths = entitySets ? connectorPaths(flows) : undefined;
    for (const id of used) {
      if (connectors.some((c) => c.id === id || c.name === id)) continue;
      if (!crm) {
        lines.push(`connector ${id} is not bound: requests through it will fail (define it in the environment file)`);
        continue;
      }
      const requests = paths?.get(id) ?? [];
      if (entitySets && !requests.some((p) => looksLikeDataverse(p, entitySets))) {
        const example = requests[0] ? ` (${requests[0].length > 60 ? `${requests[0].slice(0, 57)}...` : requests[0]})` : "";
        lines.push(
          `connector ${id} is not bound: its requests${example} are not Dataverse Web API requests, so the embedded CRM cannot answer them; bind it under connectors: in an environment file (--env), or answer it with --fixtures`,
        );
        continue;
      }
      const base = crm.baseUrl.replace(/\/+$/, "");
      connectors.push({
        id,
        name: `embedded CRM`,
        type: "oauth2-client-credentials",
        resourceDomain: `${base}/api/data/v9.2/`,
        clientId: crm.clientId,
        clientSecret: crm.clientSecret,
        scope: `${base}/.default`,
        tokenUrl: `${base}/${crm.tenantId}/oauth2/v2.0/token`,
        clientAuth: "client_secret_post",
        headers: {},
        ca: crm.ca,
        secrets: [crm.clientSecret],
      });
      lines.push(`connector ${id} → embedded CRM ${base}/api/data/v9.2/ (OAuth 2.0 client credentials, development app)`);
    }
  }

  /**
   * Creates the queues flows use that the environment lacks (autoCreateQueues), and on a reload
   * the environment's new queues. Returns the simulated agents to start (at the start only).
   */
  /** The queues the served flows name. */
  private usedQueues(): Set<string> {
    const used = new Set<string>();
    for (const f of [...this.flowSet.flows, ...this.flowSet.library]) for (const id of collectReferences(f).queues.keys()) used.add(id);
    return used;
  }

  private bindQueues(centerConfig: ParsedCenterConfig, lines: string[], { reload = false } = {}): SimulatedAgentSpec[] {
    const specs = reload ? [] : simulatedSpecs(centerConfig.config.agents);
    if (reload) {
      const existing = new Set(this.center.listQueues().map((q) => q.id));
      for (const q of centerConfig.config.queues) {
        if (existing.has(q.id)) continue;
        this.center.addQueue(q);
        lines.push(`queue ${q.id} → added (the environment file names it now)`);
      }
    }
    const used = this.usedQueues();
    const defined = new Set(centerConfig.config.queues.map((q) => q.id));
    const created: string[] = [];
    for (const id of used) {
      if (defined.has(id)) continue;
      if (!centerConfig.config.center.autoCreateQueues) {
        lines.push(`queue ${id} is not in the environment and autoCreateQueues is off: Queue Contact to it fails`);
        continue;
      }
      if (reload && this.center.listQueues().some((q) => q.id === id)) continue;
      this.center.ensureQueue(id);
      created.push(id);
    }
    const staffed = (queueId: string) => centerConfig.config.agents.some((a) => a.queues.includes("*") || a.queues.includes(queueId));
    const empty = created.filter((id) => !staffed(id));
    if (!reload && this.options.simulatedAgentForEmptyQueues && empty.length > 0) {
      this.center.addAgent({ id: SIMULATED_AGENT_ID, name: "Sam Simulated", email: "sam.simulated@ccflow.local", queues: empty });
      specs.push({ agentId: SIMULATED_AGENT_ID, answerAfterSeconds: 4, talkSeconds: 20, wrapUpSeconds: 5 });
    }
    for (const id of created) {
      const who = this.options.simulatedAgentForEmptyQueues && empty.includes(id) ? "staffed by simulated agent Sam Simulated (answers after 4 s)" : staffed(id) ? "served by the environment's agents" : "no agents";
      lines.push(`queue ${id} → created (${who})`);
    }
    return specs;
  }

  /** With an embedded CRM, pops to any *.dynamics.com host go to its record pages. */
  private defaultPopRewrites(env: Environment, lines: string[]): Record<string, string> {
    const crm = this.options.crm;
    if (!crm) return {};
    const out: Record<string, string> = {};
    for (const f of this.flowSet.flows) {
      for (const a of allActivities(f)) {
        if (a.type !== "screen-pop" || typeof a.properties.screenPopUrl !== "string") continue;
        const host = /^https?:\/\/([^/?#]+)/i.exec(a.properties.screenPopUrl)?.[1];
        const configured = Object.keys(env.screenPop.rewriteHosts).some((h) => h.toLowerCase() === host?.toLowerCase());
        if (host && /\.dynamics\.com$/i.test(host) && !(host in out) && !configured) {
          out[host] = crm.baseUrl;
          lines.push(`screen pops to ${host} → embedded CRM pages at ${crm.baseUrl}`);
        }
      }
    }
    return out;
  }

  private resolvePopRewrites(map: Record<string, string>, lines: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [host, target] of Object.entries(map)) {
      if (target === "embedded-crm") {
        if (this.options.crm) out[host] = this.options.crm.baseUrl;
        else lines.push(`screen pops to ${host} are not rewritten: the embedded CRM is not running`);
      } else out[host] = target;
    }
    return out;
  }
}
