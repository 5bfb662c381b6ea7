/** `GET /metrics`: the server's figures in the Prometheus text format (see ../metrics.ts). */
import type { FastifyPluginAsync } from "fastify";
import { tagRoutes } from "../api-doc.js";
import { text } from "../response-schemas.js";
import type { ServerMetrics } from "../metrics.js";

export interface MetricsRoutesOptions {
  metrics: ServerMetrics;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics }) => {
  tagRoutes(app, "reports");
  const summary = "Figures in the Prometheus text format: contacts, queues, agents, connector and CRM latency, process (docs/observability.md)";
  app.get("", { schema: { summary, response: { 200: text("text/plain", "Prometheus text exposition format 0.0.4") } } }, async (_req, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType()).send(text);
  });
};
