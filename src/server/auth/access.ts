/**
 * Who may use each route of the API: the one place where a route's role is declared. The gate
 * (gate.ts) refuses every request this table does not allow, and refuses at start-up any API
 * route missing from it, so a new route cannot go out open by accident. The generated OpenAPI
 * document (../api-doc.ts) states the same grants per operation.
 *
 * A grant is a role, optionally narrowed:
 * - `agent:self`     only on the agent in the path (`:id`) who is the signed-in person;
 * - `caller:own`     only on a call (`:id`) the same person or app placed;
 * - `supervisor:observe`  only on a socket opened with `?observe=1` (it cannot act).
 * An app (client credentials) holds no person's identity: its narrowed grants apply to every
 * agent and call. `administrator` holds every grant a supervisor does.
 * `public` needs nothing; `signed-in` needs any person or app.
 */
import type { Role } from "../../identity/roles.js";

export type Grant = "public" | "signed-in" | Role | "agent:self" | "caller:own" | "supervisor:observe";

const AGENT_OR_SUPERVISOR: Grant[] = ["agent:self", "supervisor"];

export const ROUTE_ACCESS: Record<string, Grant[]> = {
  "GET /api/openapi.json": ["public"],
  "GET /api/openapi-platform.json": ["public"],
  "GET /api/session": ["public"],
  "GET /auth/login": ["public"],
  "GET /auth/callback": ["public"],
  "POST /auth/logout": ["public"],
  "GET /api/info": ["signed-in"],
  "GET /api/flows": ["signed-in"],
  "GET /api/flows/:id/graph.svg": ["signed-in"],

  "POST /api/calls": ["caller"],
  "GET /api/calls/:id": ["caller:own", "supervisor"],
  "POST /api/calls/:id/digits": ["caller:own"],
  "POST /api/calls/:id/hangup": ["caller:own"],
  "GET /api/calls/:id/ws": ["caller:own", "supervisor:observe"],
  "GET /api/calls/:id/audio": ["caller:own"],
  "POST /api/calls/:id/ani": ["caller:own", "supervisor"],
  // The dialler's side: an app playing the dialler holds the caller role, as the softphone's does.
  "POST /api/campaign-calls": ["caller", "supervisor"],
  // A web page's backend asks on its customer's behalf, as the softphone places a call.
  "POST /api/web-callbacks": ["caller", "supervisor"],

  "GET /api/agents": ["supervisor"],
  "GET /api/agents/:id": AGENT_OR_SUPERVISOR,
  "POST /api/agents/:id/login": AGENT_OR_SUPERVISOR,
  "POST /api/agents/:id/logout": AGENT_OR_SUPERVISOR,
  "POST /api/agents/:id/state": AGENT_OR_SUPERVISOR,
  "POST /api/agents/:id/accept": ["agent:self"],
  "POST /api/agents/:id/decline": ["agent:self"],
  "POST /api/agents/:id/end": ["agent:self"],
  "POST /api/agents/:id/wrapup": ["agent:self"],
  "POST /api/agents/:id/hold": ["agent:self"],
  "POST /api/agents/:id/resume": ["agent:self"],
  "POST /api/agents/:id/mute": ["agent:self"],
  "POST /api/agents/:id/cad": ["agent:self"],
  "POST /api/agents/:id/transfer": ["agent:self"],
  "POST /api/agents/:id/consult": ["agent:self"],
  "POST /api/agents/:id/consult/conference": ["agent:self"],
  "POST /api/agents/:id/consult/transfer": ["agent:self"],
  "POST /api/agents/:id/consult/end": ["agent:self"],
  "GET /api/agents/:id/ws": AGENT_OR_SUPERVISOR,
  "GET /api/agents/:id/audio": ["agent:self"],
  "POST /api/agents/:id/outdial": ["agent:self"],
  "GET /api/agents/:id/preview": AGENT_OR_SUPERVISOR,
  "POST /api/agents/:id/preview/accept": ["agent:self"],
  "POST /api/agents/:id/preview/skip": ["agent:self"],
  "GET /api/campaigns": ["supervisor"],
  "POST /api/campaigns": ["supervisor"],
  "GET /api/campaigns/:id": ["supervisor"],
  "POST /api/campaigns/:id/stop": ["supervisor"],

  "GET /api/queues": ["supervisor"],
  "GET /api/contacts": ["supervisor"],
  "GET /api/contacts/:id": ["supervisor"],
  "GET /api/contacts/:id/graph.svg": ["supervisor"],
  "GET /api/supervisor/ws": ["supervisor"],
  // Prometheus scrapes with a bearer token (its oauth2 client-credentials config); see docs/observability.md.
  "GET /metrics": ["supervisor"],
  "GET /api/reports": ["supervisor"],
  "GET /api/records": ["supervisor"],
  "GET /api/records/:id": ["supervisor"],
};

/** Who placed each call (keyed by its CallSession), for `caller:own`. */
export const callOwners = new WeakMap<object, string>();

export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}

export function accessOf(method: string, url: string): Grant[] | undefined {
  return ROUTE_ACCESS[routeKey(method, url)];
}

/** Who is asking: a person (signed in through OpenID Connect) or an app (client credentials). */
export interface Principal {
  kind: "user" | "app";
  /** Stable id: the user name, or the app's client id. */
  subject: string;
  name: string;
  roles: ReadonlySet<Role>;
  /** The agent this person is (people only). */
  agentId?: string;
  /** How this request proved it: a bearer token or the session cookie. */
  via: "bearer" | "session";
}

export interface AccessFacts {
  /** The `:id` agent of the route, when it has one. */
  agentId?: string;
  /** Who placed the `:id` call, when the route is about one. */
  callOwner?: string;
  observe?: boolean;
}

function holds(p: Principal, role: Role): boolean {
  return p.roles.has(role) || (role === "supervisor" && p.roles.has("administrator"));
}

/** True when one of the grants lets this principal make this request. */
export function allowed(grants: readonly Grant[], p: Principal | undefined, facts: AccessFacts): boolean {
  for (const g of grants) {
    if (g === "public") return true;
    if (!p) continue;
    if (g === "signed-in") return true;
    const [role, narrow] = g.split(":") as [Role, string | undefined];
    if (!holds(p, role)) continue;
    if (!narrow) return true;
    if (narrow === "self" && (p.kind === "app" || (p.agentId !== undefined && p.agentId === facts.agentId))) return true;
    if (narrow === "own" && (p.kind === "app" || (facts.callOwner !== undefined && facts.callOwner === p.subject))) return true;
    if (narrow === "observe" && facts.observe === true) return true;
  }
  return false;
}

/** Words for a refusal: what the route needs, in the table's terms. */
export function describeGrants(grants: readonly Grant[]): string {
  const words: Record<string, string> = {
    "agent:self": "the agent themselves",
    "caller:own": "the caller who placed the call",
    "supervisor:observe": "a supervisor (observing only)",
    "signed-in": "anyone signed in",
    public: "nobody in particular",
  };
  return grants.map((g) => words[g] ?? `role ${g}`).join(" or ");
}
