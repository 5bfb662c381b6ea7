/**
 * Menu: plays its prompt (barge-in when interruptible), waits `entryTimeout` seconds for one
 * digit. A digit in `menuLinks` leaves by that port; another digit by `invalid`; none by
 * `timeout`. `<name>.OptionEntered` holds the digit. No built-in retries, as in Webex.
 */
import { bool, playPrompts, promptTemplates, secondsProp } from "./common.js";
import type { ActivitySpec } from "./types.js";
import type { ActivityDef } from "../flow/types.js";

function options(def: ActivityDef): string[] {
  const links = def.properties.menuLinks;
  return Array.isArray(links) ? links.map((l) => String(l)) : [];
}

const ivrMenu: ActivitySpec = {
  type: "ivr-menu",
  ports: (def) => [...options(def), "timeout", "invalid", "error"],
  templates: promptTemplates,
  loopLimit: 100,
  validate(def, report) {
    if (options(def).length === 0) report({ severity: "error", code: "missing-property", message: `Menu "${def.name}" has no options (menuLinks)`, path: "menuLinks" });
  },
  async run(ctx) {
    const def = ctx.activity;
    const bargeIn = await playPrompts(ctx, bool(def, "interruptible", false));
    const result = await ctx.caller.collect({
      signal: ctx.signal,
      minDigits: 1,
      maxDigits: 1,
      entryTimeoutMs: secondsProp(def, "entryTimeout", 5),
      interDigitTimeoutMs: 0,
      initial: bargeIn,
    });
    if (result.timedOut || result.digits === "") {
      ctx.emit({ type: "input", digits: "", outcome: "timeout" });
      return "timeout";
    }
    const digit = result.digits.slice(0, 1);
    ctx.output("OptionEntered", digit);
    const valid = options(def).includes(digit);
    ctx.emit({ type: "input", digits: digit, outcome: valid ? "digits" : "invalid" });
    return valid ? digit : "invalid";
  },
};

export default ivrMenu;
