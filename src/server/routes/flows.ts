/** The flows that take calls, under /api/flows, and each one drawn as Flow Designer lays it out. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { renderFlowSvg } from "../../graph/index.js";
import type { FlowCatalog } from "../flows.js";
import { idParams } from "../schemas.js";
import { requireFlow } from "./lookups.js";

export interface FlowRoutesOptions {
  flows: FlowCatalog;
}

export const flowRoutes: FastifyPluginAsyncZod<FlowRoutesOptions> = async (app, { flows }) => {
  app.get("", async () => {
    const first = flows.default.id;
    return flows.list().map((f) => ({
      id: f.id,
      name: f.name,
      ...(f.description ? { description: f.description } : {}),
      source: f.source,
      default: f.id === first,
    }));
  });

  app.get("/:id/graph.svg", { schema: { params: idParams("Flow id") } }, async (req, reply) => reply.type("image/svg+xml").send(renderFlowSvg(requireFlow(flows, req.params.id).definition)));
};
