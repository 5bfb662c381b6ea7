/** The flows that take calls, under /api/flows, and each one drawn as Flow Designer lays it out. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderFlowSvg } from "../../graph/index.js";
import { tagRoutes } from "../api-doc.js";
import type { FlowCatalog } from "../flows.js";
import { errors, flowSummary, json, text } from "../response-schemas.js";
import { idParams } from "../schemas.js";
import { requireFlow } from "./lookups.js";

export interface FlowRoutesOptions {
  flows: FlowCatalog;
}

export const flowRoutes: FastifyPluginAsyncZod<FlowRoutesOptions> = async (app, { flows }) => {
  tagRoutes(app, "info");

  app.get("", { schema: { summary: "Flows that take calls (the first is the default)", response: { 200: json(z.array(flowSummary)) } } }, async () => {
    const first = flows.default.id;
    return flows.list().map((f) => ({
      id: f.id,
      name: f.name,
      ...(f.description ? { description: f.description } : {}),
      source: f.source,
      default: f.id === first,
    }));
  });

  app.get(
    "/:id/graph.svg",
    { schema: { summary: "The flow drawn as Flow Designer lays it out (SVG)", params: idParams("Flow id"), response: { 200: text("image/svg+xml", "SVG picture"), ...errors(404) } } },
    async (req, reply) => reply.type("image/svg+xml").send(renderFlowSvg(requireFlow(flows, req.params.id).definition)),
  );
};
