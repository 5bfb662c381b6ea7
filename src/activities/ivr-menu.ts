/**
 * Menu: plays its prompt (barge-in when interruptible), waits `entryTimeout` seconds for one
 * digit. A digit in `menuLinks` leaves by that port; another digit by `invalid`; none by
 * `timeout`. `<name>.OptionEntered` holds the digit. No built-in retries, as in Webex.
 */
import { bool, compilePrompts, playCompiledPrompts, promptTemplates, secondsProp } from "./common.js";
import type { CompiledActivitySpec } from "./types.js";
import type { ActivityDef } from "../flow/types.js";

function options(def: ActivityDef): string[] {
  const links = def.properties.menuLinks;
  return Array.isArray(links) ? links.map((l) => String(l)) : [];
}

const ivrMenu: CompiledActivitySpec = {
  type: "ivr-menu",
  ports: (def) => [...options(def), "timeout", "invalid", "error"],
  templates: promptTemplates,
  loopLimit: 100,
  validate(def, report) {
    if (options(def).length === 0) report({ severity: "error", code: "missing-property", message: `Menu "${def.name}" has no options (menuLinks)`, path: "menuLinks" });
  },
  compile(def) {
    const prompts = compilePrompts(def);
    const interruptible = bool(def, "interruptible", false);
    const entryTimeoutMs = secondsProp(def, "entryTimeout", 5);
    const valid = new Set(options(def));
    return {
      async run(ctx) {
        const bargeIn = await playCompiledPrompts(ctx, prompts, interruptible);
        const result = await ctx.caller.collect({
          signal: ctx.signal,
          minDigits: 1,
          maxDigits: 1,
          entryTimeoutMs,
          interDigitTimeoutMs: 0,
          initial: bargeIn,
        });
        if (result.timedOut || result.digits === "") {
          ctx.emit({ type: "input", digits: "", outcome: "timeout" });
          return "timeout";
        }
        const digit = result.digits.slice(0, 1);
        ctx.output("OptionEntered", digit);
        const ok = valid.has(digit);
        ctx.emit({ type: "input", digits: digit, outcome: ok ? "digits" : "invalid" });
        return ok ? digit : "invalid";
      },
    };
  },
};

export default ivrMenu;
