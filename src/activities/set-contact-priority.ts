/**
 * Set Contact Priority (`set-contact-priority`): changes the priority of a contact already
 * waiting in a queue — P1 is served first — and leaves by its success port. The priority is
 * static (`priorityRadioGroup: staticPriority`, `priority` 1–9) or a variable
 * (`variablePriority`, `priorityVariable`); as with Queue Contact, a variable value outside 1–9
 * becomes 10, the lowest. A contact that is not waiting in a queue (not yet queued, or already
 * with an agent) leaves by `failure` with `FailureCode` / `FailureDescription`.
 *
 * Source: the wxcc-toolkit FlowIR reference (properties, ports `failure` and a success port,
 * outputs `status`, `FailureCode`, `FailureDescription`); no export in ../shared/flows uses it.
 * The contact moves to the back of its new priority level: a choice (see docs/fidelity.md).
 */
import { isTemplate, str, successPortOf } from "./common.js";
import { clampPriority } from "./priority.js";
import { ActivityError, type CompiledActivitySpec } from "./types.js";

const setContactPriority: CompiledActivitySpec = {
  type: "set-contact-priority",
  ports: () => ["default", "out", "failure"],
  optionalPorts: ["default", "out"],
  errorPorts: ["failure"],
  templates(def) {
    const v = str(def, "priorityVariable");
    return v && isTemplate(v) ? [{ field: "priorityVariable", source: v }] : [];
  },
  validate(def, report) {
    const p = def.properties;
    if (p.priorityRadioGroup === "variablePriority") {
      if (!str(def, "priorityVariable")) report({ severity: "error", code: "missing-property", message: `Set Contact Priority "${def.name}" uses a variable priority but names no variable`, path: "priorityVariable" });
    } else if (p.priority === undefined || p.priority === null || p.priority === "") {
      report({ severity: "error", code: "missing-property", message: `Set Contact Priority "${def.name}" sets no priority`, path: "priority" });
    } else if (clampPriority(p.priority) > 9) {
      report({ severity: "warning", code: "out-of-range", message: `Set Contact Priority "${def.name}": priority ${JSON.stringify(p.priority)} is not P1–P9; it runs as 10, the lowest`, path: "priority" });
    }
  },
  compile(def, { flow }) {
    const p = def.properties;
    const variable = p.priorityRadioGroup === "variablePriority" ? str(def, "priorityVariable") : undefined;
    const fixed = clampPriority(p.priority);
    const port = successPortOf(def, flow);
    return {
      async run(ctx) {
        const priority = variable !== undefined ? clampPriority(ctx.render(variable, "priorityVariable")) : fixed;
        const fail = (code: string, description: string): never => {
          ctx.output("status", "failure");
          ctx.output("FailureCode", code);
          ctx.output("FailureDescription", description);
          throw new ActivityError(`${def.name}: ${description}`, "failure");
        };
        const center = ctx.center;
        if (!center.setContactPriority) return fail("NOT_SUPPORTED", "this contact center cannot change a waiting contact's priority");
        const result = await center.setContactPriority(ctx.interactionId, priority);
        if (!result.ok) return fail(result.code, result.description);
        ctx.output("status", "success");
        ctx.emit({ type: "activity-result", kind: "contact-priority", text: `priority set to P${priority} in ${result.queue.name}; now number ${result.position}`, data: { priority, queue: result.queue.id, position: result.position } });
        return port;
      },
    };
  },
};

export default setContactPriority;
