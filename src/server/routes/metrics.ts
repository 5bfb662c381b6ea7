/** `GET /metrics`: the server's figures in the Prometheus text format (see ../metrics.ts). */
import type { FastifyPluginAsync } from "fastify";
import type { ServerMetrics } from "../metrics.js";

export interface MetricsRoutesOptions {
  metrics: ServerMetrics;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics }) => {
  app.get("", async (_req, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType()).send(text);
  });
};
