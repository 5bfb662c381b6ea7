/**
 * The caller's side, under /api/calls: place a call, read its state, press keys, hang up. On a
 * cluster node, a call that runs on another node is read and acted on there (cluster-calls.ts).
 */
import type { ContactCenter } from "../../center/index.js";
import { requireCallerId } from "../../channels/caller-id.js";
import { callOwners } from "../auth/access.js";
import type { CallRegistry, CallSession } from "../calls.js";
import { CALL_NODE_UNREACHABLE_TEXT, type CallForwarding } from "../cluster-calls.js";
import { contactSummary } from "../contact-views.js";
import { ApiError } from "../errors.js";
import type { FlowCatalog } from "../flows.js";
import type { VoiceLines } from "../voice-lines.js";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { digitsBody, emptyBody, idParams, placeCallBody } from "../schemas.js";
import { tagRoutes } from "../api-doc.js";
import { callPlaced, callState, digitsTaken, errors, hungUp, json, UNAVAILABLE_TEXT } from "../response-schemas.js";
import { flowNotFound, requireCall } from "./lookups.js";

export interface CallRoutesOptions {
  calls: CallRegistry;
  center: ContactCenter;
  flows: FlowCatalog;
  /** The number called when a request names none. */
  defaultDnis: string;
  /** Carries a call's audio over WebRTC (`audio: true`); absent when the server carries none. */
  voice?: VoiceLines;
  /** On a cluster node: a call that runs on another node is read and acted on there. */
  forwarding?: CallForwarding;
}

const params = idParams("Interaction id");
const NODE_503 = `${UNAVAILABLE_TEXT}; or ${CALL_NODE_UNREACHABLE_TEXT}`;

export const callRoutes: FastifyPluginAsyncZod<CallRoutesOptions> = async (app, { calls, center, flows, defaultDnis, voice, forwarding }) => {
  tagRoutes(app, "caller");

  const placeCall = {
    summary: "Place a call",
    description: "Starts the flow for a caller. Connect to `socket` (the caller WebSocket) to hear prompts; closing that socket hangs up.",
    body: placeCallBody,
    response: { 201: json(callPlaced, "Call placed"), ...errors(400, 404, 409, 503) },
  };
  app.post("", { schema: placeCall }, async (req, reply) => {
    const body = req.body;
    const flow = flows.find(body.flow);
    if (!flow) throw flowNotFound(flows, String(body.flow));
    if (body.audio && !voice) throw new ApiError(409, "NO_AUDIO", "this server carries no audio (started with --no-sip); place the call without audio");
    const session = calls.place(flow, requireCallerId(body.ani), body.dnis ?? defaultDnis, body.audio ? voice!.softphone() : {});
    if (req.principal) callOwners.set(session, req.principal.subject);
    reply.code(201);
    return { ...session.summary(), socket: `/api/calls/${session.interactionId}/ws`, ...(body.audio ? { audio: `/api/calls/${session.interactionId}/audio` } : {}) };
  });

  // A call that runs on another node of a cluster: that node answers (server/cluster-calls.ts).
  const elsewhere = (id: string) => (calls.get(id) ? undefined : forwarding?.remoteNode(id));

  app.get("/:id", { schema: { summary: "A call's state", params, response: { 200: json(callState), ...errors(404, [503, NODE_503]) } } }, async (req) => {
    const node = elsewhere(req.params.id);
    if (node) return (await forwarding!.forward(node, { kind: "call/state", args: { id: req.params.id } })).body as CallStateView;
    return callStateView(center, requireCall(calls, req.params.id));
  });

  const pressKeys = {
    summary: "Press keys (DTMF)",
    description: "Keys are buffered like type-ahead; an interruptible prompt stops at the first one (barge-in).",
    params,
    body: digitsBody,
    response: { 202: json(digitsTaken, "Keys taken"), ...errors(400, 404, 409, [503, NODE_503]) },
  };
  app.post("/:id/digits", { schema: pressKeys }, async (req, reply) => {
    const node = elsewhere(req.params.id);
    reply.code(202);
    if (node) return (await forwarding!.forward(node, { kind: "call/digits", args: { id: req.params.id, digits: req.body.digits } })).body as DigitsTaken;
    return pressDigits(requireCall(calls, req.params.id), req.body.digits);
  });

  app.post("/:id/hangup", { schema: { summary: "Hang up", params, body: emptyBody, response: { 200: json(hungUp), ...errors(404, [503, NODE_503]) } } }, async (req) => {
    const node = elsewhere(req.params.id);
    if (node) return (await forwarding!.forward(node, { kind: "call/hangup", args: { id: req.params.id } })).body as HungUp;
    return hangUp(requireCall(calls, req.params.id));
  });
};

type CallStateView = ReturnType<typeof callStateView>;
type DigitsTaken = ReturnType<typeof pressDigits>;
type HungUp = ReturnType<typeof hangUp>;

/** A call's state as GET /api/calls/:id shows it. */
export function callStateView(center: ContactCenter, session: CallSession) {
  return { ...contactSummary(center, session), bufferedDigits: session.channel.bufferedDigits, ...(session.currentPlay ? { playing: session.currentPlay } : {}) };
}

export function pressDigits(session: CallSession, digits: string) {
  if (session.ended) throw new ApiError(409, "CALL_ENDED", `the call has ended (${session.summary().endReason})`);
  session.channel.press(digits);
  return { accepted: digits.length, bufferedDigits: session.channel.bufferedDigits };
}

export function hangUp(session: CallSession) {
  const wasLive = !session.ended;
  if (wasLive) session.interaction.hangup();
  return { interactionId: session.interactionId, hungUp: wasLive, state: session.summary().state };
}
