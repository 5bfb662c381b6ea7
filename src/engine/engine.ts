/**
 * The engine: runs contacts through flows. It owns nothing stateful across calls except the
 * shared template cache; each call is an Interaction with its own variables and event stream.
 */
import { createRegistry } from "../activities/index.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { ActivityEnvironment } from "../activities/types.js";
import type { CenterPort } from "../center/types.js";
import type { HttpGateway } from "../connectors/types.js";
import type { FlowDefinition } from "../flow/types.js";
import { validateFlow, type BindingCheck } from "../flow/validate.js";
import { SystemClock, type Clock } from "../time/clock.js";
import { DEFAULT_LIMITS, Interaction, type CallOptions, type EngineLimits, type InteractionDeps } from "./interaction.js";
import { templateFor } from "./template-cache.js";

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
  private readonly prepared = new WeakSet<FlowDefinition>();
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
    };
  }

  /** Validates a flow against this engine's activities and the given bindings. */
  validate(flow: FlowDefinition, bindings?: BindingCheck) {
    return validateFlow(flow, this.registry, bindings);
  }

  /**
   * Parses every template of a flow once, up front, so the first call pays nothing extra and a
   * broken template is found before a caller meets it. Broken ones are left for run time (the
   * activity then fails the way Webex fails it: its error port or OnGlobalError).
   */
  prepare(flow: FlowDefinition): FlowDefinition {
    if (this.prepared.has(flow)) return flow;
    for (const process of [flow.main, flow.events]) {
      for (const def of process.activities.values()) {
        for (const t of this.registry.lookup(def.type)?.templates?.(def) ?? []) {
          try {
            templateFor(t.source, def, t.field);
          } catch {
            // Reported by validation; at run time it takes the activity's error path.
          }
        }
      }
    }
    this.prepared.add(flow);
    return flow;
  }

  startCall(flow: FlowDefinition, call: CallOptions): Interaction {
    this.prepare(flow);
    return new Interaction(flow, this.deps, call).start();
  }
}
