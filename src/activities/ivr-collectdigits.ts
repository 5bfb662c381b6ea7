/**
 * Collect Digits: plays its prompt, then collects digits until the terminator, `maxDigits`, or
 * the inter-digit timeout. Nothing → `timeout`; fewer than `minDigits` → `invalid`; otherwise
 * `default` with `<name>.DigitsEntered` (terminator excluded).
 */
import { bool, compilePrompts, num, playCompiledPrompts, promptTemplates, secondsProp, str } from "./common.js";
import type { CompiledActivitySpec } from "./types.js";

const collectDigits: CompiledActivitySpec = {
  type: "ivr-collectdigits",
  ports: () => ["default", "timeout", "invalid", "error"],
  templates: promptTemplates,
  loopLimit: 100,
  validate(def, report) {
    const min = num(def, "minDigits", 1);
    const max = num(def, "maxDigits", 32);
    if (min > max) report({ severity: "error", code: "bad-property", message: `Collect Digits "${def.name}": minDigits ${min} is more than maxDigits ${max}`, path: "minDigits" });
  },
  compile(def) {
    const prompts = compilePrompts(def);
    const interruptible = bool(def, "interruptible", false);
    const terminator = str(def, "terminatorSymbol");
    const minDigits = Math.max(0, num(def, "minDigits", 1));
    const maxDigits = Math.max(1, num(def, "maxDigits", 32));
    const entryTimeoutMs = secondsProp(def, "entryTimeout", 5);
    const interDigitTimeoutMs = secondsProp(def, "interDigitTimeout", 3);
    return {
      async run(ctx) {
        const bargeIn = await playCompiledPrompts(ctx, prompts, interruptible);
        const result = await ctx.caller.collect({
          signal: ctx.signal,
          minDigits,
          maxDigits,
          terminator: terminator === "#" || terminator === "*" ? terminator : undefined,
          entryTimeoutMs,
          interDigitTimeoutMs,
          initial: bargeIn,
        });
        if (result.timedOut && result.digits === "") {
          ctx.output("FailureCode", "NO_INPUT");
          ctx.emit({ type: "input", digits: "", outcome: "timeout" });
          return "timeout";
        }
        ctx.output("DigitsEntered", result.digits);
        if (result.digits.length < minDigits) {
          ctx.output("FailureCode", "INVALID_INPUT");
          ctx.emit({ type: "input", digits: result.digits, outcome: "invalid" });
          return "invalid";
        }
        ctx.emit({ type: "input", digits: result.digits, outcome: "digits" });
        return "default";
      },
    };
  },
};

export default collectDigits;
