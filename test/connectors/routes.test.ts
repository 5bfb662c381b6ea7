/**
 * The environment's `http.routes`, unit by unit: which URL a pattern takes (as sent or decoded,
 * the query ignored unless asked for, a method if given), where `to:` sends it, what a
 * `fixture:` answers, and the clear error for a route that is neither or both.
 */
import { describe, expect, it } from "vitest";
import { environmentSchema } from "../../src/environment/schema.js";
import { formatZodIssues } from "../../src/environment/load.js";
import { httpRouteSchema, rebase, routeHandler, type HttpRoute } from "../../src/connectors/routes.js";
import { VirtualClock } from "../../src/time/clock.js";

const routes = (list: unknown[]): HttpRoute[] => list.map((r) => httpRouteSchema.parse(r));

describe("http.routes matching", () => {
  const handler = routeHandler(
    routes([
      { url: "https://journey.example.com/v1/*", method: "post", fixture: { status: 202 } },
      { url: "https://journey.example.com/*?identity=+1408*", fixture: { body: { found: true } } },
      { url: { regex: "^https://[a-z]+\\.my\\.salesforce\\.com/" }, to: "http://127.0.0.1:9000" },
    ]),
  );

  it("takes the first route whose pattern and method match", () => {
    expect(handler.find("POST", "https://journey.example.com/v1/events")?.fixture).toEqual({ status: 202 });
    expect(handler.find("GET", "https://journey.example.com/v1/events")).toBeUndefined();
    expect(handler.find("GET", "https://acme.my.salesforce.com/services/data/v58.0/query?q=x")?.to).toBe("http://127.0.0.1:9000");
    expect(handler.find("GET", "https://example.org/")).toBeUndefined();
  });

  it("matches the URL as sent or percent-decoded, the query only when the pattern has one", () => {
    expect(handler.find("GET", "https://journey.example.com/people?identity=%2B14085550100")?.fixture).toEqual({ body: { found: true } });
    expect(handler.find("GET", "https://journey.example.com/people?identity=%2B3312345")).toBeUndefined();
  });

  it("answers a fixture route on the call's clock", async () => {
    const clock = new VirtualClock({ start: 0 });
    const slow = routeHandler(routes([{ url: "https://slow.example.com/*", fixture: { delaySeconds: 3, status: 503, body: "busy" } }]));
    const answer = await slow.answer({ url: "https://slow.example.com/x", method: "GET", headers: {} }, { clock, signal: new AbortController().signal });
    expect(answer).toEqual({ status: 503, headers: undefined, body: "busy" });
    expect(clock.now()).toBe(3_000);
  });
});

describe("http.routes to: a local base URL", () => {
  it("keeps the path and query and replaces the origin, after the base's own path", () => {
    expect(rebase("https://api.example.com/v1/x?q=1", "http://127.0.0.1:9000")).toBe("http://127.0.0.1:9000/v1/x?q=1");
    expect(rebase("https://api.example.com/v1/x", "http://127.0.0.1:9000/mock/")).toBe("http://127.0.0.1:9000/mock/v1/x");
  });
});

describe("http.routes in the environment file", () => {
  const problem = (route: unknown) => {
    const parsed = environmentSchema.safeParse({ http: { routes: [route] } });
    return parsed.success ? undefined : formatZodIssues(parsed.error.issues, "env");
  };

  it("is empty by default and reads both kinds", () => {
    expect(environmentSchema.parse({}).http.routes).toEqual([]);
    expect(problem({ url: "https://a.example.com/*", to: "http://127.0.0.1:8080" })).toBeUndefined();
    expect(problem({ url: "https://a.example.com/*", fixture: { status: 200, body: [] } })).toBeUndefined();
  });

  it("refuses a route that is neither or both, a base URL that is not one, a bad regex — naming where", () => {
    expect(problem({ url: "https://a.example.com/*" })).toMatch(/http\.routes\[0\]: a route has either to: \(a base URL\) or fixture:/);
    expect(problem({ url: "x", to: "http://127.0.0.1:1", fixture: {} })).toMatch(/not both and not neither/);
    expect(problem({ url: "x", to: "ftp://127.0.0.1/" })).toMatch(/to.*must be an http\(s\) base URL/);
    expect(problem({ url: { regex: "([" }, fixture: {} })).toMatch(/url.*not a valid regular expression/);
  });
});
