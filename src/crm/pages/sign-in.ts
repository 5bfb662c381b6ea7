/**
 * Sign-in for the record pages of the CRM run on its own (startCrmServer: `ccflow call`, flow
 * tests, benchmarks). Inside `ccflow serve` the server's own sign-in guards them instead. Here:
 * - configured with an OpenID Connect provider (`CCFLOW_CRM_OIDC_*`), people sign in there
 *   (people-sign-in.ts), and the app form below is closed;
 * - otherwise the pages take the credentials its token service takes: an app registration's
 *   client id and secret (the development app's are printed at start). Wrong secrets are counted
 *   with the token endpoint's (per client and address).
 * Either way a session is a random id in an HttpOnly, SameSite=Lax cookie (Secure under HTTPS),
 * good for 8 hours, kept in the data directory (page-sessions.ts) so that it outlives a restart.
 * A form posted with it needs this site's Origin and the session's CSRF token, which the pages'
 * forms carry (an HMAC of the session id under a secret kept with the sessions).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requestOrigin } from "../auth/routes.js";
import type { Crm } from "../crm.js";
import { esc, page } from "./html.js";
import type { PageSessions } from "./page-sessions.js";
import { endSessionUrl, PEOPLE_LOGIN, PERSON_PREFIX, registerPeopleSignIn, type PeopleSignIn } from "./people-sign-in.js";

const COOKIE = "ccflow_crm_pages";
export const PAGE_SESSION_MS = 8 * 3600_000;
const PAGES = /^\/main\.aspx(?:[?#]|$)/i;
const SIGN_IN = "/crm/sign-in";
const SIGN_OUT = "/crm/sign-out";
const CSRF_FIELD = "_csrf";

function cookieOf(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A path on this server (never another site). */
function safeReturn(value: unknown): string {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") && !value.includes("\\") && !/[\r\n]/.test(value) ? value : "/main.aspx";
}

function signInForm(returnTo: string, error?: string, clientId = ""): string {
  return page(
    "Sign in",
    `<h1>Sign in to the CRM</h1>
<p class="muted">This CRM runs on its own: sign in with an app registration's client id and secret (the ones its token service takes; the development app's are printed when it starts).</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ""}
<form method="post" action="${SIGN_IN}">
<input type="hidden" name="returnTo" value="${esc(returnTo)}">
<label>Client id <input name="client_id" value="${esc(clientId)}" autocomplete="username" required></label>
<label>Client secret <input name="client_secret" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`,
  );
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .headers({ "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-frame-options": "DENY", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" })
    .send(body);
}

export function registerPageSignIn(app: FastifyInstance, crm: Crm, sessions: PageSessions, people?: PeopleSignIn): void {
  // An app's session ends with its app registration (removed, or an internal client gone with its run); a person's with its time.
  const live = (req: FastifyRequest): { id: string; owner: string } | undefined => {
    const id = cookieOf(req);
    const owner = id ? sessions.get(id, (who) => who.startsWith(PERSON_PREFIX) || crm.apps.get(who) !== undefined) : undefined;
    return id && owner ? { id, owner } : undefined;
  };
  const csrfSecret = sessions.secret("csrf");
  const csrfToken = (sessionId: string) => createHmac("sha256", csrfSecret).update(sessionId).digest("base64url");
  const csrfValid = (sessionId: string, given: string | null) => {
    const want = Buffer.from(csrfToken(sessionId));
    const got = Buffer.from(given ?? "");
    return got.length === want.length && timingSafeEqual(got, want);
  };
  const startSession = (req: FastifyRequest, owner: string): string => {
    const id = randomBytes(32).toString("base64url");
    sessions.create(id, owner);
    return `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${PAGE_SESSION_MS / 1000}${req.protocol === "https" ? "; Secure" : ""}`;
  };
  const signInAt = (returnTo: string) => `${people ? PEOPLE_LOGIN : SIGN_IN}?returnTo=${encodeURIComponent(returnTo)}`;
  const changing = (req: FastifyRequest) => req.method !== "GET" && req.method !== "HEAD";

  app.addHook("onRequest", async (req, reply) => {
    if (!PAGES.test(req.url) && !(req.url.split("?")[0] === SIGN_OUT && changing(req))) return;
    const session = live(req);
    if (!session) {
      if (!changing(req)) return reply.redirect(signInAt(req.url), 303);
      return reply.code(401).type("text/plain; charset=utf-8").send(`Sign in first: the CRM's record pages need a sign-in (GET ${people ? PEOPLE_LOGIN : SIGN_IN}).`);
    }
    // The cookie goes along with a form posted from another page of this machine (same site): only this site's pages may change records.
    if (changing(req) && req.headers.origin !== requestOrigin(req)) {
      return reply.code(403).type("text/plain; charset=utf-8").send("A change to the CRM's records must come from its own pages (Origin header).");
    }
    (req as FastifyRequest & { pageSession?: string }).pageSession = session.id;
    return undefined;
  });

  // Every change needs the session's CSRF token, which the pages put into their forms.
  app.addHook("preHandler", async (req, reply) => {
    const sessionId = (req as FastifyRequest & { pageSession?: string }).pageSession;
    if (!sessionId || !changing(req)) return undefined;
    const given = new URLSearchParams(typeof req.body === "string" ? req.body : "").get(CSRF_FIELD);
    if (csrfValid(sessionId, given)) return undefined;
    return reply.code(403).type("text/plain; charset=utf-8").send("This form is stale or was not made by the CRM's pages (CSRF token); open the page again.");
  });
  app.addHook("onSend", async (req, reply, payload) => {
    const sessionId = (req as FastifyRequest & { pageSession?: string }).pageSession;
    if (!sessionId || typeof payload !== "string" || !String(reply.getHeader("content-type") ?? "").startsWith("text/html")) return payload;
    const csp = reply.getHeader("content-security-policy");
    if (people && typeof csp === "string") void reply.header("content-security-policy", csp.replace("form-action 'self'", `form-action 'self' ${people.providerOrigin}`));
    const token = `<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(sessionId)}">`;
    const withToken = payload.replace(/<form\b[^>]*\bmethod="post"[^>]*>/gi, (form) => `${form}${token}`);
    // A signed-in reader can sign out from every page.
    return withToken.replace("</body>", `<form method="post" action="${SIGN_OUT}" class="sign-out">${token}<button type="submit">Sign out</button></form></body>`);
  });

  app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, body));

    if (people) {
      registerPeopleSignIn(scope, crm, people, startSession, safeReturn, (reply, status, title, text) => html(reply, status, page(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`)));
      // People sign in at the provider: the app form is closed.
      scope.get<{ Querystring: { returnTo?: string } }>(SIGN_IN, async (req, reply) => reply.redirect(signInAt(safeReturn(req.query.returnTo)), 303));
      scope.post(SIGN_IN, async (_req, reply) => html(reply, 403, page("Refused", "<h1>Refused</h1><p>This CRM signs people in through its identity provider, not with app credentials.</p>")));
    } else {
      scope.get<{ Querystring: { returnTo?: string } }>(SIGN_IN, async (req, reply) => html(reply, 200, signInForm(safeReturn(req.query.returnTo))));
      scope.post(SIGN_IN, async (req, reply) => {
        const origin = req.headers.origin;
        if (origin !== undefined && origin !== "null" && origin !== requestOrigin(req)) return html(reply, 403, page("Refused", "<h1>Refused</h1><p>The sign-in form was posted from another site.</p>"));
        const form = new URLSearchParams(typeof req.body === "string" ? req.body : "");
        const clientId = (form.get("client_id") ?? "").trim();
        const secret = form.get("client_secret") ?? "";
        const returnTo = safeReturn(form.get("returnTo"));
        const guardKeys = clientId && !crm.apps.isInternal(clientId) ? [`client:${clientId.toLowerCase()}|ip:${req.ip}`] : [];
        const attempt = await crm.secretGuard.attempt(guardKeys);
        if (attempt.wait > 0) return html(reply.header("retry-after", String(attempt.wait)), 429, signInForm(returnTo, `Too many failed sign-ins for this client from here; try again in ${attempt.wait} s.`, clientId));
        if (!clientId || !secret || (await crm.apps.check(clientId, secret)) !== "ok") {
          crm.logger.info({ clientId }, "record pages: sign-in refused");
          return html(reply, 401, signInForm(returnTo, "Wrong client id or secret.", clientId));
        }
        await attempt.succeeded();
        return reply.header("set-cookie", startSession(req, clientId.toLowerCase())).header("cache-control", "no-store").redirect(returnTo, 303);
      });
    }

    // Ends the page session (Origin and CSRF checked by the hooks above); a person is then sent to the provider's sign-out.
    scope.post(SIGN_OUT, async (req, reply) => {
      const id = cookieOf(req);
      if (id) sessions.remove(id);
      const clear = `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${req.protocol === "https" ? "; Secure" : ""}`;
      const next = (people ? await endSessionUrl(people, req) : undefined) ?? signInAt("/main.aspx");
      return reply.header("set-cookie", clear).header("cache-control", "no-store").redirect(next, 303);
    });
  });
}
