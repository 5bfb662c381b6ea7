/**
 * Web callbacks, under /api/web-callbacks: a customer on a web page asks to be called back. The
 * callback waits in its queue like a courtesy callback; the flow named runs its event flows for
 * it (PreDial WEB_CALLBACK for the agent's leg when it is offered and for the customer's when the
 * agent has taken it, AgentAnswered, CallbackFailed...). There is no caller's leg, so the main
 * flow does not run. The contact is read like a call's under /api/calls/{id} and /api/contacts/{id}.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ContactCenter } from "../../center/index.js";
import { requireCallerId } from "../../channels/caller-id.js";
import { tagRoutes } from "../api-doc.js";
import { callOwners } from "../auth/access.js";
import type { CallRegistry } from "../calls.js";
import { ApiError } from "../errors.js";
import type { FlowCatalog } from "../flows.js";
import { callSummary, errors, json } from "../response-schemas.js";
import { placeCallBody } from "../schemas.js";
import { flowNotFound } from "./lookups.js";

export interface WebCallbackRoutesOptions {
  calls: CallRegistry;
  center: ContactCenter;
  flows: FlowCatalog;
  /** The number the callback is placed from when a request names none. */
  defaultDnis: string;
}

export const webCallbackBody = z
  .object({
    number: placeCallBody.shape.ani.describe("The number to call the customer back on: + and digits"),
    queue: z.string().trim().min(1).max(100).describe("The queue whose agents take the callback"),
    flow: placeCallBody.shape.flow.describe("The flow whose event flows run for the callback (GET /api/flows); the first flow when absent"),
    dnis: placeCallBody.shape.dnis.describe("The entry point's number (NewPhoneContact.DNIS, PreDial.epDn); the server's default entry number when absent"),
  })
  .strict();

export const webCallbackRoutes: FastifyPluginAsyncZod<WebCallbackRoutesOptions> = async (app, { calls, center, flows, defaultDnis }) => {
  tagRoutes(app, "caller");

  const request = {
    summary: "Request a web callback",
    description: "The callback waits in `queue` and is offered to its next free agent; once the agent takes it the customer is called at `number`. The flow's event flows run for it (PreDial WEB_CALLBACK).",
    body: webCallbackBody,
    response: { 201: json(callSummary, "Callback requested"), ...errors(400, 404) },
  };
  app.post("", { schema: request }, async (req, reply) => {
    const body = req.body;
    const flow = flows.find(body.flow);
    if (!flow) throw flowNotFound(flows, String(body.flow));
    const number = requireCallerId(body.number);
    if (number === "" || number === "anonymous") throw new ApiError(400, "BAD_REQUEST", "number: a callback needs a number to call");
    if (!center.listQueues().some((q) => q.id === body.queue)) {
      throw new ApiError(404, "QUEUE_NOT_FOUND", `no queue "${body.queue}" (queues: ${center.listQueues().map((q) => q.id).join(", ")})`);
    }
    const session = calls.place(flow, number, body.dnis ?? defaultDnis, { webCallback: { queueId: body.queue } });
    if (req.principal) callOwners.set(session, req.principal.subject);
    reply.code(201);
    return session.summary();
  });
};
