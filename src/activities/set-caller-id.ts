/**
 * Set Caller ID (`SetCallerID`): the number shown to the party being dialled — in Webex it ends
 * a PreDial event flow and customises the ANI an agent, a transferred-to number or a called-back
 * customer sees. `callerId` is a literal or a variable; a value that is not E.164 (`+` and up to
 * 15 digits) leaves the default caller id in place, as Webex does, without an error. The
 * activity has no outputs and a single success port.
 *
 * ccflow dials no one, so the chosen number is recorded as an `activity-result` event in the
 * contact's events for a test to check.
 *
 * Source: the wxcc-toolkit FlowIR reference (`SetCallerID`, `callerId` with `:radioName`
 * twins, all optional) and its Set Caller ID page (PreDial placement, E.164 fallback).
 */
import { isTemplate, str, successPortOf } from "./common.js";
import type { CompiledActivitySpec } from "./types.js";

const E164 = /^\+[1-9][0-9]{1,14}$/;

const setCallerId: CompiledActivitySpec = {
  type: "SetCallerID",
  ports: () => ["default", "out"],
  optionalPorts: ["default", "out"],
  errorPorts: [],
  templates(def) {
    const v = str(def, "callerId");
    return v && isTemplate(v) ? [{ field: "callerId", source: v }] : [];
  },
  validate(def, report) {
    const v = str(def, "callerId");
    if (v && !isTemplate(v) && !E164.test(v.trim())) {
      report({ severity: "warning", code: "bad-value", message: `Set Caller ID "${def.name}": ${JSON.stringify(v)} is not an E.164 number; the default caller id is shown instead`, path: "callerId" });
    }
  },
  compile(def, { flow }) {
    const source = str(def, "callerId");
    const port = successPortOf(def, flow);
    return {
      run(ctx) {
        const value = (isTemplate(source) ? ctx.render(source, "callerId") : (source ?? "")).trim();
        if (E164.test(value)) {
          ctx.emit({ type: "activity-result", kind: "caller-id", text: `caller id presented: ${value}`, data: { callerId: value, applied: true } });
        } else {
          const why = value ? `${JSON.stringify(value)} is not E.164` : "no caller id given";
          ctx.emit({ type: "activity-result", kind: "caller-id", text: `default caller id kept (${why})`, data: { callerId: value, applied: false } });
        }
        return port;
      },
    };
  },
};

export default setCallerId;
