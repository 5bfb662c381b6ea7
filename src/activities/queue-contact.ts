/**
 * Queue Contact: puts the contact in a queue (static id, or a variable queue with a fallback) at
 * its priority and leaves by `default` at once — the caller hears whatever follows (usually a
 * Play Music loop) until an agent answers. A rejected request leaves by `failure` with
 * `<name>.FailureCode`.
 */
import { isTemplate, str } from "./common.js";
import { compilePriority } from "./priority.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec, TemplateField } from "./types.js";

const queueContact: CompiledActivitySpec = {
  type: "queue-contact",
  ports: () => ["default", "failure"],
  errorPorts: ["failure", "error"],
  loopLimit: 100,
  templates(def) {
    const out: TemplateField[] = [];
    for (const key of ["destinationVariable", "priorityVariable", "queueId"]) {
      const v = str(def, key);
      if (v && isTemplate(v)) out.push({ field: key, source: v });
    }
    return out;
  },
  validate(def, report) {
    const variable = def.properties.queueRadioGroup === "variableQueue";
    if (!variable && !str(def, "destination") && !str(def, "queueId")) {
      report({ severity: "error", code: "missing-property", message: `Queue Contact "${def.name}" names no queue`, path: "destination" });
    }
    if (variable && !str(def, "destinationVariable")) {
      report({ severity: "error", code: "missing-property", message: `Queue Contact "${def.name}" uses a variable queue but names no variable`, path: "destinationVariable" });
    }
  },
  compile(def, flow) {
    const byVariable = def.properties.queueRadioGroup === "variableQueue" || (!str(def, "destination") && isTemplate(str(def, "queueId")));
    const source = byVariable ? (str(def, "destinationVariable") ?? str(def, "queueId")) : undefined;
    const field = source === str(def, "queueId") ? "queueId" : "destinationVariable";
    const fallback = str(def, "fallbackQueue");
    const fixed = byVariable ? undefined : (str(def, "destination") ?? str(def, "queueId"));
    if (!byVariable && !fixed) flow.report(new PropertyError(def.name, "destination", "no queue to put the contact in", "failure"));
    const priorityOf = compilePriority(def, "toggle");
    const skills = def.properties.skills ?? undefined;
    return {
      run(ctx) {
        const queueId = byVariable ? ctx.render(source, field).trim() || fallback : fixed;
        if (!queueId) {
          ctx.output("FailureCode", "QUEUE_NOT_SET");
          ctx.output("FailureDescription", "no queue to put the contact in");
          throw new ActivityError(`${def.name}: no queue to put the contact in`, "failure");
        }
        const priority = typeof priorityOf === "number" ? priorityOf : priorityOf(ctx);
        const result = ctx.center.queueContact({ contact: ctx.contact, queueId, priority, skills });
        if (!result.ok) {
          ctx.output("FailureCode", result.code);
          ctx.output("FailureDescription", result.description);
          throw new ActivityError(`${def.name}: ${result.description}`, "failure");
        }
        ctx.output("QueueId", result.queue.id);
        ctx.output("QueueName", result.queue.name);
        ctx.emit({ type: "queued", queue: result.queue.id, queueName: result.queue.name, priority });
        return "default";
      },
      sync: true,
    };
  },
};

export default queueContact;
