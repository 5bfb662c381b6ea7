/** The supervisor's view, under /api: queues in routing order, contacts, and each contact's trace and path through its flow. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ContactCenter } from "../../center/index.js";
import { renderFlowSvg, type TraceStep } from "../../graph/index.js";
import type { CallRegistry } from "../calls.js";
import { contactSummary, contactTrace } from "../contact-views.js";
import { contactsQuery, idParams } from "../schemas.js";
import { requireCall } from "./lookups.js";
import { z } from "zod";
import { tagRoutes } from "../api-doc.js";
import { contactSummary as contactSummarySchema, contactTrace as contactTraceSchema, errors, json, queue, text } from "../response-schemas.js";

export interface SupervisorRoutesOptions {
  center: ContactCenter;
  calls: CallRegistry;
}

const params = idParams("Interaction id");

export const supervisorRoutes: FastifyPluginAsyncZod<SupervisorRoutesOptions> = async (app, { center, calls }) => {
  tagRoutes(app, "supervisor");

  app.get("/queues", { schema: { summary: "Queues with waiting contacts in routing order (priority, then time)", response: { 200: json(z.array(queue)) } } }, async () => center.listQueues());

  const contacts = { summary: "Contacts: live ones and those that ended recently", querystring: contactsQuery, response: { 200: json(z.array(contactSummarySchema)), ...errors(400) } };
  app.get("/contacts", { schema: contacts }, async (req) => {
    const which = req.query.state ?? "all";
    return calls
      .list()
      .filter((s) => which === "all" || (which === "active") === !s.ended)
      .map((s) => contactSummary(center, s));
  });

  const trace = { summary: "One contact's trace: its event stream and variables (isSecure values masked)", params, response: { 200: json(contactTraceSchema), ...errors(404) } };
  app.get("/contacts/:id", { schema: trace }, async (req) => contactTrace(center, requireCall(calls, req.params.id)));

  // The contact's flow as Flow Designer lays it out, with the path it took so far.
  const graph = { summary: "The contact's flow drawn with the path it took so far and the activity running now (SVG)", params, response: { 200: text("image/svg+xml", "SVG picture"), ...errors(404) } };
  app.get("/contacts/:id/graph.svg", { schema: graph }, async (req, reply) => {
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
