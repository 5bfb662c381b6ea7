/**
 * The web UI's sign-in routes: /auth/login sends the browser to the provider, /auth/callback
 * makes a session of what comes back, /auth/logout ends it, and /api/session says who is signed
 * in (with the CSRF token the UI sends on each change).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CREDENTIAL_CLAIM } from "../../identity/service.js";
import { ApiError } from "../errors.js";
import { principalFromClaims } from "./provider.js";
import { externalFingerprint, type AuthService } from "./auth-service.js";
import { SignInError } from "../../util/oidc-relying-party.js";
import { SIGN_IN_SCHEMAS as doc } from "./sign-in-schemas.js";

const PENDING_COOKIE = "ccflow_signin";

/** A path on this server (never another site: no scheme, no `//`, no backslash tricks). */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.includes("\\") || /[\r\n]/.test(value)) return "/";
  return value;
}

function ownOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

export function registerSignInRoutes(app: FastifyInstance, auth: AuthService, log: (level: "warn", message: string) => void): void {
  app.get<{ Querystring: { returnTo?: string } }>("/auth/login", { schema: doc.login }, async (req, reply) => {
    let started: { url: string; sealed: string };
    try {
      started = await auth.rp.start(`${ownOrigin(req)}/auth/callback`, safeReturnPath(req.query.returnTo));
    } catch (err) {
      log("warn", `sign-in: the identity provider cannot be reached: ${(err as Error).message}`);
      throw new ApiError(502, "IDENTITY_PROVIDER_UNAVAILABLE", "the identity provider cannot be reached; try again in a moment");
    }
    // The pending sign-in, sealed (util/oidc-relying-party.ts): it binds the sign-in to this browser (a
    // callback URL pasted into another one does not sign it in), and any server sharing the key
    // may finish it.
    void reply.setCookie(PENDING_COOKIE, started.sealed, { path: "/auth", httpOnly: true, sameSite: "lax", secure: req.protocol === "https", maxAge: 600 });
    return reply.header("cache-control", "no-store").redirect(started.url, 303);
  });

  app.get<{ Querystring: { state?: string; error?: string; error_description?: string } }>("/auth/callback", { schema: doc.callback }, async (req, reply) => {
    const state = req.query.state ?? "";
    void reply.clearCookie(PENDING_COOKIE, { path: "/auth" });
    if (req.query.error) throw new ApiError(401, "SIGN_IN_FAILED", `the identity provider refused the sign-in: ${req.query.error}${req.query.error_description ? ` (${req.query.error_description})` : ""}`);
    if (!state || !req.cookies[PENDING_COOKIE]) throw new ApiError(400, "SIGN_IN_FAILED", "this sign-in was not started in this browser; sign in again from the start page");
    let done: Awaited<ReturnType<typeof auth.rp.finish>>;
    try {
      done = await auth.rp.finish(new URL(req.url, ownOrigin(req)), state, req.cookies[PENDING_COOKIE]);
    } catch (err) {
      if (err instanceof SignInError) throw new ApiError(400, "SIGN_IN_FAILED", err.message);
      log("warn", `sign-in failed: ${(err as Error).message}`);
      throw new ApiError(401, "SIGN_IN_FAILED", "the sign-in could not be completed; sign in again");
    }
    const principal = principalFromClaims(done.claims, auth.rolesClaim, "session", auth.options.findAgent);
    // A new session id at each sign-in (no fixation); the old session, if any, ends.
    await auth.sessions.destroy((await auth.session(req))?.id);
    // The embedded service's id token carries the credential stamp: the session ends when it
    // changes. An external provider's session keeps a fingerprint of the person and their roles,
    // and its refresh token to ask the provider again at renewal.
    const stamp = auth.external ? externalFingerprint(principal) : done.claims[CREDENTIAL_CLAIM];
    const session = await auth.sessions.create(principal, done.idToken, typeof stamp === "string" ? stamp : undefined, auth.external ? done.refreshToken : undefined);
    await auth.sessions.writeCookie(req, reply, session);
    return reply.header("cache-control", "no-store").redirect(done.returnTo, 303);
  });

  app.post("/auth/logout", { schema: doc.logout }, async (req: FastifyRequest, reply: FastifyReply) => {
    const session = await auth.session(req);
    await auth.sessions.destroy(session?.id);
    auth.sessions.clearCookie(req, reply);
    const endSession = auth.external ? await auth.rp.endSessionUrl(session?.idToken, `${ownOrigin(req)}/`) : undefined;
    return { signedOut: session !== undefined, ...(endSession ? { endSessionUrl: endSession } : {}) };
  });

  app.get("/api/session", { schema: doc.session }, async (req, reply) => {
    void reply.header("cache-control", "no-store");
    const p = req.principal;
    const session = await auth.session(req);
    if (!p) return { signedIn: false, signIn: "/auth/login" };
    return {
      signedIn: true,
      user: { kind: p.kind, subject: p.subject, name: p.name, roles: [...p.roles].sort(), ...(p.agentId ? { agentId: p.agentId } : {}) },
      via: p.via,
      ...(session && p.via === "session" ? { csrfToken: reply.generateCsrf({ userInfo: session.id }), expiresAt: new Date(session.expiresAt).toISOString() } : {}),
      signOut: "/auth/logout",
    };
  });
}
