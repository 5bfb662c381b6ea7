/**
 * Outbound campaign calls, under /api/campaign-calls: what a dialler does when a customer it
 * called picks up. The customer's leg runs the flow as a caller would (caller socket, keys,
 * hang-up under /api/calls/{id}); OutboundCampaignCallResult runs first with the call progress
 * analysis result. AMD and ABANDONED end after that handler unless it keeps the call; a
 * LIVE_VOICE customer goes on through the flow, which may queue them to an agent like an inbound
 * caller, and one the flow leaves unqueued is placed in the campaign's queue when one is named.
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
import { callPlaced, errors, json } from "../response-schemas.js";
import { placeCallBody } from "../schemas.js";
import { flowNotFound } from "./lookups.js";

export interface CampaignCallRoutesOptions {
  calls: CallRegistry;
  center: ContactCenter;
  flows: FlowCatalog;
  /** The campaign's number when a request names none. */
  defaultDnis: string;
}

export const campaignCallBody = placeCallBody
  .omit({ audio: true })
  .extend({
    ani: placeCallBody.shape.ani.describe("The customer's number the dialler called (NewPhoneContact.ANI, PreDial.dialNumber): + and digits"),
    dnis: placeCallBody.shape.dnis.describe("The campaign's number (NewPhoneContact.DNIS); the server's default entry number when absent"),
    result: z.enum(["LIVE_VOICE", "AMD", "ABANDONED"]).describe("What call progress analysis found: OutboundCampaignCallResult.CPAResult"),
    resultCode: z.string().max(40).optional().describe("OutboundCampaignCallResult.CPAResultCode, passed through (Webex documents no values)"),
    mode: z
      .enum(["preview", "progressive"])
      .default("progressive")
      .describe("preview: an agent accepted the contact before it was dialled (PreDial PREVIEW_CAMPAIGN for the customer's leg); progressive: the dialler called first"),
    queue: z.string().trim().min(1).max(100).optional().describe("The campaign's queue: a LIVE_VOICE customer the flow ends without queuing is placed here for the campaign's agents"),
  })
  .strict();

export const campaignCallRoutes: FastifyPluginAsyncZod<CampaignCallRoutesOptions> = async (app, { calls, center, flows, defaultDnis }) => {
  tagRoutes(app, "caller");

  const start = {
    summary: "Start an outbound campaign call",
    description:
      "The dialler reached the customer at `ani` and call progress analysis found `result`: the flow starts for them and OutboundCampaignCallResult runs. " +
      "Connect to `socket` to be the customer; the call is then driven like one from POST /api/calls.",
    body: campaignCallBody,
    response: { 201: json(callPlaced, "Campaign call started"), ...errors(400, 404) },
  };
  app.post("", { schema: start }, async (req, reply) => {
    const body = req.body;
    const flow = flows.find(body.flow);
    if (!flow) throw flowNotFound(flows, String(body.flow));
    const ani = requireCallerId(body.ani);
    if (ani === "" || ani === "anonymous") throw new ApiError(400, "BAD_REQUEST", "ani: a campaign dials a number; a withheld one cannot be called");
    if (body.queue !== undefined && !center.listQueues().some((q) => q.id === body.queue)) {
      throw new ApiError(404, "QUEUE_NOT_FOUND", `no queue "${body.queue}" (queues: ${center.listQueues().map((q) => q.id).join(", ")})`);
    }
    const campaign = { mode: body.mode, result: body.result, ...(body.resultCode !== undefined ? { resultCode: body.resultCode } : {}), ...(body.queue !== undefined ? { queueId: body.queue } : {}) };
    const session = calls.place(flow, ani, body.dnis ?? defaultDnis, { campaign });
    if (req.principal) callOwners.set(session, req.principal.subject);
    reply.code(201);
    return { ...session.summary(), socket: `/api/calls/${session.interactionId}/ws` };
  });
};
