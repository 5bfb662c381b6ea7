/**
 * Sign-in for the record pages of the CRM run on its own (startCrmServer: `ccflow call`, flow
 * tests, benchmarks). Inside `ccflow serve` the server's own sign-in guards them instead; here
 * the CRM has no people, so the pages take the credentials its token service takes: an app
 * registration's client id and secret (the development app's are printed at start). Wrong
 * secrets are counted with the token endpoint's (per client and address). A session is a random
 * id in an HttpOnly, SameSite=Lax cookie (Secure under HTTPS), good for 8 hours, kept in the data
 * directory (page-sessions.ts) so that it outlives a restart; a change posted with it needs this
 * site's Origin.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requestOrigin } from "../auth/routes.js";
import type { Crm } from "../crm.js";
import { esc, page } from "./html.js";
import type { PageSessions } from "./page-sessions.js";

const COOKIE = "ccflow_crm_pages";
export const PAGE_SESSION_MS = 8 * 3600_000;
const PAGES = /^\/main\.aspx(?:[?#]|$)/i;
const SIGN_IN = "/crm/sign-in";

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

export function registerPageSignIn(app: FastifyInstance, crm: Crm, sessions: PageSessions): void {
  // A session ends with its app registration (removed, or an internal client gone with its run).
  const live = (req: FastifyRequest): string | undefined => {
    const id = cookieOf(req);
    return id ? sessions.get(id, (clientId) => crm.apps.get(clientId) !== undefined) : undefined;
  };

  app.addHook("onRequest", async (req, reply) => {
    if (!PAGES.test(req.url)) return;
    if (!live(req)) {
      if (req.method === "GET" || req.method === "HEAD") return reply.redirect(`${SIGN_IN}?returnTo=${encodeURIComponent(req.url)}`, 303);
      return reply.code(401).type("text/plain; charset=utf-8").send("Sign in first: the CRM's record pages need a sign-in (GET /crm/sign-in).");
    }
    // The cookie goes along with a form posted from another page of this machine (same site): only this site's pages may change records.
    if (req.method !== "GET" && req.method !== "HEAD" && req.headers.origin !== requestOrigin(req)) {
      return reply.code(403).type("text/plain; charset=utf-8").send("A change to the CRM's records must come from its own pages (Origin header).");
    }
    return undefined;
  });

  app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, body));

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
      const id = randomBytes(32).toString("base64url");
      sessions.create(id, clientId.toLowerCase());
      const secure = req.protocol === "https" ? "; Secure" : "";
      return reply.header("set-cookie", `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${PAGE_SESSION_MS / 1000}${secure}`).header("cache-control", "no-store").redirect(returnTo, 303);
    });
  });
}
