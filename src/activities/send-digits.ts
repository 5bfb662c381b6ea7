/**
 * Send Digits (`send-digits`): sends DTMF tones on the call — to steer a far-end IVR after a
 * Bridged Transfer, or to key a PIN or an extension. `transferoutdigits` is a literal or a
 * variable: up to 32 of `0-9 A-D * #` and `,`, where each comma pauses one second. One success
 * port; a variable that renders to something else is an error (OnGlobalError), since the
 * activity has no error port.
 *
 * ccflow has no far end to hear the tones: the digits (with the pauses taken on the call's
 * clock) are recorded as an `activity-result` event. A secure variable's value is masked there
 * like everywhere else in the contact's events.
 *
 * Source: the wxcc-toolkit FlowIR reference (`transferoutdigits` with `:radioName` twins, the
 * designer's pattern `^(?=.*[A-D0-9*#])[A-D0-9*#,]{1,32}$`) and its Send Digits page.
 */
import { isTemplate, str, successPortOf } from "./common.js";
import { ActivityError, type CompiledActivitySpec } from "./types.js";

const DIGITS = /^(?=.*[A-D0-9*#])[A-D0-9*#,]{1,32}$/;
const PAUSE_MS = 1000;

const sendDigits: CompiledActivitySpec = {
  type: "send-digits",
  ports: () => ["default", "out"],
  optionalPorts: ["default", "out"],
  errorPorts: [],
  templates(def) {
    const v = str(def, "transferoutdigits");
    return v && isTemplate(v) ? [{ field: "transferoutdigits", source: v }] : [];
  },
  validate(def, report) {
    const v = str(def, "transferoutdigits");
    if (!v) report({ severity: "error", code: "missing-property", message: `Send Digits "${def.name}" has no digits to send`, path: "transferoutdigits" });
    else if (!isTemplate(v) && !DIGITS.test(v)) {
      report({ severity: "error", code: "bad-value", message: `Send Digits "${def.name}": ${JSON.stringify(v)} is not up to 32 of 0-9, A-D, *, # and commas`, path: "transferoutdigits" });
    }
  },
  compile(def, { flow }) {
    const source = str(def, "transferoutdigits");
    const port = successPortOf(def, flow);
    return {
      async run(ctx) {
        const digits = (isTemplate(source) ? ctx.render(source, "transferoutdigits") : (source ?? "")).trim().toUpperCase();
        if (!DIGITS.test(digits)) throw new ActivityError(`${def.name}: "${digits}" is not up to 32 of 0-9, A-D, *, # and commas`);
        const pauses = digits.split(",").length - 1;
        if (pauses > 0) await ctx.clock.sleep(pauses * PAUSE_MS, ctx.signal);
        ctx.emit({ type: "activity-result", kind: "send-digits", text: `sent DTMF ${digits}`, data: { digits, pauseSeconds: pauses } });
        return port;
      },
    };
  },
};

export default sendDigits;
