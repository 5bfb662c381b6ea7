/**
 * Queue To Agent: routes the contact to one named agent, found by email or id from
 * `destinationVariable`. Webex leaves by `default` either way; a flow checks
 * `<name>.FailureCode` to learn that the agent could not be reserved.
 */
import { str } from "./common.js";
import { compilePriority } from "./priority.js";
import type { CompiledActivitySpec, TemplateField } from "./types.js";

const queueToAgent: CompiledActivitySpec = {
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
  compile(def) {
    const source = str(def, "destinationVariable");
    const lookup = def.properties.destinationLookupType === "agentId" ? "agentId" : "agentEmail";
    const priorityOf = compilePriority(def, "priorityToggle");
    const reportingQueueId = str(def, "reportingQueue");
    return {
      async run(ctx) {
        const destination = ctx.render(source, "destinationVariable").trim();
        const priority = typeof priorityOf === "number" ? priorityOf : priorityOf(ctx);
        const result = ctx.center.queueToAgent({ contact: ctx.contact, destination, lookup, priority, reportingQueueId });
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
        ctx.emit({ type: "queued", queue: reportingQueueId ?? `agent:${result.agent.id}`, priority });
        return "default";
      },
    };
  },
};

export default queueToAgent;
