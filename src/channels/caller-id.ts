/**
 * The caller id (ANI) as a carrier delivers it, checked where a call comes in: the API, the
 * softphone (through the API), `ccflow call --ani`, scenarios and, later, SIP. Webex inserts an
 * interpolated value into a URL or body as rendered, so what protects a flow's CRM query is
 * that a caller id can only ever be `+` and digits, or empty / `anonymous` for a withheld
 * number. Anything else is refused here with a message naming the value and the rule, instead
 * of reaching a flow. A scenario may opt in to a hostile id on purpose (`hostileAni: true`) to
 * test a flow's own guards; that path does not call this module.
 */

/** E.164 allows 15 digits; carriers add a prefix or two (national trunk codes), so up to 20. */
export const MAX_CALLER_ID_DIGITS = 20;

/** What a withheld number arrives as, besides the empty string. */
export const WITHHELD_CALLER_ID = "anonymous";

export type CallerIdCheck = { ok: true; ani: string; withheld: boolean } | { ok: false; message: string };

/** Short, printable form of a refused value for a message (no control characters, bounded). */
function shown(value: string): string {
  const clipped = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(clipped);
}

/**
 * Checks a caller id. Surrounding blanks are dropped (a form field's stray space is not the
 * caller's); `anonymous` is matched in any case and returned as `anonymous`.
 */
export function checkCallerId(raw: string): CallerIdCheck {
  const ani = raw.trim();
  if (ani === "") return { ok: true, ani: "", withheld: true };
  if (ani.toLowerCase() === WITHHELD_CALLER_ID) return { ok: true, ani: WITHHELD_CALLER_ID, withheld: true };
  if (!/^\+?[0-9]+$/.test(ani)) {
    return { ok: false, message: `caller id ${shown(raw)} is not a number a carrier delivers: use + and digits (e.g. +14806754110), or empty or "anonymous" for a withheld number` };
  }
  const digits = ani.startsWith("+") ? ani.length - 1 : ani.length;
  if (digits > MAX_CALLER_ID_DIGITS) return { ok: false, message: `caller id ${shown(raw)} has ${digits} digits; a carrier delivers at most ${MAX_CALLER_ID_DIGITS}` };
  return { ok: true, ani, withheld: false };
}

/** An edge refused a caller id; `message` says which and why. */
export class CallerIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallerIdError";
  }
}

/** The checked caller id, or a CallerIdError with the reason. */
export function requireCallerId(raw: string): string {
  const check = checkCallerId(raw);
  if (!check.ok) throw new CallerIdError(check.message);
  return check.ani;
}
