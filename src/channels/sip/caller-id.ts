/**
 * ANI and DNIS from an INVITE, checked at the edge.
 *
 * ANI: P-Asserted-Identity (what a trusted trunk vouches for), else From. A caller id is what a
 * carrier delivers: `+` and digits, or a withheld number (`anonymous`, or none), which becomes "".
 * RFC 3966 visual separators (`-`, `.`, `(`, `)`) are dropped. Anything else is refused, since a
 * flow pastes the ANI into CRM queries.
 * DNIS: the Request-URI's user part (or a tel: number), the same way.
 *
 * Issue 12 adds a shared caller-id check for every edge (API, softphone, CLI); until it is on
 * main this is SIP's own, with the same rule, to be replaced by it.
 */
import { parseNameAddr, parseUri, type SipRequest } from "./message.js";

export class CallerIdError extends Error {}

const NUMBER = /^\+?[0-9]{1,20}$/;

/** "" for a withheld number; the number otherwise; throws CallerIdError for anything else. */
export function checkCallerNumber(raw: string | undefined, what: string): string {
  if (raw === undefined) return "";
  const value = raw.trim();
  if (value === "" || /^anonymous$/i.test(value) || /^(unknown|restricted|private)$/i.test(value)) return "";
  const number = value.replace(/[-.()]/g, "");
  if (!NUMBER.test(number)) throw new CallerIdError(`${what} "${value.slice(0, 40)}" is not a phone number (+ and digits)`);
  return number;
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
