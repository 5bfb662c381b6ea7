/**
 * A small ActivityContext for unit-testing the HTTP Request and Parse handlers: a typed variable
 * store that records assignments, a template stand-in for `{{ dotted.name }}` interpolation that
 * drives the `escape(value, before)` hook as the real renderer does, and captured events.
 * The HTTP gateway is passed in (tests use the real one).
 */
import { ActivityError } from "../../../src/util/activity-error.js";
import type { ActivityContext, ActivityOutcome, ActivitySpec, VariableStore } from "../../../src/activities/types.js";
import type { HttpGateway } from "../../../src/connectors/types.js";
import type { Clock } from "../../../src/time/clock.js";
import type { CallEventInput } from "../../../src/engine/events.js";
import type { RenderOptions, Scope, Template } from "../../../src/expr/types.js";
import { parseTemplate } from "../../../src/expr/index.js";
import type { ActivityDef, FlowDefinition, VariableType } from "../../../src/flow/types.js";

export class FakeVariables implements VariableStore {
  readonly values = new Map<string, unknown>();
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly assignments: Array<{ name: string; value: unknown; activity?: string }> = [];

  constructor(
    private readonly types: Record<string, VariableType>,
    initial: Record<string, unknown> = {},
    private readonly secure: string[] = [],
  ) {
    for (const [k, v] of Object.entries(initial)) this.values.set(k, v);
  }

  get(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    const dot = name.indexOf(".");
    if (dot > 0) return this.outputs.get(name.slice(0, dot))?.[name.slice(dot + 1)];
    return this.outputs.get(name);
  }

  typeOf(name: string): VariableType | undefined {
    return this.types[name];
  }

  set(name: string, value: unknown, activity?: string): void {
    const type = this.types[name];
    if (!type) throw new ActivityError(`variable "${name}" is not declared in this flow`);
    let typed = value;
    if (type === "STRING" && typeof value !== "string") typed = value === null ? "" : String(value);
    if (type === "INTEGER" && !Number.isInteger(Number(value))) throw new ActivityError(`cannot assign to INTEGER variable "${name}"`);
    if (type === "INTEGER") typed = Number(value);
    this.values.set(name, typed);
    this.assignments.push({ name, value: typed, activity });
  }

  setOutput(namespace: string, key: string, value: unknown): void {
    const ns = this.outputs.get(namespace) ?? {};
    ns[key] = value;
    this.outputs.set(namespace, ns);
  }

  scope(): Scope {
    return { get: (n) => this.get(n) };
  }

  isSecure(name: string): boolean {
    return this.secure.includes(name);
  }
}

/** `{{ a.b }}` interpolation only — enough to drive the escape hook exactly as Template does. */
export function fakeTemplate(source: string): Template {
  // A filter (`{{ x | urlencode }}`) needs the real template engine.
  if (/\{\{[^}]*\|/.test(source)) return parseTemplate(source);
  const parts = [...source.matchAll(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g)];
  if (source.includes("{{") && parts.length === 0) throw new ActivityError(`bad template ${source}`);
  const resolve = (scope: Scope, path: string): unknown => {
    const [root, ...rest] = path.split(".");
    let v: unknown = scope.get(root!);
    if (v === undefined && rest.length > 0) v = scope.get(path);
    else for (const k of rest) v = v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
    return v;
  };
  return {
    source,
    isLiteral: parts.length === 0,
    render(scope: Scope, options?: RenderOptions) {
      let out = "";
      let last = 0;
      for (const m of parts) {
        out += source.slice(last, m.index);
        const v = resolve(scope, m[1]!);
        const text = v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
        out += options?.escape ? options.escape(text, out) : text;
        last = m.index! + m[0].length;
      }
      return out + source.slice(last);
    },
    evaluate(scope: Scope, options?: RenderOptions) {
      return this.render(scope, options);
    },
    references() {
      return parts.map((m) => ({ root: m[1]!.split(".")[0]!, path: m[1]!.split(".").slice(1, 2), position: m.index! }));
    },
  };
}

export function activityDef(name: string, type: string, properties: Record<string, unknown>): ActivityDef {
  return { id: `${name}-id`, name, group: "action", type, properties: { activityName: type, name, ...properties }, process: "main", path: `$.process.activities['${name}-id']` };
}

export interface FakeContext extends ActivityContext {
  events: CallEventInput[];
  fakeVars: FakeVariables;
}

export function fakeContext(options: { activity: ActivityDef; vars: FakeVariables; http: HttpGateway; clock: Clock; signal?: AbortSignal; env?: Record<string, unknown> }): FakeContext {
  const events: CallEventInput[] = [];
  const { activity, vars } = options;
  const unused = new Proxy({}, { get: () => { throw new Error("not used by HTTP activities"); } });
  return {
    activity,
    flow: unused as FlowDefinition,
    interactionId: "test-interaction",
    flowName: "main",
    clock: options.clock,
    signal: options.signal ?? new AbortController().signal,
    vars,
    fakeVars: vars,
    caller: unused as ActivityContext["caller"],
    http: options.http,
    center: unused as ActivityContext["center"],
    contact: unused as ActivityContext["contact"],
    env: (options.env ?? {}) as ActivityContext["env"],
    events,
    template: (source) => fakeTemplate(source),
    render(source, field) {
      if (source === null || source === undefined || source === "") return "";
      try {
        return fakeTemplate(source).render(vars.scope());
      } catch (err) {
        throw new ActivityError(`${activity.name}: ${field}: ${(err as Error).message}`);
      }
    },
    evaluate(source, field) {
      return this.render(source, field);
    },
    output(key, value) {
      vars.setOutput(activity.name, key, value);
    },
    emit(event) {
      events.push(event);
    },
  };
}

/**
 * Compiles an activity for its definition (templates through fakeTemplate) and runs the step once,
 * as the engine does for each call: a fresh compile per run, so nothing carries over between runs.
 * For the activities that always wait (HTTP Request, Parse, BRE): their step returns a promise.
 */
export function runActivity(spec: ActivitySpec, ctx: ActivityContext): Promise<ActivityOutcome> {
  const step = spec.compile(ctx.activity, { flow: ctx.flow, template: (source) => fakeTemplate(source), report: () => {} });
  return step.run(ctx) as Promise<ActivityOutcome>;
}
