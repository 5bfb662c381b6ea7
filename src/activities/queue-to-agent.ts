/**
 * Queue To Agent: routes the contact to one named agent, found by email or id from
 * `destinationVariable`. Webex leaves by `default` either way; a flow checks
 * `<name>.FailureCode` to learn that the agent could not be reserved.
 */
import { str } from "./common.js";
import { priorityOf } from "./priority.js";
import type { ActivitySpec, TemplateField } from "./types.js";

const queueToAgent: ActivitySpec = {
  type: "queue-to-agent",
  ports: () => ["default", "error"],
  templates(def) {
    const out: TemplateField[] = [];
    for (const key of ["destinationVariable", "priorityVariable"]) {
      const v = str(def, key);
      if (v) out.push({ field: key, source: v });
    }
    return out;
  },
  validate(def, report) {
    if (!str(def, "destinationVariable")) report({ severity: "error", code: "missing-property", message: `Queue To Agent "${def.name}" names no agent variable`, path: "destinationVariable" });
  },
  async run(ctx) {
    const def = ctx.activity;
    const destination = ctx.render(str(def, "destinationVariable"), "destinationVariable").trim();
    const lookup = def.properties.destinationLookupType === "agentId" ? "agentId" : "agentEmail";
    const priority = priorityOf(ctx, "priorityToggle");
    const result = ctx.center.queueToAgent({ contact: ctx.contact, destination, lookup, priority, reportingQueueId: str(def, "reportingQueue") });
    if (!result.ok) {
      ctx.output("FailureCode", result.code);
      ctx.output("FailureDescription", result.description);
      ctx.output("AgentId", "");
      return "default";
    }
    ctx.output("AgentId", result.agent.id);
    ctx.output("AgentState", result.state);
    ctx.output("FailureCode", "");
    ctx.output("FailureDescription", "");
    ctx.emit({ type: "queued", queue: str(def, "reportingQueue") ?? `agent:${result.agent.id}`, priority });
    return "default";
  },
};

export default queueToAgent;
