/** What the server is, under /api: its OpenAPI document and its addresses, demo data and bindings. */
import type { FastifyPluginAsync } from "fastify";
import type { ServerContext } from "../context.js";
import { buildOpenApi } from "../openapi.js";

export interface InfoRoutesOptions {
  context: ServerContext;
}

export const infoRoutes: FastifyPluginAsync<InfoRoutesOptions> = async (app, { context: ctx }) => {
  app.get("/openapi.json", async () => buildOpenApi(ctx.version));

  app.get("/info", async () => ({
    name: "ccflow",
    version: ctx.version,
    startedAt: ctx.startedAt,
    urls: ctx.urls,
    ...(ctx.crm ? { crm: { tenantId: ctx.crm.tenantId, clientId: ctx.crm.clientId, ...(ctx.urls.tokenUrl ? { tokenUrl: ctx.urls.tokenUrl } : {}) } } : {}),
    defaultDnis: ctx.defaultDnis,
    demo: ctx.demo,
    bindings: ctx.runtime.bindings,
  }));
};
