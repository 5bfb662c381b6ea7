/** What the server is, under /api: its OpenAPI document and its addresses, demo data and bindings. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { tagRoutes } from "../api-doc.js";
import type { ServerContext } from "../context.js";
import { errors, info, json } from "../response-schemas.js";
import { platformDocument } from "../platform-doc.js";

export interface InfoRoutesOptions {
  context: ServerContext;
}

export const infoRoutes: FastifyPluginAsyncZod<InfoRoutesOptions> = async (app, { context: ctx }) => {
  tagRoutes(app, "info");

  app.get(
    "/openapi.json",
    { schema: { summary: "This document: OpenAPI 3.1, generated from the routes' schemas", response: { 200: json(z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }), "The OpenAPI document") } } },
    async () => app.swagger(),
  );

  // Built once: what it lists depends only on what this server runs.
  const platform = platformDocument({ version: ctx.version, crm: Boolean(ctx.urls.crm), identity: ctx.signIn.embedded, sip: Boolean(ctx.urls.sipWebSocket) });
  app.get(
    "/openapi-platform.json",
    {
      schema: {
        summary: "The embedded CRM's Web API and token service, the identity service and SIP over WebSocket: a second OpenAPI 3.1 document",
        response: { 200: json(z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }), "The OpenAPI document") },
      },
    },
    async () => platform,
  );

  app.get("/info", { schema: { summary: "URLs, demo callers and agents, embedded CRM app", response: { 200: json(info), ...errors(503) } } }, async () => ({
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
