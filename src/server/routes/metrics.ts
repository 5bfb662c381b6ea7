/** `GET /metrics`: the server's figures in the Prometheus text format (see ../metrics.ts). */
import type { FastifyInstance } from "fastify";
import type { ServerMetrics } from "../metrics.js";

export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get("/metrics", async (_req, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType()).send(text);
  });
}
