/**
 * A SIP registrar (RFC 3261 §10.3): phones, and browser phones over WebSocket, register the user
 * they proved by digest (`sip.users`) and ccflow keeps their contacts until they expire. Only the
 * user's own address-of-record may be registered (the To user must be the digest user name).
 *
 * Written here because the SIP stacks on npm are user agents (they send REGISTER, they do not
 * keep bindings), and a registrar is a table with expiry over the message parser we already have.
 *
 * A binding made over WebSocket lives as long as its socket: its contact (`….invalid`) cannot be
 * reached any other way, so the socket closing removes it (RFC 7118 §5.2).
 */
import { parseNameAddr, parseUri, type SipRequest } from "./message.js";
import type { SipPeer } from "./transport.js";

export interface RegistrarOptions {
  /** Shorter registrations get 423 Interval Too Brief; seconds. Default 60. */
  minExpires?: number;
  /** Longer ones are shortened to this; seconds. Default 3600. */
  maxExpires?: number;
  /** When neither the contact nor the request says; seconds. Default 3600. */
  defaultExpires?: number;
  /** Contacts one user may hold at once (more are refused, 403): the table stays bounded. Default 10. */
  maxContacts?: number;
  now?: () => number;
}

export interface Binding {
  /** The registered user (the address-of-record's user part). */
  user: string;
  /** The contact URI, as registered. */
  contact: string;
  /** When it lapses, ms since the epoch. */
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from, and over what (a WebSocket binding is reached only through it). */
  peer: SipPeer;
}

export type RegisterOutcome =
  | { status: 200; bindings: Binding[]; added: Binding[]; removed: Binding[] }
  | { status: 400 | 403 | 423 | 500; reason: string; minExpires?: number };

/** Splits a Contact header value at the commas between contacts (not inside <>, quotes). */
export function splitContacts(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== "\\") quoted = !quoted;
    else if (!quoted && c === "<") depth++;
    else if (!quoted && c === ">") depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ",") {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

export class Registrar {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly maxContacts: number;
  private readonly now: () => number;

  constructor(options: RegistrarOptions = {}) {
    this.minExpires = options.minExpires ?? 60;
    this.maxExpires = Math.max(this.minExpires, options.maxExpires ?? 3600);
    this.defaultExpires = Math.min(this.maxExpires, Math.max(this.minExpires, options.defaultExpires ?? 3600));
    this.maxContacts = options.maxContacts ?? 10;
    this.now = options.now ?? Date.now;
  }

  /** Live bindings of `user`, freshest first. */
  lookup(user: string): Binding[] {
    const now = this.now();
    return (this.bindings.get(user) ?? []).filter((b) => b.expiresAt > now).sort((a, b) => b.expiresAt - a.expiresAt);
  }

  /** Every user with a live binding. */
  get users(): string[] {
    return [...this.bindings.keys()].filter((u) => this.lookup(u).length > 0);
  }

  /** Drops lapsed bindings everywhere; returns them. */
  sweep(): Binding[] {
    const gone: Binding[] = [];
    for (const user of [...this.bindings.keys()]) gone.push(...this.expire(user));
    return gone;
  }

  /** A connection (a WebSocket) closed: its bindings go with it. */
  dropConnection(connection: unknown): Binding[] {
    const gone: Binding[] = [];
    for (const [user, list] of this.bindings) {
      const keep = list.filter((b) => b.peer.connection !== connection || (gone.push(b), false));
      if (keep.length) this.bindings.set(user, keep);
      else this.bindings.delete(user);
    }
    return gone;
  }

  /** Applies a REGISTER from `user` (already authenticated) that came from `peer`. */
  register(request: SipRequest, user: string, peer: SipPeer): RegisterOutcome {
    const to = parseNameAddr(request.headers.get("to") ?? "");
    const aor = to ? parseUri(to.uri) : undefined;
    if (!aor || (aor.scheme !== "sip" && aor.scheme !== "sips") || !aor.user) return { status: 400, reason: "To is not a sip: address-of-record with a user" };
    if (aor.user !== user) return { status: 403, reason: `${user} may not register ${aor.user}` };
    const callId = request.headers.get("call-id") ?? "";
    const cseq = Number(/^\s*(\d+)/.exec(request.headers.get("cseq") ?? "")?.[1] ?? NaN);
    const expiresHeader = request.headers.get("expires");
    const headerExpires = expiresHeader !== undefined && /^\s*\d{1,10}\s*$/.test(expiresHeader) ? Number(expiresHeader) : undefined;
    if (expiresHeader !== undefined && headerExpires === undefined) return { status: 400, reason: "Expires is not a number of seconds" };
    const contacts = request.headers.all("contact").flatMap(splitContacts);
    this.expire(user);
    const current = this.bindings.get(user) ?? [];

    if (contacts.some((c) => c === "*")) {
      if (contacts.length !== 1 || headerExpires !== 0) return { status: 400, reason: "Contact: * needs Expires: 0 and no other contact" };
      const stale = current.find((b) => b.callId === callId && b.cseq >= cseq);
      if (stale) return { status: 500, reason: "CSeq is not above the binding's" };
      this.bindings.delete(user);
      return { status: 200, bindings: [], added: [], removed: current };
    }

    const changes: Array<{ contact: string; expires: number }> = [];
    for (const text of contacts) {
      const contact = parseNameAddr(text);
      if (!contact || !parseUri(contact.uri)) return { status: 400, reason: `Contact "${text.slice(0, 80)}" is not a SIP URI` };
      const param = contact.params.get("expires");
      if (param !== undefined && !/^\d{1,10}$/.test(param)) return { status: 400, reason: "a Contact's expires is not a number of seconds" };
      const expires = param !== undefined ? Number(param) : (headerExpires ?? this.defaultExpires);
      if (expires > 0 && expires < this.minExpires) return { status: 423, reason: `registrations last at least ${this.minExpires} s`, minExpires: this.minExpires };
      changes.push({ contact: contact.uri, expires: Math.min(expires, this.maxExpires) });
    }
    for (const change of changes) {
      const stale = current.find((b) => b.contact === change.contact && b.callId === callId && b.cseq >= cseq);
      if (stale) return { status: 500, reason: "CSeq is not above the binding's" };
    }
    const added: Binding[] = [];
    const removed: Binding[] = [];
    let list = current;
    for (const change of changes) {
      const before = list.find((b) => b.contact === change.contact);
      list = list.filter((b) => b !== before);
      if (change.expires === 0) {
        if (before) removed.push(before);
        continue;
      }
      const binding: Binding = { user, contact: change.contact, expiresAt: this.now() + change.expires * 1000, callId, cseq, peer };
      list.push(binding);
      if (!before) added.push(binding);
    }
    if (list.length > this.maxContacts) return { status: 403, reason: `${user} may hold at most ${this.maxContacts} contacts` };
    if (list.length) this.bindings.set(user, list);
    else this.bindings.delete(user);
    return { status: 200, bindings: this.lookup(user), added, removed };
  }

  /** Seconds left on a binding, for the 200's Contact expires. */
  remaining(binding: Binding): number {
    return Math.max(0, Math.ceil((binding.expiresAt - this.now()) / 1000));
  }

  private expire(user: string): Binding[] {
    const list = this.bindings.get(user);
    if (!list) return [];
    const now = this.now();
    const gone = list.filter((b) => b.expiresAt <= now);
    if (!gone.length) return [];
    const keep = list.filter((b) => b.expiresAt > now);
    if (keep.length) this.bindings.set(user, keep);
    else this.bindings.delete(user);
    return gone;
  }
}
