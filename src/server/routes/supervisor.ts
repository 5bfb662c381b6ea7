/** The supervisor's view, under /api: queues in routing order, contacts, and each contact's trace and path through its flow. */
import type { FastifyPluginAsync } from "fastify";
import type { ContactCenter } from "../../center/index.js";
import { renderFlowSvg, type TraceStep } from "../../graph/index.js";
import type { CallRegistry } from "../calls.js";
import { contactSummary, contactTrace } from "../contact-views.js";
import { ApiError } from "../errors.js";
import { requireCall } from "./lookups.js";

export interface SupervisorRoutesOptions {
  center: ContactCenter;
  calls: CallRegistry;
}

type Params = { id: string };

export const supervisorRoutes: FastifyPluginAsync<SupervisorRoutesOptions> = async (app, { center, calls }) => {
  app.get("/queues", async () => center.listQueues());

  app.get<{ Querystring: { state?: string } }>("/contacts", async (req) => {
    const which = req.query.state ?? "all";
    if (which !== "all" && which !== "active" && which !== "ended") throw new ApiError(400, "BAD_REQUEST", `state: must be all, active or ended (got "${which}")`);
    return calls
      .list()
      .filter((s) => which === "all" || (which === "active") === !s.ended)
      .map((s) => contactSummary(center, s));
  });

  app.get<{ Params: Params }>("/contacts/:id", async (req) => contactTrace(center, requireCall(calls, req.params.id)));

  // The contact's flow as Flow Designer lays it out, with the path it took so far.
  app.get<{ Params: Params }>("/contacts/:id/graph.svg", async (req, reply) => {
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
