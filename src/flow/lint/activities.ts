/**
 * Activity rules beyond the validator's `unreachable`: event handlers that can never fire,
 * because the event is not one Webex raises, the handler is not registered, or the flow is a
 * subflow (subflows have no event flows of their own).
 */
import { findEvent } from "../event-names.js";
import type { LintDiagnostic, LintRule } from "./types.js";

const eventNeverFires: LintRule = {
  code: "event-never-fires",
  summary: "event flows or handlers that can never fire",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    const registered = new Map([...ctx.flow.handlers.values()].map((h) => [h.activityId, h]));
    for (const a of ctx.flow.events.activities.values()) {
      if (a.type !== "event") continue;
      const wired = (ctx.flow.events.next.get(a.id)?.size ?? 0) > 0;
      // An empty handler is normal: newer exports carry one for every event.
      if (!wired) continue;
      const h = registered.get(a.id);
      let why: string | undefined;
      if (ctx.flow.flowType === "SUBFLOW") why = "a subflow has no event flows of its own; the calling flow's handlers run instead";
      else if (!h) why = "no entry in eventFlows' onEvents names it, so no event starts it";
      else if (!findEvent(h.specName)) why = `"${h.specName}" is not an event Webex Contact Center raises`;
      if (!why) continue;
      out.push({
        severity: "warning",
        code: this.code,
        message: `Event handler ${a.name} never runs: ${why}`,
        path: a.path,
        activity: { id: a.id, name: a.name },
        fix: ctx.flow.flowType === "SUBFLOW" ? "Move this handling into the main flow's event flows." : "Recreate the handler from the designer's Event Flows tab so it is registered under a real event.",
      });
    }
    return out;
  },
};

export const activityRules: LintRule[] = [eventNeverFires];
