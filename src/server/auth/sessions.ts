/**
 * Sign-in sessions of the web UI: a random id in an HttpOnly cookie, the person's principal in
 * memory. A session expires after a spell of idleness and, whatever happens, after a maximum
 * age; each request renews the idle deadline (the cookie is re-sent at most once a minute).
 * Sessions live in the server process: a restart signs everyone out.
 */
import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Principal } from "./access.js";

export const SESSION_COOKIE = "ccflow_session";

export interface SessionOptions {
  /** Signed out after this long without a request. Default 8 h (a shift). */
  idleSeconds?: number;
  /** Signed out this long after signing in, however active. Default 12 h. */
  maxSeconds?: number;
  now?: () => number;
  /** How often ended sessions are looked for, so their sockets close without waiting for a request. Default 30 s. */
  sweepSeconds?: number;
}

export type SessionEnd = "signed out" | "session expired";

export interface Session {
  id: string;
  principal: Principal;
  createdAt: number;
  /** The idle deadline; moves on with each request. */
  expiresAt: number;
  renewedAt: number;
  /** The id token, for the provider's sign-out (end session) request. */
  idToken?: string;
}

const MAX_SESSIONS = 10_000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  readonly idleMs: number;
  readonly maxMs: number;
  private readonly now: () => number;
  private readonly endListeners: Array<(id: string, why: SessionEnd) => void> = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: SessionOptions = {}) {
    this.idleMs = (options.idleSeconds ?? 8 * 3600) * 1000;
    this.maxMs = (options.maxSeconds ?? 12 * 3600) * 1000;
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), (options.sweepSeconds ?? 30) * 1000);
    this.sweeper.unref();
  }

  /** Told of every session that ends: signed out, expired, or pushed out by the session limit. */
  onEnd(listener: (id: string, why: SessionEnd) => void): void {
    this.endListeners.push(listener);
  }

  /** Stops the sweeping timer (the server is closing). */
  close(): void {
    clearInterval(this.sweeper);
  }

  private end(id: string, why: SessionEnd): void {
    if (!this.sessions.delete(id)) return;
    for (const listener of this.endListeners) listener(id, why);
  }

  private expired(s: Session, now: number): boolean {
    return now >= s.expiresAt || now >= s.createdAt + this.maxMs;
  }

  create(principal: Principal, idToken?: string): Session {
    this.sweep();
    const now = this.now();
    const s: Session = { id: randomBytes(32).toString("base64url"), principal, createdAt: now, expiresAt: now + this.idleMs, renewedAt: now, ...(idToken ? { idToken } : {}) };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id; renews its idle deadline. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (this.expired(s, now)) {
      this.end(id, "session expired");
      return undefined;
    }
    s.expiresAt = Math.min(now + this.idleMs, s.createdAt + this.maxMs);
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.end(id, "signed out");
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sets (or renews) the cookie: HttpOnly, SameSite=Lax, Secure under HTTPS, as long as the session. */
  writeCookie(req: FastifyRequest, reply: FastifyReply, s: Session): void {
    s.renewedAt = this.now();
    void reply.setCookie(SESSION_COOKIE, s.id, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: req.protocol === "https",
      maxAge: Math.max(1, Math.floor((s.expiresAt - this.now()) / 1000)),
    });
  }

  /** Renews the cookie when the last one went out more than a minute ago. */
  renewCookie(req: FastifyRequest, reply: FastifyReply, s: Session): void {
    if (this.now() - s.renewedAt > 60_000) this.writeCookie(req, reply, s);
  }

  clearCookie(req: FastifyRequest, reply: FastifyReply): void {
    void reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: req.protocol === "https" });
  }

  /** Ends the sessions past their deadlines (and, at the limit, the oldest). */
  sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (this.expired(s, now)) this.end(id, "session expired");
    if (this.sessions.size >= MAX_SESSIONS) {
      // Oldest first: Map keeps insertion order.
      const drop = this.sessions.size - MAX_SESSIONS + 1;
      let n = 0;
      for (const id of this.sessions.keys()) {
        if (n++ >= drop) break;
        this.end(id, "session expired");
      }
    }
  }
}
