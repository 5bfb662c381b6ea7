/**
 * A scenario's `http:` answers as the connector layer's in-process fixture handler: the first
 * entry that matches the connector, method and path answers (after its delay, on the call's
 * clock), or fails the way a network fails. Requests no entry answers go to the embedded CRM
 * when the scenario loads one; otherwise they are recorded and the scenario fails, because a
 * silently invented answer would test nothing.
 */
import type { Clock } from "../time/clock.js";
import { playCannedAnswer, type FixtureHandler, type FixtureRequest, type FixtureResponse } from "../connectors/transport.js";
import type { RouteHandler } from "../connectors/routes.js";
import { matchRequest, requestTarget } from "./match.js";
import type { HttpFixture } from "./schema.js";

export interface ConnectorView {
  id: string;
  name: string;
  resourceDomain: string;
  tokenUrl?: string;
}

export interface FixtureLog {
  /** Requests nothing answered: `GET contacts?...` (connector name). */
  unmatched: string[];
}

/** Longest a `failure: timeout` request waits; the activity's deadline ends it long before. */

export function createScenarioFixtures(options: {
  fixtures: HttpFixture[];
  connectors: () => ConnectorView[];
  forward?: (req: FixtureRequest, tools: { clock: Clock; signal: AbortSignal }) => Promise<FixtureResponse>;
  /** The environment's `http.routes`: they answer what no entry does, before `forward`. */
  routes?: RouteHandler;
  log: FixtureLog;
}): FixtureHandler {
  const used = new Map<HttpFixture, number>();
  return async (req, tools) => {
    const connectors = options.connectors();
    const connector = req.connectorId ? connectors.find((c) => c.id === req.connectorId) : undefined;
    const isToken = connectors.some((c) => c.tokenUrl && req.url.split("?")[0] === c.tokenUrl);
    const target = requestTarget(req.url, connector?.resourceDomain);
    const fixture = isToken
      ? undefined
      : options.fixtures.find((f) => {
          if (f.times !== undefined && (used.get(f) ?? 0) >= f.times) return false;
          if (f.connector !== undefined && !(connector && (f.connector === connector.id || f.connector.toLowerCase() === connector.name.toLowerCase()))) return false;
          if (f.method !== undefined && f.method.toUpperCase() !== req.method.toUpperCase()) return false;
          if (f.path !== undefined && !matchRequest(f.path, req.url, connector?.resourceDomain)) return false;
          return true;
        });
    if (!fixture) {
      const routed = options.routes?.answer(req, tools);
      if (routed) return routed;
      if (options.forward) return options.forward(req, tools);
      if (isToken) {
        // Connectors the environment gives OAuth credentials still need a token before the
        // fixture answers the request itself; any token will do.
        return { status: 200, body: { access_token: "scenario-fixture-token", token_type: "Bearer", expires_in: 3600 } };
      }
      options.log.unmatched.push(`${req.method} ${target}${connector ? ` (connector ${connector.name})` : ""}`);
      return { status: 404, body: { error: { code: "ccflow-no-fixture", message: `no http: entry of the scenario answers ${req.method} ${target}` } } };
    }
    used.set(fixture, (used.get(fixture) ?? 0) + 1);
    return playCannedAnswer(fixture, tools);
  };
}
