/**
 * Callback: registers a courtesy callback to `callbackDn` in `callbackQueue` (static id or a
 * template) and leaves by `default`; flows disconnect right after.
 */
import { isTemplate, str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec, TemplateField } from "./types.js";

const callback: ActivitySpec = {
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
  async run(ctx) {
    const def = ctx.activity;
    const number = ctx.render(str(def, "callbackDn"), "callbackDn").trim();
    const queueId = ctx.render(str(def, "callbackQueue"), "callbackQueue").trim() || undefined;
    const callerId = ctx.render(str(def, "callbackAni"), "callbackAni").trim() || undefined;
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

export default callback;
