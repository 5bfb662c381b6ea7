/**
 * The caller id check every edge shares: what a carrier delivers gets through, as the flow will
 * see it; anything else is refused with a message that names the value and the rule.
 */
import { describe, expect, it } from "vitest";
import { CallerIdError, checkCallerId, requireCallerId } from "../../src/channels/caller-id.js";

describe("a caller id at the edge", () => {
  it("is accepted as a carrier delivers it: + and digits, or withheld (empty, anonymous)", () => {
    expect(checkCallerId("+14806754110")).toEqual({ ok: true, ani: "+14806754110", withheld: false });
    expect(checkCallerId("4806754110")).toEqual({ ok: true, ani: "4806754110", withheld: false });
    expect(checkCallerId(" +14806754110 ")).toEqual({ ok: true, ani: "+14806754110", withheld: false });
    expect(checkCallerId("")).toEqual({ ok: true, ani: "", withheld: true });
    expect(checkCallerId("Anonymous")).toEqual({ ok: true, ani: "anonymous", withheld: true });
    expect(checkCallerId("+" + "1".repeat(20)).ok).toBe(true);
  });

  it("is refused when no carrier would deliver it, with the value and the rule in the message", () => {
    for (const ani of ["+", "+1 480 675 4110", "+1-480-675-4110", "1') or contains(fullname,'", "+1&$top=100", "{{ 7 * 7 }}", "+1\r\nX: y", "+١٤٨٠", "restricted"]) {
      const check = checkCallerId(ani);
      expect(check.ok, JSON.stringify(ani)).toBe(false);
      if (!check.ok) expect(check.message).toContain(`caller id ${JSON.stringify(ani)} is not a number a carrier delivers: use + and digits (e.g. +14806754110), or empty or "anonymous" for a withheld number`);
    }
    expect(checkCallerId("+" + "1".repeat(21))).toEqual({ ok: false, message: `caller id "+${"1".repeat(21)}" has 21 digits; a carrier delivers at most 20` });
    // A long value is clipped in the message, never printed whole.
    const long = checkCallerId("x".repeat(5000));
    expect(!long.ok && long.message.length).toBeLessThan(200);
  });

  it("throws a CallerIdError for an edge that wants an exception", () => {
    expect(requireCallerId("+15550100")).toBe("+15550100");
    expect(() => requireCallerId("abc")).toThrow(CallerIdError);
  });
});
