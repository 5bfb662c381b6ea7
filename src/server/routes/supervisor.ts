/** The supervisor's view, under /api: queues in routing order, contacts, and each contact's trace and path through its flow. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ContactCenter } from "../../center/index.js";
import { renderFlowSvg, type TraceStep } from "../../graph/index.js";
import type { CallRegistry } from "../calls.js";
import { contactSummary, contactTrace } from "../contact-views.js";
import { contactsQuery, idParams } from "../schemas.js";
import { requireCall } from "./lookups.js";

export interface SupervisorRoutesOptions {
  center: ContactCenter;
  calls: CallRegistry;
}

const params = idParams("Interaction id");

export const supervisorRoutes: FastifyPluginAsyncZod<SupervisorRoutesOptions> = async (app, { center, calls }) => {
  app.get("/queues", async () => center.listQueues());

  app.get("/contacts", { schema: { querystring: contactsQuery } }, async (req) => {
    const which = req.query.state ?? "all";
    return calls
      .list()
      .filter((s) => which === "all" || (which === "active") === !s.ended)
      .map((s) => contactSummary(center, s));
  });

  app.get("/contacts/:id", { schema: { params } }, async (req) => contactTrace(center, requireCall(calls, req.params.id)));

  // The contact's flow as Flow Designer lays it out, with the path it took so far.
  app.get("/contacts/:id/graph.svg", { schema: { params } }, async (req, reply) => {
    const session = requireCall(calls, req.params.id);
    const steps: TraceStep[] = [];
    let current: string | undefined;
    for (const e of session.events) {
      if (e.type === "step" && e.activityId) {
        steps.push({ activityId: e.activityId, ...(e.port ? { port: e.port } : {}) });
        current = undefined;
      } else if (e.activityId) {
        // Prompts, HTTP calls and the like come from the activity that is running now.
        current = e.activityId;
      }
    }
    const svg = renderFlowSvg(session.flow.definition, { trace: { steps, ...(current && !session.ended ? { current } : {}) } });
    return reply.type("image/svg+xml").header("cache-control", "no-store").send(svg);
  });
};
