/**
 * A flow made ready to run, once: every activity's step (ActivitySpec.compile) and the flow's
 * parsed templates. Everything a call
 * reuses from the flow lives here and nowhere process-wide, so a flow that is replaced (`serve
 * --watch`) or dropped takes its plans, templates and JSONPaths with it, and two flows (or two
 * tests) never share a table. Calls in progress keep the CompiledFlow they started with.
 */
import type { ActivityRegistry } from "../activities/registry.js";
import type { ActivitySpec, ActivityStep, FlowCompiler } from "../activities/types.js";
import { ExprError, isExprError, parseTemplate } from "../expr/index.js";
import type { Template } from "../expr/types.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import { EVENT_NAMES, START_NAMESPACES, eventNamespaces } from "../flow/event-names.js";
import type { ActivityDef, FlowDefinition } from "../flow/types.js";
import { VariableLayout } from "./variables.js";

/** What the engine runs for one activity of the flow. */
export interface CompiledActivity {
  readonly def: ActivityDef;
  /** Undefined for a type no handler runs: the step fails with "not supported" per call. */
  readonly spec: ActivitySpec | undefined;
  readonly step: ActivityStep;
}

/**
 * Templates met at run time that no activity declared are parsed once too, up to this many per
 * flow; past it they are parsed per use (a flow is finite, an activity that renders text it was
 * handed need not be).
 */
const MAX_LATE_TEMPLATES = 10_000;

export class CompiledFlow implements FlowCompiler {
  private readonly activities = new Map<ActivityDef, CompiledActivity>();
  /** Source text → its template, or the parse error to report per activity and field. */
  private readonly templates = new Map<string, Template | ExprError>();
  private late = 0;
  private readonly found: PropertyError[] = [];
  /** Problems are the flow's own activities'; a definition compiled on the spot later adds none. */
  private collecting = true;
  /** Where a call's variables and namespaces go: the start event's, the events', the activities' outputs. */
  readonly layout: VariableLayout;

  constructor(
    readonly flow: FlowDefinition,
    private readonly registry: ActivityRegistry,
  ) {
    for (const process of [flow.main, flow.events]) {
      for (const def of process.activities.values()) this.activities.set(def, this.compileActivity(def, registry.lookup(def.type)));
    }
    this.collecting = false;
    const namespaces: string[] = [...START_NAMESPACES];
    for (const e of EVENT_NAMES) namespaces.push(...eventNamespaces(e));
    for (const process of [flow.main, flow.events]) for (const def of process.activities.values()) namespaces.push(def.name);
    this.layout = new VariableLayout(flow.variables, namespaces);
  }

  /**
   * The compiled activity for a definition of this flow (the engine looks it up per step). A
   * definition from elsewhere is compiled on the spot and not kept.
   */
  activity(def: ActivityDef): CompiledActivity {
    return this.activities.get(def) ?? this.compileActivity(def, this.registry.lookup(def.type));
  }

  /**
   * The properties compile found wrong, each naming its activity and property (the activity fails
   * on them per call, as validation said it would). Empty for a flow that validates.
   */
  get problems(): readonly PropertyError[] {
    return this.found;
  }

  report(problem: PropertyError): void {
    if (this.collecting) this.found.push(problem);
  }

  /** How many distinct template texts this flow holds parsed (tests, diagnostics). */
  get templateCount(): number {
    return this.templates.size;
  }

  template(source: string, def: ActivityDef, field: string): Template {
    let entry = this.templates.get(source);
    if (entry === undefined) {
      try {
        entry = parseTemplate(source);
      } catch (err) {
        if (!isExprError(err)) throw err;
        entry = err;
      }
      if (this.late < MAX_LATE_TEMPLATES) {
        this.late++;
        this.templates.set(source, entry);
      }
    }
    if (entry instanceof ExprError) throw new ActivityError(`${def.name}: ${field} does not parse: ${entry.message}`);
    return entry;
  }

  private compileActivity(def: ActivityDef, spec: ActivitySpec | undefined): CompiledActivity {
    if (!spec) return { def, spec, step: unsupported(def) };
    // Declared templates are parsed now, so the first call pays nothing extra; one that does not
    // parse is kept as its error and fails the activity per call, the way Webex fails it.
    for (const t of spec.templates?.(def) ?? []) {
      if (this.templates.has(t.source)) continue;
      try {
        this.templates.set(t.source, parseTemplate(t.source));
      } catch (err) {
        if (!isExprError(err)) throw err;
        this.templates.set(t.source, err);
      }
    }
    let step: ActivityStep;
    try {
      step = spec.compile(def, this);
    } catch (err) {
      // A property compile cannot use fails the activity per call, the way Webex fails it.
      if (err instanceof PropertyError) this.report(err);
      step = failing(err);
    }
    return { def, spec, step };
  }
}

function unsupported(def: ActivityDef): ActivityStep {
  return failing(new ActivityError(`activity type "${def.type}" is not supported`));
}

function failing(err: unknown): ActivityStep {
  return {
    run() {
      throw err;
    },
  };
}
