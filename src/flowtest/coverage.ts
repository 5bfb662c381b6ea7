/**
 * Coverage of a flow by its scenarios: which activities ran and which ports they left by, out of
 * those a call can reach. What counts ("reachable"):
 *
 * - Entry points: the start activity, and the event handlers of events ccflow raises —
 *   PhoneContactEnded always; OnGlobalError when some reachable activity can fail without a wired
 *   error port (an HTTP request can always time out); AgentOffered, AgentAnswered and
 *   AgentDisconnected when a reachable activity queues the contact; those and CallbackFailed when
 *   one registers or schedules a callback; PreDial when one queues, calls back or transfers to a
 *   number; OutboundCampaignCallResult and ContactAniUpdated (raised for some calls only: a
 *   campaign call, a caller whose number changes) when their handler is wired to something.
 *   Handlers of events ccflow never raises are listed as not reachable.
 * - From a reachable activity, each of its ports (as the activity registry lists them) counts,
 *   and the activity its link leads to is reachable — except error ports (`error`, `failure`):
 *   an unwired one is not a path (the failure goes to OnGlobalError, which is counted in its own
 *   right), and a wired one counts only when the activity can fail (see can-fail.ts).
 * - An activity with no ports (End Flow, Disconnect) counts once, as "reached".
 *
 * Constant conditions are not folded: both ports of `{{ true }}` count. A port some scenario took
 * although the analysis judged it unreachable is counted and covered — the run is the proof.
 */
import type { ActivityRegistry } from "../activities/registry.js";
import type { CallEvent } from "../engine/events.js";
import type { ActivityDef, FlowDefinition, ProcessDef } from "../flow/types.js";
import { activityCanFail } from "./can-fail.js";

/** Events the engine raises (src/engine/interaction.ts dispatches exactly these). */
const ALWAYS = "ContactEnded";
const ON_ERROR = "GlobalErrorHandling";
const ON_QUEUE = ["ContactPredial", "AgentOfferContact", "AgentContactAssigned", "FCAsk(ContactLastAgentRemoved)"];
const QUEUEING = new Set(["queue-contact", "queue-to-agent"]);
const ON_CALLBACK = [...ON_QUEUE, "ContactCallbackFailed"];
const CALLBACKS = new Set(["callback", "scheduled-callback"]);
const ON_DIAL = ["ContactPredial"];
const DIALLING = new Set(["blind-transfer", "bridged-transfer"]);
const WHEN_HANDLED = ["ContactOutboundCampaignResult", "ContactAniUpdated"];

export interface PortCoverage {
  port: string;
  /** Counted toward coverage. */
  counted: boolean;
  /** Why a port is not counted. */
  reason?: string;
  hits: number;
  /** Name of the activity the port links to; absent when unwired. */
  target?: string;
}

export interface ActivityCoverage {
  id: string;
  name: string;
  type: string;
  process: "main" | "event";
  /** `main`, or the UI name of the event flow (`AgentAnswered`). */
  flow: string;
  reachable: boolean;
  reason?: string;
  visits: number;
  ports: PortCoverage[];
}

export interface CoverageTotals {
  /** Ports counted, plus port-less activities counted once. */
  targets: number;
  covered: number;
  excludedPorts: number;
  activities: number;
  activitiesRun: number;
}

export interface FlowCoverage {
  flow: string;
  file?: string;
  scenarios: number;
  activities: ActivityCoverage[];
  totals: CoverageTotals;
  /** covered / targets × 100 (100 when there is nothing to cover). */
  percent: number;
}

interface Structure {
  activities: ActivityCoverage[];
  byId: Map<string, ActivityCoverage>;
}

function onCycle(process: ProcessDef, id: string): boolean {
  const seen = new Set<string>();
  const stack = [...(process.next.get(id)?.values() ?? [])];
  while (stack.length) {
    const cur = stack.pop()!;
    if (cur === id) return true;
    if (seen.has(cur)) continue;
    seen.add(cur);
    stack.push(...(process.next.get(cur)?.values() ?? []));
  }
  return false;
}

/** The reachable structure of a flow, before any run. */
export function analyseFlow(flow: FlowDefinition, registry: ActivityRegistry): Structure {
  const activities: ActivityCoverage[] = [];
  const byId = new Map<string, ActivityCoverage>();
  const flowOf = new Map<string, string>();
  const handlerNames = new Map([...flow.handlers.values()].map((h) => [h.activityId, h.eventName]));

  const reached = new Set<string>();
  const order = new Map<string, number>();
  const canFailCache = new Map<string, boolean>();
  const canFail = (def: ActivityDef, process: ProcessDef) => {
    let v = canFailCache.get(def.id);
    if (v === undefined) {
      v = activityCanFail(def, flow, registry, onCycle(process, def.id)).canFail;
      canFailCache.set(def.id, v);
    }
    return v;
  };
  const countedPorts = (def: ActivityDef, process: ProcessDef): Array<{ port: string; counted: boolean; reason?: string }> => {
    const spec = registry.lookup(def.type);
    if (!spec) return [...(process.next.get(def.id)?.keys() ?? [])].map((port) => ({ port, counted: true }));
    const errorPorts = new Set(spec.errorPorts ?? ["error"]);
    const wired = process.next.get(def.id);
    // Optional ports are synonyms (`default`/`out`): the wired one is the path, else the first.
    const optional = (spec.optionalPorts ?? []).filter((p) => !errorPorts.has(p));
    const optionalUsed = optional.find((p) => wired?.has(p)) ?? optional[0];
    return spec.ports(def).map((port) => {
      if (optional.includes(port) && port !== optionalUsed) return { port, counted: false, reason: `a synonym of ${optionalUsed}` };
      if (!errorPorts.has(port)) return { port, counted: true };
      if (!process.next.get(def.id)?.has(port)) return { port, counted: false, reason: "not wired: a failure here goes to OnGlobalError" };
      if (!canFail(def, process)) return { port, counted: false, reason: "this activity cannot fail as written" };
      return { port, counted: true };
    });
  };

  let errorsEscape = false;
  let queues = false;
  let callsBack = false;
  let dials = false;
  const walk = (process: ProcessDef, startId: string, flowName: string) => {
    // Breadth first, ports in order: the coverage report then reads like the flow.
    const queue = [startId];
    while (queue.length) {
      const id = queue.shift()!;
      if (reached.has(id)) continue;
      const def = process.activities.get(id);
      if (!def) continue;
      reached.add(id);
      order.set(id, order.size);
      flowOf.set(id, flowName);
      if (QUEUEING.has(def.type)) queues = true;
      if (CALLBACKS.has(def.type)) callsBack = true;
      if (DIALLING.has(def.type)) dials = true;
      const spec = registry.lookup(def.type);
      const errorPorts = new Set(spec?.errorPorts ?? ["error"]);
      const wiredError = [...errorPorts].some((p) => process.next.get(id)?.has(p));
      // Only the main flow raises OnGlobalError; a failing event flow just ends.
      if (flowName === "main" && (!spec || (canFail(def, process) && !wiredError))) errorsEscape = true;
      for (const p of countedPorts(def, process)) {
        const target = p.counted ? process.next.get(id)?.get(p.port) : undefined;
        if (target) queue.push(target);
      }
    }
  };

  const handlerEntry = (spec: string) => flow.handlers.get(spec);
  if (flow.startId) walk(flow.main, flow.startId, "main");
  // Event handlers become reachable as what reaches them does: iterate to a fixpoint.
  const done = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    const handled = WHEN_HANDLED.filter((spec) => {
      const h = handlerEntry(spec);
      return h !== undefined && (flow.events.next.get(h.activityId)?.size ?? 0) > 0;
    });
    const entries = [ALWAYS, ...(errorsEscape ? [ON_ERROR] : []), ...(queues ? ON_QUEUE : []), ...(callsBack ? ON_CALLBACK : []), ...(dials ? ON_DIAL : []), ...handled];
    for (const spec of entries) {
      const h = handlerEntry(spec);
      if (!h || done.has(spec)) continue;
      done.add(spec);
      walk(flow.events, h.activityId, h.eventName);
      changed = true;
    }
  }

  const add = (process: ProcessDef, kind: "main" | "event") => {
    for (const def of process.activities.values()) {
      const isReached = reached.has(def.id);
      const ports = isReached ? countedPorts(def, process) : (registry.lookup(def.type)?.ports(def) ?? []).map((port) => ({ port, counted: false }));
      const entry: ActivityCoverage = {
        id: def.id,
        name: def.name,
        type: def.type,
        process: kind,
        flow: flowOf.get(def.id) ?? (kind === "main" ? "main" : (handlerNames.get(def.id) ?? "event flows")),
        reachable: isReached,
        reason: isReached ? undefined : unreachableReason(def, flow, kind),
        visits: 0,
        ports: ports.map((p) => ({ ...p, hits: 0, target: nameOf(process, process.next.get(def.id)?.get(p.port)) })),
      };
      activities.push(entry);
      byId.set(def.id, entry);
    }
  };
  add(flow.main, "main");
  add(flow.events, "event");
  const rank = (a: ActivityCoverage) => order.get(a.id) ?? Number.MAX_SAFE_INTEGER;
  activities.sort((a, b) => rank(a) - rank(b));
  return { activities, byId };
}

function nameOf(process: ProcessDef, id: string | undefined): string | undefined {
  return id ? (process.activities.get(id)?.name ?? id) : undefined;
}

/** Why ccflow never raises an event a flow may handle (docs/fidelity.md, events). */
const NEVER_RAISED: Record<string, string> = {
  ContactReservationStarted: "ccflow's routing offers a contact to an agent with no separate reservation step",
};

/** Why the handler of an event raised for some calls only is not counted when nothing is wired to it. */
const UNWIRED_REASON: Record<string, string> = {
  ContactOutboundCampaignResult: "OutboundCampaignCallResult runs for outbound campaign calls (a scenario's campaign:), and nothing is wired to this handler",
  ContactAniUpdated: "ContactAniUpdated runs when a caller's number changes (a scenario's caller.aniUpdates), and nothing is wired to this handler",
};

function unreachableReason(def: ActivityDef, flow: FlowDefinition, kind: "main" | "event"): string {
  if (kind === "event" && def.type === "event") {
    const h = [...flow.handlers.values()].find((x) => x.activityId === def.id);
    if (!h) return "no event is mapped to this handler";
    if (Object.hasOwn(UNWIRED_REASON, h.specName)) return UNWIRED_REASON[h.specName]!;
    if ([ALWAYS, ON_ERROR, ...ON_CALLBACK, ...ON_DIAL].includes(h.specName)) return `${h.eventName} cannot happen in this flow`;
    const why = Object.hasOwn(NEVER_RAISED, h.specName) ? `: ${NEVER_RAISED[h.specName]}` : "";
    return `ccflow never raises ${h.eventName}${why}`;
  }
  return "no path leads here";
}

/** Steps of runs, keyed by activity id: visits and ports taken. */
export class CoverageCollector {
  private readonly structure: Structure;
  private scenarios = 0;

  constructor(
    private readonly flow: FlowDefinition,
    registry: ActivityRegistry,
  ) {
    this.structure = analyseFlow(flow, registry);
  }

  addRun(events: readonly CallEvent[]): void {
    this.scenarios++;
    for (const e of events) {
      if (e.type !== "step" || !e.activityId || e.flow?.startsWith("subflow:")) continue;
      const a = this.structure.byId.get(e.activityId);
      if (!a) continue;
      a.visits++;
      if (!a.reachable) {
        a.reachable = true;
        a.reason = undefined;
      }
      if (e.port === undefined) continue;
      let p = a.ports.find((x) => x.port === e.port);
      if (!p) {
        p = { port: e.port, counted: true, hits: 0 };
        a.ports.push(p);
      }
      p.hits++;
      if (!p.counted) {
        p.counted = true;
        p.reason = undefined;
      }
    }
  }

  result(file?: string): FlowCoverage {
    const activities = this.structure.activities.map((a) => ({ ...a, ports: a.ports.map((p) => ({ ...p })) }));
    let targets = 0;
    let covered = 0;
    let excludedPorts = 0;
    let reachable = 0;
    let run = 0;
    for (const a of activities) {
      if (!a.reachable) continue;
      reachable++;
      if (a.visits > 0) run++;
      const counted = a.ports.filter((p) => p.counted);
      excludedPorts += a.ports.length - counted.length;
      if (a.ports.length === 0) {
        targets++;
        if (a.visits > 0) covered++;
      } else {
        targets += counted.length;
        covered += counted.filter((p) => p.hits > 0).length;
      }
    }
    return {
      flow: this.flow.name,
      file,
      scenarios: this.scenarios,
      activities,
      totals: { targets, covered, excludedPorts, activities: reachable, activitiesRun: run },
      percent: targets === 0 ? 100 : Math.floor((covered / targets) * 1000) / 10,
    };
  }
}
