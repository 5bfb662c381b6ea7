/**
 * The API's areas, each a fastify plugin with its prefix and the parts it works with passed as
 * options. A new area is a new file registered here with one line; its routes' roles go in
 * ../auth/access.ts (a route missing there stops the server at start-up).
 */
import type { FastifyPluginAsync } from "fastify";
import type { ServerContext } from "../context.js";
import type { ServerMetrics } from "../metrics.js";
import { audioRoutes } from "./agent-audio.js";
import { agentRoutes } from "./agents.js";
import { callControlRoutes } from "./call-controls.js";
import { callRoutes } from "./calls.js";
import { callerNumberRoutes } from "./caller-number.js";
import { campaignCallRoutes } from "./campaign-calls.js";
import { diallerRoutes } from "./dialler.js";
import { flowRoutes } from "./flows.js";
import { infoRoutes } from "./info.js";
import { metricsRoutes } from "./metrics.js";
import { recordRoutes } from "./records.js";
import { reportRoutes } from "./reports.js";
import { socketRoutes } from "./sockets.js";
import { supervisorRoutes } from "./supervisor.js";
import { webCallbackRoutes } from "./web-callbacks.js";

export interface ApiParts {
  context: ServerContext;
  metrics: ServerMetrics;
  /** Agents played by the machine. */
  simulated: ReadonlySet<string>;
  /** Where a socket message that does not fit its schema is reported (socket-messages.ts). */
  warn?: (message: string) => void;
}

export const apiRoutes: FastifyPluginAsync<ApiParts> = async (api, { context, metrics, simulated, warn }) => {
  const { calls, center, desk, flows, clock, records, voice, controls, defaultDnis, forwarding, journal } = context;
  await api.register(infoRoutes, { prefix: "/api", context });
  await api.register(flowRoutes, { prefix: "/api/flows", flows });
  await api.register(callRoutes, { prefix: "/api/calls", calls, center, flows, defaultDnis, ...(voice ? { voice } : {}), ...(forwarding ? { forwarding } : {}) });
  await api.register(callerNumberRoutes, { prefix: "/api/calls", calls });
  await api.register(campaignCallRoutes, { prefix: "/api/campaign-calls", calls, center, flows, defaultDnis });
  await api.register(diallerRoutes, { prefix: "/api", calls, ...(context.dialler ? { dialler: context.dialler } : {}) });
  await api.register(webCallbackRoutes, { prefix: "/api/web-callbacks", calls, center, flows, defaultDnis });
  await api.register(agentRoutes, { prefix: "/api/agents", center, desk, simulated, ...(controls ? { controls } : {}) });
  await api.register(callControlRoutes, { prefix: "/api/agents", center, desk, ...(controls ? { controls } : {}), ...(forwarding ? { forwarding } : {}) });
  await api.register(supervisorRoutes, { prefix: "/api", center, calls });
  await api.register(reportRoutes, { prefix: "/api/reports", center, ...(records ? { records } : {}) });
  await api.register(recordRoutes, { prefix: "/api/records", ...(records ? { records } : {}) });
  await api.register(audioRoutes, { prefix: "/api", center, calls, ...(voice ? { voice } : {}), ...(warn ? { warn } : {}) });
  await api.register(metricsRoutes, { prefix: "/metrics", metrics });
  await api.register(socketRoutes, { prefix: "/api", calls, center, desk, clock, simulated, ...(records ? { records } : {}), ...(warn ? { warn } : {}), ...(journal ? { journal } : {}) });
};
