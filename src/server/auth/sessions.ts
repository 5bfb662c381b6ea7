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
}

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

  constructor(options: SessionOptions = {}) {
    this.idleMs = (options.idleSeconds ?? 8 * 3600) * 1000;
    this.maxMs = (options.maxSeconds ?? 12 * 3600) * 1000;
    this.now = options.now ?? Date.now;
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
    if (now >= s.expiresAt || now >= s.createdAt + this.maxMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.expiresAt = Math.min(now + this.idleMs, s.createdAt + this.maxMs);
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
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

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (now >= s.expiresAt || now >= s.createdAt + this.maxMs) this.sessions.delete(id);
    if (this.sessions.size >= MAX_SESSIONS) {
      // Oldest first: Map keeps insertion order.
      const drop = this.sessions.size - MAX_SESSIONS + 1;
      let n = 0;
      for (const id of this.sessions.keys()) {
        if (n++ >= drop) break;
        this.sessions.delete(id);
      }
    }
  }
}
