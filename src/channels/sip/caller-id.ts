/**
 * ANI and DNIS from an INVITE, checked at the edge by the shared rule (channels/caller-id.ts):
 * `+` and digits, or a withheld number.
 *
 * ANI: P-Asserted-Identity (what a trusted trunk vouches for), else From. DNIS: the Request-URI's
 * user part (or a tel: number). What is SIP's own: RFC 3966 visual separators (`-`, `.`, `(`,
 * `)`) in a number are dropped, and the words trunks put in place of a withheld number
 * (`unknown`, `restricted`, `private`) mean `anonymous`.
 *
 * The caller's number can change during the call (a carrier or an operator's switch passes the
 * call on and learns who is really calling): a re-INVITE or UPDATE carries a new
 * P-Asserted-Identity (RFC 3325 §9.1 lets a trusted proxy put one in any request), or a From whose
 * URI changed while its tag stayed (RFC 4916 allows that in a dialog). `updatedCallerNumber`
 * reads it by the same rule as at dial-in.
 */
import { checkCallerId } from "../caller-id.js";
import { parseNameAddr, parseUri, type SipRequest } from "./message.js";

export class CallerIdError extends Error {}

/** The checked number (`anonymous` or "" when withheld); throws CallerIdError naming the header. */
export function checkCallerNumber(raw: string | undefined, what: string): string {
  if (raw === undefined) return "";
  const value = raw.trim();
  const normalised = /^(unknown|restricted|private)$/i.test(value) ? "anonymous" : /^[+0-9().-]+$/.test(value) ? value.replace(/[-.()]/g, "") : value;
  const check = checkCallerId(normalised);
  if (!check.ok) throw new CallerIdError(`${what}: ${check.message}`);
  return check.ani;
}

export function userOf(headerValue: string | undefined, what = "caller"): string | undefined {
  if (headerValue === undefined) return undefined;
  const addr = parseNameAddr(headerValue.split(",")[0]!);
  if (!addr) throw new CallerIdError(`${what} address does not parse`);
  const uri = parseUri(addr.uri);
  if (!uri) throw new CallerIdError(`${what} URI ${addr.uri.slice(0, 60)} is not a sip:, sips: or tel: URI`);
  return uri.user ?? "";
}

export function callerNumber(request: SipRequest): string {
  const pai = request.headers.get("p-asserted-identity");
  return checkCallerNumber(userOf(pai ?? request.headers.get("from")), pai ? "P-Asserted-Identity" : "From");
}

export function dialledNumber(request: SipRequest): string {
  const uri = parseUri(request.uri);
  if (!uri) throw new CallerIdError(`Request-URI ${request.uri.slice(0, 60)} is not a sip:, sips: or tel: URI`);
  return checkCallerNumber(uri.user, "dialled number");
}

/**
 * The caller's number a re-INVITE or UPDATE asserts, when it asserts one: its P-Asserted-Identity,
 * else its From when the From's user part differs from `dialogFromUser` (the From the dialog had
 * so far; a From that did not change says nothing new). `undefined`: no identity in the request.
 * Throws CallerIdError when the new identity is not a number a carrier delivers.
 */
export function updatedCallerNumber(request: SipRequest, dialogFromUser: string | undefined): { ani: string; header: "P-Asserted-Identity" | "From"; fromUser: string | undefined } | undefined {
  const fromUser = userOf(request.headers.get("from"), "From");
  const pai = request.headers.get("p-asserted-identity");
  if (pai !== undefined) return { ani: checkCallerNumber(userOf(pai, "P-Asserted-Identity"), "P-Asserted-Identity"), header: "P-Asserted-Identity", fromUser };
  if (fromUser === dialogFromUser) return undefined;
  return { ani: checkCallerNumber(fromUser, "From"), header: "From", fromUser };
}
