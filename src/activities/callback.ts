/**
 * Callback: registers a courtesy callback to `callbackDn` in `callbackQueue` (static id or a
 * template) and leaves by `default`; flows disconnect right after.
 */
import { isTemplate, literalText, str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { ActivityContext, CompiledActivitySpec, TemplateField } from "./types.js";

const callback: CompiledActivitySpec = {
  type: "callback",
  ports: () => ["default", "failure"],
  errorPorts: ["failure"],
  loopLimit: 10,
  templates(def) {
    const out: TemplateField[] = [];
    for (const key of ["callbackDn", "callbackQueue", "callbackAni"]) {
      const v = str(def, key);
      if (v && isTemplate(v)) out.push({ field: key, source: v });
    }
    return out;
  },
  validate(def, report) {
    if (!str(def, "callbackDn")) report({ severity: "error", code: "missing-property", message: `Callback "${def.name}" has no number to call back`, path: "callbackDn" });
  },
  compile(def, flow) {
    // Each is read once when it holds no template, else rendered per call.
    const field = (key: string) => {
      const source = str(def, key);
      return { key, source, fixed: literalText(source)?.trim() };
    };
    const dn = field("callbackDn");
    const queue = field("callbackQueue");
    const ani = field("callbackAni");
    if (dn.fixed === "") flow.report(new PropertyError(def.name, "callbackDn", "the callback number is empty", "failure"));
    const text = (ctx: ActivityContext, f: ReturnType<typeof field>) => f.fixed ?? ctx.render(f.source, f.key).trim();
    return {
      async run(ctx) {
        const number = text(ctx, dn);
        const queueId = text(ctx, queue) || undefined;
        const callerId = text(ctx, ani) || undefined;
        if (!number) {
          ctx.output("FailureCode", "1");
          ctx.output("FailureDescription", "the callback number is empty");
          throw new ActivityError(`${def.name}: the callback number is empty`, "failure");
        }
        const result = ctx.center.registerCallback({ contact: ctx.contact, number, queueId, callerId });
        if (!result.ok) {
          ctx.output("FailureCode", result.code);
          ctx.output("FailureDescription", result.description);
          throw new ActivityError(`${def.name}: ${result.description}`, "failure");
        }
        ctx.emit({ type: "callback", number, queue: queueId });
        return "default";
      },
    };
  },
};

export default callback;
