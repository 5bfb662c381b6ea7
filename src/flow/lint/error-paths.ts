/**
 * Error-path rules: routine failures (a queue that refuses the contact, a callback that cannot be
 * registered, a transfer that fails) left unwired, so the call falls to OnGlobalError; and a flow
 * whose OnGlobalError handler is missing or does nothing for the caller.
 */
import type { ActivityDef, FlowDefinition } from "../types.js";
import type { FlowFacts } from "./facts.js";
import type { LintDiagnostic, LintRule } from "./types.js";

/** Failure ports that real calls take routinely, with what sends a call there. */
const ROUTINE_FAILURES: Record<string, Record<string, string>> = {
  "queue-contact": { failure: "the queue cannot take the contact (no such queue, queue full, routing failure)" },
  callback: { failure: "the callback cannot be registered" },
  "blind-transfer": { failure: "the transfer fails" },
  "bridged-transfer": { failure: "the transfer fails or is not answered" },
  "queue-lookup": { failure: "the queue information cannot be read" },
  "ivr-virtualassistantvoice": { error: "the virtual agent fails" },
  "ivr-virtualassistant": { error: "the virtual agent fails" },
};

/** Activities after which a caller hears, reaches or is told something. */
const CALLER_FACING = new Set([
  "play-message",
  "play-music",
  "queue-contact",
  "queue-to-agent",
  "blind-transfer",
  "bridged-transfer",
  "callback",
  "ivr-menu",
  "ivr-collectdigits",
  "subflow-handoff",
  "subflow",
  "hand-off",
  "ivr-virtualassistantvoice",
  "ivr-virtualassistant",
]);

function isMainFlow(flow: FlowDefinition): boolean {
  return flow.flowType !== "SUBFLOW";
}

/** What OnGlobalError does for the caller: absent, nothing, or something. */
export function globalErrorHandling(flow: FlowDefinition, facts: FlowFacts): { state: "absent" | "silent" | "handled"; handler?: ActivityDef } {
  const h = flow.handlers.get("GlobalErrorHandling");
  const handler = h ? flow.events.activities.get(h.activityId) : undefined;
  if (!handler) return { state: "absent" };
  const reach = facts.reachableFrom(handler.id);
  const acts = [...reach].map((id) => flow.events.activities.get(id)).filter((a): a is ActivityDef => !!a);
  if (acts.length <= 1) return { state: "absent", handler };
  return { state: acts.some((a) => CALLER_FACING.has(a.type)) ? "handled" : "silent", handler };
}

const noGlobalErrorHandler: LintRule = {
  code: "no-global-error-handler",
  summary: "no OnGlobalError handler at all, or one that does nothing for the caller",
  check(ctx) {
    if (!isMainFlow(ctx.flow)) return [];
    const g = globalErrorHandling(ctx.flow, ctx.facts);
    if (g.state === "handled") return [];
    const message =
      g.state === "absent"
        ? "Nothing handles OnGlobalError: when an activity fails with no error path wired (an HTTP timeout, a prompt that cannot be rendered), the call ends with no word to the caller"
        : "The OnGlobalError handler only ends the event flow: a caller whose call hits an activity error hears nothing more and reaches no one";
    return [
      {
        severity: "warning",
        code: this.code,
        message,
        path: g.handler ? g.handler.path : "$.eventFlows",
        activity: g.handler ? { id: g.handler.id, name: g.handler.name } : undefined,
        fix: "Wire OnGlobalError to a Play Message that apologises and then a Queue Contact (or a transfer), so a failure still reaches a person.",
      },
    ];
  },
};

const unhandledFailure: LintRule = {
  code: "unhandled-failure",
  summary: "a routine failure port (queue, callback, transfer, virtual agent) left unwired",
  check(ctx) {
    // What happens to a subflow's unhandled failure depends on the flow that calls it.
    if (!isMainFlow(ctx.flow)) return [];
    const out: LintDiagnostic[] = [];
    const g = globalErrorHandling(ctx.flow, ctx.facts);
    const then =
      g.state === "absent"
          ? "the call goes to OnGlobalError, which this flow does not handle: the call ends"
          : g.state === "silent"
            ? "the call goes to OnGlobalError, whose handler only ends the event flow: the caller hears nothing more"
            : "the call goes to OnGlobalError, away from this part of the flow";
    for (const a of ctx.flow.main.activities.values()) {
      const ports = ROUTINE_FAILURES[a.type];
      if (!ports) continue;
      const wired = ctx.flow.main.next.get(a.id);
      for (const [port, when] of Object.entries(ports)) {
        if (wired?.has(port)) continue;
        out.push({
          severity: "warning",
          code: this.code,
          message: `Port "${port}" of ${a.name} is not wired: when ${when}, ${then}`,
          path: a.path,
          activity: { id: a.id, name: a.name },
          fix: `Wire "${port}" to what the caller should get instead, such as a message and another queue, a callback offer, or a voicemail.`,
        });
      }
    }
    return out;
  },
};

export const errorPathRules: LintRule[] = [noGlobalErrorHandler, unhandledFailure];
