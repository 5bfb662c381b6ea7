/**
 * The engine: runs contacts through flows. Each flow is compiled once into a CompiledFlow (its
 * activities' steps and templates); each call is an Interaction with its own variables and event
 * stream, on the CompiledFlow it started with.
 */
import { createRegistry } from "../activities/index.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { ActivityEnvironment } from "../activities/types.js";
import type { CenterPort } from "../center/types.js";
import type { HttpGateway } from "../connectors/types.js";
import type { FlowDefinition } from "../flow/types.js";
import { validateFlow, type BindingCheck } from "../flow/validate.js";
import { SystemClock, type Clock } from "../time/clock.js";
import { DueQueue } from "../time/due-queue.js";
import { CompiledFlow } from "./compiled-flow.js";
import { DEFAULT_LIMITS, Interaction, type CallOptions, type EngineLimits, type InteractionDeps } from "./interaction.js";

export interface EngineOptions {
  http: HttpGateway;
  center: CenterPort;
  registry?: ActivityRegistry;
  clock?: Clock;
  env?: ActivityEnvironment;
  limits?: Partial<EngineLimits>;
  logError?: (message: string, err: unknown) => void;
}

export class Engine {
  readonly registry: ActivityRegistry;
  readonly clock: Clock;
  private readonly limits: EngineLimits;
  /**
   * The compiled form of each flow this engine has run or been handed, held as long as the flow
   * definition is: a flow replaced by a new definition (serve --watch) leaves with its last call.
   */
  private readonly compiled = new WeakMap<FlowDefinition, CompiledFlow>();
  /** What every Interaction of this engine shares; built once, not per call. */
  private readonly deps: InteractionDeps;

  constructor(private readonly options: EngineOptions) {
    this.registry = options.registry ?? createRegistry();
    this.clock = options.clock ?? new SystemClock();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const clock = this.clock;
    this.deps = {
      registry: this.registry,
      http: options.http,
      center: options.center,
      clock,
      env: options.env ?? {},
      limits: this.limits,
      logError: options.logError,
      renderOptions: { now: () => clock.now() },
      compile: (flow) => this.compile(flow),
      callLimits: new DueQueue(clock),
    };
  }

  /** Validates a flow against this engine's activities and the given bindings. */
  validate(flow: FlowDefinition, bindings?: BindingCheck) {
    return validateFlow(flow, this.registry, bindings);
  }

  /**
   * Compiles a flow once: every activity's step and every template, so the first call pays
   * nothing extra and a broken template is found before a caller meets it. Broken ones are left
   * for run time (the activity then fails the way Webex fails it: its error port or
   * OnGlobalError). The same definition gives the same CompiledFlow.
   */
  compile(flow: FlowDefinition): CompiledFlow {
    let compiled = this.compiled.get(flow);
    if (!compiled) this.compiled.set(flow, (compiled = new CompiledFlow(flow, this.registry)));
    return compiled;
  }

  /** Starts a call on a flow (compiled on first use) or on a CompiledFlow the caller holds. */
  startCall(flow: FlowDefinition | CompiledFlow, call: CallOptions): Interaction {
    const compiled = flow instanceof CompiledFlow ? flow : this.compile(flow);
    return new Interaction(compiled, this.deps, call).start();
  }
}
