/**
 * The API's gate, one fastify hook for every route and socket of the scope it is added to:
 * 1. who is asking: a bearer token (Authorization header) or the sign-in session cookie;
 * 2. cross-site: a state-changing request or a WebSocket upgrade from another origin is refused,
 *    and one authenticated by the cookie must carry the CSRF token (or, for a socket, an Origin);
 * 3. what the route's grants in access.ts allow.
 * Refusals are 401 (nobody, or a bad token) and 403 (someone, not allowed), in the API's error shape.
 */
import "@fastify/csrf-protection";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CallRegistry } from "../calls.js";
import { accessOf, allowed, callOwners, describeGrants, type AccessFacts, type Principal } from "./access.js";
import { AuthError, type AuthService } from "./auth-service.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who made this request (set by the gate); undefined for anonymous requests to public routes. */
    principal?: Principal;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function refuse(reply: FastifyReply, err: AuthError): FastifyReply {
  if (err.status === 401) void reply.header("www-authenticate", 'Bearer realm="ccflow", scope="api://ccflow/.default"');
  return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
}

/** Authentication and the cross-site checks; the route's grants are checked by the caller. */
export async function identify(
  auth: AuthService,
  req: FastifyRequest,
  reply: FastifyReply,
  app: FastifyInstance,
  /** `csrf-token` for the API; `origin` where a form cannot carry a token (the CRM's record pages): a cookie-authenticated change then needs an allowed Origin header. */
  crossSite: "csrf-token" | "origin" = "csrf-token",
): Promise<{ principal?: Principal; refused?: AuthError }> {
  const isSocket = (req.headers.upgrade ?? "").toLowerCase() === "websocket";
  const changesState = !SAFE_METHODS.has(req.method) || isSocket;
  const origin = req.headers.origin;
  if (changesState && origin !== undefined && !auth.originAllowed(req, origin)) {
    return { refused: new AuthError(403, "CROSS_ORIGIN", `requests from ${origin} are not accepted here`) };
  }
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { refused: new AuthError(401, "INVALID_TOKEN", "the Authorization header must be `Bearer <access token>`") };
    try {
      return { principal: await auth.bearer(m[1]!) };
    } catch (err) {
      return { refused: err as AuthError };
    }
  }
  const session = await auth.session(req);
  if (!session) return {};
  if (changesState) {
    if (isSocket || crossSite === "origin") {
      // A browser always sends Origin with a WebSocket; none means the cookie came from elsewhere.
      if (origin === undefined) return { refused: new AuthError(403, "CROSS_ORIGIN", `${isSocket ? "a WebSocket" : "a change"} signed in by cookie needs an Origin header`) };
      if (isSocket) auth.sockets.expect(req.raw, session.key);
    } else {
      let passed = false;
      app.csrfProtection(req, reply, () => (passed = true));
      if (!passed) return { refused: new AuthError(403, "CSRF_TOKEN", "this request needs the CSRF token of the session (header x-csrf-token; GET /api/session gives it)") };
    }
  }
  // An external provider's session is asked about again at renewal: ended there, it is nobody's here.
  if (!(await auth.sessions.renewCookie(req, reply, session))) return {};
  return { principal: session.principal };
}

/**
 * Guards every route of `scope` by the table in access.ts; a route missing from the table stops
 * the server at start-up rather than going out unguarded.
 */
export function guardRoutes(scope: FastifyInstance, auth: AuthService, calls: Pick<CallRegistry, "get">): void {
  scope.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) {
      if (method === "HEAD") continue;
      if (!accessOf(method, r.url)) throw new Error(`route ${method} ${r.url} has no role: add it to ROUTE_ACCESS in src/server/auth/access.ts`);
    }
  });
  scope.addHook("onRequest", async (req, reply) => {
    const url = req.routeOptions.url;
    const grants = url ? accessOf(req.method === "HEAD" ? "GET" : req.method, url) : undefined;
    if (!grants) return refuse(reply, new AuthError(403, "FORBIDDEN", "this route has no declared role"));
    // The CSRF check reads the session cookie only when one is there; silence the plugin's logging of misses.
    const { principal, refused } = await identify(auth, req, reply, scope);
    if (reply.sent) return reply;
    if (refused) return refuse(reply, refused);
    if (principal) req.principal = principal;
    if (grants.includes("public")) return;
    const facts = routeFacts(req, url!, calls);
    if (allowed(grants, principal, facts)) return;
    if (!principal) return refuse(reply, new AuthError(401, "UNAUTHENTICATED", `sign in, or send a bearer token; this needs ${describeGrants(grants)}`));
    return refuse(reply, new AuthError(403, "FORBIDDEN", `${principal.name} may not do this; it needs ${describeGrants(grants)}`));
  });
}

function routeFacts(req: FastifyRequest, url: string, calls: Pick<CallRegistry, "get">): AccessFacts {
  const id = (req.params as { id?: string } | undefined)?.id;
  const query = req.query as { observe?: string } | undefined;
  const facts: AccessFacts = { observe: query?.observe === "1" || query?.observe === "true" };
  if (id !== undefined && url.startsWith("/api/agents/:id")) facts.agentId = id;
  if (id !== undefined && url.startsWith("/api/calls/:id")) {
    const session = calls.get(id);
    const owner = session ? callOwners.get(session) : undefined;
    if (owner !== undefined) facts.callOwner = owner;
  }
  return facts;
}
