/**
 * The dialler's routes (src/campaigns): an agent's outdial (`POST /api/agents/:id/outdial`), the
 * preview offer an agent works (`GET /api/agents/:id/preview`, `.../preview/accept`,
 * `.../preview/skip`), and campaigns (`/api/campaigns`: create with a list of numbers, read with
 * each contact's attempts, stop). Calls go out through the SIP front's dial plan, so without SIP
 * these answer 503 NO_OUTSIDE_LINE.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DiallerError } from "../../campaigns/outdial.js";
import { tagRoutes } from "../api-doc.js";
import type { CallRegistry, CallSession } from "../calls.js";
import type { Dialler } from "../dialler.js";
import { ApiError } from "../errors.js";
import { callSummary, errors, json } from "../response-schemas.js";
import { emptyBody, idParams } from "../schemas.js";

export interface DiallerRoutesOptions {
  dialler?: Dialler;
  calls: CallRegistry;
}

const number = z.string().trim().min(1).max(40);
/** Our own number, as SIP's From shows it: + and digits. */
const ourNumber = z.string().trim().regex(/^\+?[0-9]{2,20}$/, "must be + and digits");

export const outdialBody = z
  .object({
    number: number.describe("The number to call: + and digits; the environment's center.dialPlan routes it"),
    from: ourNumber.optional().describe("The outdial ANI shown to the customer; the entry point bound to it picks the flow. Default: the server's entry number"),
    flow: z.string().trim().min(1).max(200).optional().describe("The outdial flow (id or name), instead of the one the entry point binds"),
  })
  .strict();

export const campaignBody = z
  .object({
    name: z.string().trim().min(1).max(100).describe("What the campaign is called (agents held for it are Idle with reason `Campaign <name>`)"),
    mode: z.enum(["preview", "progressive"]).describe("progressive: dial as agents come free; preview: the agent sees the contact first and accepts before it is dialled"),
    numbers: z.array(number).min(1).max(10_000).describe("The contact list: customers' numbers, dialled in this order"),
    queue: z.string().trim().min(1).max(100).describe("The queue whose agents work the campaign"),
    team: z.string().trim().min(1).max(100).optional().describe("Only the queue's agents of this team work the campaign"),
    flow: z.string().trim().min(1).max(200).optional().describe("The campaign's flow (OutboundCampaignCallResult runs there); default: the one the entry points bind to `from`, else the default flow"),
    from: ourNumber.optional().describe("The campaign's number shown to customers (NewPhoneContact.DNIS)"),
    linesPerAgent: z.number().int().min(1).max(5).default(1).describe("Progressive pacing: numbers dialled at once per agent held; a second live answer for one agent is ABANDONED"),
    maxAttempts: z.number().int().min(1).max(10).default(1).describe("Attempts per number in all (busy, no answer, failed and abandoned calls are dialled again)"),
    retryDelaySeconds: z.number().min(0).max(86_400).default(60).describe("Wait before a number not reached is dialled again"),
    ringSeconds: z.number().positive().max(120).optional().describe("How long a number may ring (default: the environment's center.outsideRingSeconds)"),
  })
  .strict();

const attempt = z.looseObject({
  at: z.number(),
  agentId: z.string(),
  interactionId: z.string().optional(),
  result: z.string().optional().describe("LIVE_VOICE, ABANDONED, BUSY, NO_ANSWER, RING_NO_ANSWER, FAILED or SKIPPED; absent while it rings"),
  sipStatus: z.number().optional(),
  reason: z.string().optional(),
});
const campaignView = z.looseObject({
  id: z.string(),
  name: z.string(),
  mode: z.string(),
  status: z.enum(["running", "stopped", "finished"]),
  queue: z.string(),
  reservations: z.array(z.looseObject({ agentId: z.string(), purpose: z.string(), contacts: z.array(z.number()) })),
  totals: z.record(z.string(), z.number()),
  contacts: z.array(z.looseObject({ id: z.number(), number: z.string(), status: z.string(), attempts: z.array(attempt) })),
});
const previewOffer = z.looseObject({ campaignId: z.string(), campaignName: z.string(), contactId: z.number(), number: z.string(), attempts: z.number() });
const outdialResult = z.looseObject({
  interactionId: z.string(),
  number: z.string(),
  outcome: z.enum(["ANSWERED", "BUSY", "NO_ANSWER", "RING_NO_ANSWER", "FAILED"]),
  sipStatus: z.number().optional(),
  reason: z.string().optional(),
  contact: callSummary.optional(),
});

const AGENT = ["agent"];

/** Resolves once the call has ended (its end handlers run). */
function ended(session: CallSession): Promise<void> {
  return new Promise((resolve) => {
    if (session.ended) return resolve();
    const off = session.subscribe((m) => {
      if (m.type !== "ended") return;
      off();
      resolve();
    });
  });
}
const NO_LINE = [503, "NO_OUTSIDE_LINE: this server places no outside calls (it runs without its SIP front)"] as [number, string];

export const diallerRoutes: FastifyPluginAsyncZod<DiallerRoutesOptions> = async (app, { dialler, calls }) => {
  const need = (): Dialler => {
    if (!dialler) throw new ApiError(503, "NO_OUTSIDE_LINE", "this server places no outside calls (it runs without its SIP front)");
    return dialler;
  };
  const run = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DiallerError) throw new ApiError(err.status, err.code, err.message);
      throw err;
    }
  };

  tagRoutes(app, "supervisor");
  {
    const params = idParams("Agent id");
    app.post(
      "/agents/:id/outdial",
      {
        schema: {
          tags: AGENT,
          summary: "Dial a number (outdial)",
          description:
            "Runs the outdial flow's PreDial (OperationType OUTDIAL, ParticipantType Customer), then calls the number. Answers once the call is answered (the agent is being connected: the contact is offered to them and taken) or not: " +
            "`outcome` BUSY, NO_ANSWER, RING_NO_ANSWER or FAILED with the reason and the ended contact. The agent must be Available or Idle; they are Idle (reason Outdial) while it rings.",
          params,
          body: outdialBody,
          response: { 200: json(outdialResult, "What the call came to"), ...errors(400, 404, [409, "AGENT_BUSY or ALREADY_DIALLING"], NO_LINE) },
        },
      },
      async (req) =>
        run(async () => {
          const result = await need().outdial.dial(req.params.id, req.body);
          if (result.outcome === "ANSWERED") return result;
          // The contact ended with the dial: its summary is the record the agent is shown.
          const session = calls.get(result.interactionId);
          if (session) await ended(session);
          return { ...result, ...(session ? { contact: session.summary() } : {}) };
        }),
    );
    app.get(
      "/agents/:id/preview",
      { schema: { tags: AGENT, summary: "The campaign contact offered for preview", description: "The contact a preview campaign holds this agent for, before it is dialled; 404 NO_PREVIEW when there is none.", params, response: { 200: json(previewOffer), ...errors(404, NO_LINE) } } },
      async (req) =>
        run(() => {
          const offer = need().campaigns.preview(req.params.id);
          if (!offer) throw new ApiError(404, "NO_PREVIEW", `agent "${req.params.id.slice(0, 80)}" has no campaign contact to preview`);
          return offer;
        }),
    );
    app.post(
      "/agents/:id/preview/accept",
      { schema: { tags: AGENT, summary: "Accept the previewed contact: dial it", description: "PreDial (PREVIEW_CAMPAIGN, Customer) runs, then the number is called; a live customer goes to this agent.", params, body: emptyBody, response: { 200: json(previewOffer.extend({ interactionId: z.string() })), ...errors(409, NO_LINE) } } },
      async (req) => run(() => need().campaigns.acceptPreview(req.params.id)),
    );
    app.post(
      "/agents/:id/preview/skip",
      { schema: { tags: AGENT, summary: "Skip the previewed contact", description: "The contact is closed undialled (SKIPPED) and the agent is Available again.", params, body: emptyBody, response: { 200: json(previewOffer), ...errors(409, NO_LINE) } } },
      async (req) => run(() => need().campaigns.skipPreview(req.params.id)),
    );
  }
  {
    const params = idParams("Campaign id");
    app.post(
      "/campaigns",
      {
        schema: {
          summary: "Start a campaign",
          description: "Works through `numbers` with real SIP calls for the agents of `queue` (see docs/api.md): each contact's attempts and outcomes are read back with GET.",
          body: campaignBody,
          response: { 201: json(campaignView, "Campaign started"), ...errors(400, 404, NO_LINE) },
        },
      },
      async (req, reply) =>
        run(() => {
          const d = need();
          const { flow, ringSeconds, from, team, ...rest } = req.body;
          const view = d.campaigns.create({ ...rest, from: from ?? d.defaultFrom, ...(flow !== undefined ? { flow } : {}), ...(team !== undefined ? { team } : {}), ...(ringSeconds !== undefined ? { ringSeconds } : {}) });
          reply.code(201);
          return view;
        }),
    );
    app.get("/campaigns", { schema: { summary: "List campaigns", response: { 200: json(z.array(campaignView)), ...errors(NO_LINE) } } }, async () => run(() => need().campaigns.list()));
    app.get("/campaigns/:id", { schema: { summary: "A campaign, with each contact's attempts", params, response: { 200: json(campaignView), ...errors(404, NO_LINE) } } }, async (req) =>
      run(() => {
        const view = need().campaigns.get(req.params.id);
        if (!view) throw new ApiError(404, "CAMPAIGN_NOT_FOUND", `no campaign "${req.params.id.slice(0, 80)}"`);
        return view;
      }),
    );
    app.post("/campaigns/:id/stop", { schema: { summary: "Stop a campaign", description: "No new dials; calls in progress go on; previews not yet accepted are withdrawn.", params, body: emptyBody, response: { 200: json(campaignView), ...errors(404, NO_LINE) } } }, async (req) =>
      run(() => need().campaigns.stop(req.params.id)),
    );
  }
};
