/**
 * The caller's number changing during a call, under /api/calls: what an operator desk that passes
 * a call on, or a carrier that learns the caller's real identity, tells the contact center.
 * NewPhoneContact.ANI follows and the flow's ContactAniUpdated (AniUpdated) event flow runs with
 * the new and the previous number. The number is checked as at dial-in (channels/caller-id.ts).
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireCallerId } from "../../channels/caller-id.js";
import { tagRoutes } from "../api-doc.js";
import type { CallRegistry } from "../calls.js";
import { ApiError } from "../errors.js";
import { errors, json } from "../response-schemas.js";
import { idParams, placeCallBody } from "../schemas.js";
import { requireCall } from "./lookups.js";

export interface CallerNumberRoutesOptions {
  calls: CallRegistry;
}

export const aniUpdateBody = z.object({ ani: placeCallBody.shape.ani.describe("The caller's number now: + and digits, or empty or \"anonymous\" for a withheld number") }).strict();

const aniUpdated = z.looseObject({
  interactionId: z.string(),
  ani: z.string().describe("The caller's number now"),
  previousAni: z.string().describe("The number before this request"),
  updated: z.boolean().describe("false when the number was already this one (ContactAniUpdated does not run)"),
});

export const callerNumberRoutes: FastifyPluginAsyncZod<CallerNumberRoutesOptions> = async (app, { calls }) => {
  tagRoutes(app, "caller");

  const update = {
    summary: "Change the caller's number (ContactAniUpdated)",
    description: "NewPhoneContact.ANI becomes the new number and the flow's AniUpdated event flow runs with `ANI` and `previousANI`. Once the flow has queued the contact, the queue, the ringing offer and the agent's desk show the new number too (the agent's socket gets `contact-updated`).",
    params: idParams("Interaction id"),
    body: aniUpdateBody,
    response: { 200: json(aniUpdated), ...errors(400, 404, 409) },
  };
  app.post("/:id/ani", { schema: update }, async (req) => {
    const session = requireCall(calls, req.params.id);
    const ani = requireCallerId(req.body.ani);
    if (session.ended) throw new ApiError(409, "CALL_ENDED", `the call has ended (${session.summary().endReason})`);
    const previousAni = session.interaction.ani;
    session.interaction.updateAni(ani);
    return { interactionId: session.interactionId, ani: session.interaction.ani, previousAni, updated: previousAni !== ani };
  });
};
