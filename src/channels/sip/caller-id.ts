/**
 * ANI and DNIS from an INVITE, checked at the edge by the shared rule (channels/caller-id.ts):
 * `+` and digits, or a withheld number.
 *
 * ANI: P-Asserted-Identity (what a trusted trunk vouches for), else From. DNIS: the Request-URI's
 * user part (or a tel: number). What is SIP's own: RFC 3966 visual separators (`-`, `.`, `(`,
 * `)`) in a number are dropped, and the words trunks put in place of a withheld number
 * (`unknown`, `restricted`, `private`) mean `anonymous`.
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

function userOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  const addr = parseNameAddr(headerValue.split(",")[0]!);
  if (!addr) throw new CallerIdError("caller address does not parse");
  const uri = parseUri(addr.uri);
  if (!uri) throw new CallerIdError(`caller URI ${addr.uri.slice(0, 60)} is not a sip:, sips: or tel: URI`);
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
