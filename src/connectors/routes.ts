/**
 * The environment's `http.routes`: where a request whose URL matches a pattern goes instead of
 * the network — to a local base URL (`to:`, for a mock or a recorder running on this machine) or
 * to a canned answer (`fixture:`, the same fields as a scenario's `http:` entry). The first route
 * that matches wins; a request no route matches goes where it would have gone.
 *
 * A pattern is the whole URL with `*` for any characters, matched against the URL as sent and
 * percent-decoded (without a `?` in the pattern the query string is ignored), or `{ regex }`.
 * `to:` keeps the request's path and query and replaces its origin: with `to:
 * http://127.0.0.1:9000/mock`, `https://api.example.com/v1/x?q=1` goes to
 * `http://127.0.0.1:9000/mock/v1/x?q=1`.
 *
 * Routes answer in two places: `routedTransport` puts them in front of the real transport (serve,
 * call), and `routeHandler` lets per-run answers (`call --fixtures`, a scenario's `http:`) fall
 * back to them before anything else.
 */
import { request } from "undici";
import { z } from "zod";
import type { Clock } from "../time/clock.js";
import { createFixtureTransport, networkError, playCannedAnswer, type FixtureRequest, type FixtureResponse, type Transport } from "./transport.js";

const pattern = z.union([
  z.string().min(1).describe("The URL with `*` for any characters; the query string is ignored unless the pattern has a `?`."),
  z
    .object({
      regex: z
        .string()
        .min(1)
        .refine((s) => regexProblem(s) === undefined, { message: "not a valid regular expression" }),
    })
    .strict(),
]);

const baseUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.search === "" && u.hash === "";
    } catch {
      return false;
    }
  },
  { message: "must be an http(s) base URL without a query, such as http://127.0.0.1:9000" },
);

export const routeAnswerSchema = z
  .object({
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    delaySeconds: z.number().min(0).optional(),
    failure: z.enum(["timeout", "reset", "refused"]).optional(),
  })
  .strict();

export const httpRouteSchema = z
  .object({
    url: pattern,
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, "must be an HTTP method such as GET or POST")
      .optional(),
    to: baseUrl.optional(),
    fixture: routeAnswerSchema.optional(),
  })
  .strict()
  .refine((r) => (r.to === undefined) !== (r.fixture === undefined), { message: "a route has either to: (a base URL) or fixture: (an answer), not both and not neither" });

export type HttpRoute = z.infer<typeof httpRouteSchema>;

function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
}

interface CompiledRoute {
  route: HttpRoute;
  test(url: string): boolean;
}

function compileRoute(route: HttpRoute): CompiledRoute {
  if (typeof route.url !== "string") {
    const re = new RegExp(route.url.regex);
    return { route, test: (url) => re.test(url) || re.test(decode(url)) };
  }
  const withQuery = route.url.includes("?");
  const re = globRegExp(route.url);
  return {
    route,
    test(url) {
      const subject = withQuery ? url : url.split("?")[0]!;
      return re.test(subject) || re.test(decode(subject));
    },
  };
}

/** `url` with its origin replaced by `base` (whose path, if any, goes before the request's). */
export function rebase(url: string, base: string): string {
  const u = new URL(url);
  return `${base.replace(/\/+$/, "")}${u.pathname}${u.search}`;
}

async function answer(route: HttpRoute, req: FixtureRequest, tools: { clock: Clock; signal: AbortSignal }): Promise<FixtureResponse> {
  if (route.to !== undefined) {
    const url = rebase(req.url, route.to);
    // A real socket: the virtual clock must not move while the local server works.
    return tools.clock.track(
      (async () => {
        try {
          const res = await request(url, { method: req.method as "GET", headers: req.headers, body: req.body, signal: tools.signal });
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
          return { status: res.statusCode, headers, body: await res.body.text() };
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          throw typeof code === "string" ? networkError(code) : err;
        }
      })(),
    );
  }
  return playCannedAnswer(route.fixture!, tools);
}

export interface RouteHandler {
  /** The first route matching a request, or undefined. */
  find(method: string, url: string): HttpRoute | undefined;
  /** The answer of the first route matching the request, or undefined when none does. */
  answer(req: FixtureRequest, tools: { clock: Clock; signal: AbortSignal }): Promise<FixtureResponse> | undefined;
}

export function routeHandler(routes: readonly HttpRoute[]): RouteHandler {
  const compiled = routes.map(compileRoute);
  const find = (method: string, url: string) => compiled.find((c) => (c.route.method === undefined || c.route.method.toUpperCase() === method.toUpperCase()) && c.test(url))?.route;
  return {
    find,
    answer(req, tools) {
      const route = find(req.method, req.url);
      return route ? answer(route, req, tools) : undefined;
    },
  };
}

/** `inner` with the routes in front of it; with no routes, `inner` itself. */
export function routedTransport(routes: readonly HttpRoute[], inner: Transport): Transport {
  if (routes.length === 0) return inner;
  const handler = routeHandler(routes);
  const viaRoutes = createFixtureTransport((req, tools) => {
    const route = handler.find(req.method, req.url)!;
    return answer(route, req, tools);
  });
  return {
    send(req, clock) {
      return handler.find(req.method, req.url) ? viaRoutes.send(req, clock) : inner.send(req, clock);
    },
    close: inner.close ? () => inner.close!() : undefined,
  };
}
