/**
 * People sign in to the record pages of the CRM run on its own, when it is configured with an
 * OpenID Connect provider (`CCFLOW_CRM_OIDC_*`, or CrmServerOptions.signIn): authorization code
 * with PKCE through the same relying party as the server's web UI (util/oidc-relying-party.ts).
 * The pending sign-in travels sealed in an HttpOnly cookie limited to /crm/auth for ten minutes;
 * the callback makes a page session (page-sessions.ts) for the person — the session cookie's rules
 * are sign-in.ts's: HttpOnly, SameSite=Lax, Secure under HTTPS.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RelyingParty, SignInError } from "../../util/oidc-relying-party.js";
import { requestOrigin } from "../auth/routes.js";
import type { Crm } from "../crm.js";

export const PEOPLE_LOGIN = "/crm/auth/login";
const CALLBACK = "/crm/auth/callback";
const PENDING_COOKIE = "ccflow_crm_signin";

export interface PeopleSignInConfig {
  /** The provider's issuer URL (discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Default `openid profile email`. */
  scopes?: string;
}

/** The provider from the CRM's environment (`CCFLOW_CRM_OIDC_ISSUER`, `…_CLIENT_ID`, `…_CLIENT_SECRET`, `…_SCOPES`); undefined when unset. */
export function peopleSignInFromEnv(env: NodeJS.ProcessEnv): PeopleSignInConfig | undefined {
  const issuer = env.CCFLOW_CRM_OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const clientId = env.CCFLOW_CRM_OIDC_CLIENT_ID?.trim();
  const clientSecret = env.CCFLOW_CRM_OIDC_CLIENT_SECRET;
  if (!clientId || !clientSecret) throw new Error("CCFLOW_CRM_OIDC_ISSUER is set: CCFLOW_CRM_OIDC_CLIENT_ID and CCFLOW_CRM_OIDC_CLIENT_SECRET are needed too (the CRM's client at that provider)");
  try {
    new URL(issuer);
  } catch {
    throw new Error(`CCFLOW_CRM_OIDC_ISSUER is not a URL: "${issuer}"`);
  }
  const scopes = env.CCFLOW_CRM_OIDC_SCOPES?.trim();
  return { issuer, clientId, clientSecret, ...(scopes ? { scopes } : {}) };
}

/** Who a person's page session is for (page-sessions.ts keeps it beside apps' client ids). */
export const PERSON_PREFIX = "person:";

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface PeopleSignIn {
  rp: RelyingParty;
  /** The provider's origin: the sign-out form's redirect goes there, so the pages' CSP lets forms lead to it. */
  providerOrigin: string;
}

export function createPeopleSignIn(config: PeopleSignInConfig): PeopleSignIn {
  // The pending sign-in is sealed under a key of this process: a restart in the ten minutes a
  // sign-in may take only means signing in again.
  return { providerOrigin: new URL(config.issuer).origin, rp: new RelyingParty({ issuer: () => config.issuer, clientId: config.clientId, clientSecret: config.clientSecret, sealKey: randomBytes(32), ...(config.scopes ? { scopes: config.scopes } : {}) }) };
}

/**
 * /crm/auth/login and /crm/auth/callback. `startSession` makes the page session and returns its
 * Set-Cookie value (sign-in.ts owns the session cookie's rules).
 */
export function registerPeopleSignIn(app: FastifyInstance, crm: Crm, people: PeopleSignIn, startSession: (req: FastifyRequest, owner: string) => string, safeReturn: (value: unknown) => string, problem: (reply: FastifyReply, status: number, title: string, text: string) => FastifyReply): void {
  const pendingCookie = (req: FastifyRequest, value: string, maxAge: number) =>
    `${PENDING_COOKIE}=${value}; Path=/crm/auth; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${req.protocol === "https" ? "; Secure" : ""}`;

  app.get<{ Querystring: { returnTo?: string } }>(PEOPLE_LOGIN, async (req, reply) => {
    let started: { url: string; sealed: string };
    try {
      started = await people.rp.start(`${requestOrigin(req)}${CALLBACK}`, safeReturn(req.query.returnTo));
    } catch (err) {
      crm.logger.warn({ err: (err as Error).message }, "record pages: the identity provider cannot be reached");
      return problem(reply, 502, "Sign-in unavailable", "The identity provider cannot be reached; try again in a moment.");
    }
    return reply.header("set-cookie", pendingCookie(req, started.sealed, 600)).header("cache-control", "no-store").redirect(started.url, 303);
  });

  app.get<{ Querystring: { state?: string; error?: string; error_description?: string } }>(CALLBACK, async (req, reply) => {
    void reply.header("set-cookie", pendingCookie(req, "", 0));
    if (req.query.error) return problem(reply, 401, "Sign-in refused", `The identity provider refused the sign-in: ${req.query.error}${req.query.error_description ? ` (${req.query.error_description})` : ""}.`);
    const sealed = cookieOf(req, PENDING_COOKIE);
    if (!req.query.state || !sealed) return problem(reply, 400, "Sign-in failed", "This sign-in was not started in this browser; open the record pages again to sign in.");
    let done: Awaited<ReturnType<RelyingParty["finish"]>>;
    try {
      done = await people.rp.finish(new URL(req.url, requestOrigin(req)), req.query.state, sealed);
    } catch (err) {
      if (err instanceof SignInError) return problem(reply, 400, "Sign-in failed", `${err.message}.`);
      crm.logger.warn({ err: (err as Error).message }, "record pages: a sign-in could not be completed");
      return problem(reply, 401, "Sign-in failed", "The sign-in could not be completed; sign in again.");
    }
    const who = [done.claims.preferred_username, done.claims.email, done.claims.sub].find((v): v is string => typeof v === "string" && v !== "");
    if (!who) return problem(reply, 401, "Sign-in failed", "The identity provider did not say who signed in.");
    crm.logger.info({ user: who }, "record pages: signed in");
    return reply.header("set-cookie", [pendingCookie(req, "", 0), startSession(req, `${PERSON_PREFIX}${who}`)]).header("cache-control", "no-store").redirect(done.returnTo, 303);
  });
}

/** Where to send the browser after signing out of the pages: the provider's end-session page, if it has one. */
export function endSessionUrl(people: PeopleSignIn, req: FastifyRequest): Promise<string | undefined> {
  return people.rp.endSessionUrl(undefined, `${requestOrigin(req)}/main.aspx`);
}
