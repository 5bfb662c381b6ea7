/**
 * The agent's call controls, each acting on the agent's own call and answering with the desk as
 * it is afterwards: `POST /api/agents/:id/hold`, `/resume`, `/mute {muted}`, and
 * `/cad {name, value}` (call-associated data the flow marks isAgentEditable), `/transfer {queue |
 * agent | number}` (blind), `/consult {agent | queue | number}`, then `/consult/conference` (three-way), `/consult/transfer`
 * or `/consult/end`. The wrap-up code and notes travel with `/wrapup`. See server/call-controls.ts
 * and docs/desk.md. On a cluster node, a control for a call that runs on another node is done
 * there (server/cluster-calls.ts).
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ContactCenter } from "../../center/index.js";
import type { AgentDesk, DeskView } from "../agent-desk.js";
import type { CallControls } from "../call-controls.js";
import { agentCall, CALL_NODE_UNREACHABLE_TEXT, type CallForwarding } from "../cluster-calls.js";
import { ApiError } from "../errors.js";
import { emptyBody, idParams } from "../schemas.js";
import { tagRoutes } from "../api-doc.js";
import { deskView, errors, json, UNAVAILABLE_TEXT } from "../response-schemas.js";

export const muteBody = z.object({ muted: z.boolean().describe("true to mute the agent's microphone, false to unmute") }).strict();
export const cadBody = z
  .object({
    name: z.string().min(1).max(200).describe("The variable's name (as in the desk view's call-associated data)"),
    value: z.string().max(1000).describe("The new value"),
  })
  .strict();

export const transferBody = z
  .object({
    queue: z.string().min(1).max(200).optional().describe("Queue id to transfer to"),
    agent: z.string().min(1).max(200).optional().describe("Agent id (or email) to transfer to; they must be Available"),
    number: z.string().min(1).max(40).optional().describe("Outside number to transfer to (the environment's center.dialPlan routes it); answers once it has answered"),
  })
  .strict()
  .refine((b) => [b.queue, b.agent, b.number].filter((x) => x !== undefined).length === 1, { message: "give one of queue, agent or number" });
export const consultBody = z
  .object({
    agent: z.string().min(1).max(200).optional().describe("Agent id (or email) to consult; they must be Available"),
    queue: z.string().min(1).max(200).optional().describe("Queue id to consult: its agent Available the longest takes the consult (400 AGENT_NOT_AVAILABLE when none is)"),
    number: z.string().min(1).max(40).optional().describe("Outside number to consult (the environment's center.dialPlan routes it); answers once it has answered, the agent's headset talking to it"),
  })
  .strict()
  .refine((b) => [b.agent, b.queue, b.number].filter((x) => x !== undefined).length === 1, { message: "give one of agent, queue or number" });

export interface CallControlRoutesOptions {
  center: ContactCenter;
  desk: AgentDesk;
  controls?: CallControls;
  /** On a cluster node: the call's own node does what acts on a call that runs there. */
  forwarding?: CallForwarding;
}

const params = idParams("Agent id");

const NO_CONTROLS = `${UNAVAILABLE_TEXT}; or NO_CONTROLS: this server has no call controls; or ${CALL_NODE_UNREACHABLE_TEXT}`;
/** Only the transfer to an outside number dials out, so only it can fail upstream. */
const TRANSFER_ERRORS = errors(
  [502, "TRANSFER_FAILED: the outside number was busy, refused or did not answer; the caller is still on hold with the agent"],
  [503, `${NO_CONTROLS}; or NO_OUTSIDE_LINE: this server places no outside calls (it runs without its SIP front)`],
);

type ControlAct = (controls: CallControls, agentId: string, body: never) => void | Promise<void>;

/** What each control does, by its path under /api/agents/:id/ (the routes, and a cluster node asked by another, run these). */
export const CONTROL_ACTS = {
  hold: (c: CallControls, id: string) => c.hold(id),
  resume: (c: CallControls, id: string) => c.resume(id),
  mute: (c: CallControls, id: string, body: z.output<typeof muteBody>) => c.mute(id, body.muted),
  transfer: async (c: CallControls, id: string, body: z.output<typeof transferBody>) => {
    if (body.number !== undefined) await c.transferOut(id, body.number);
    else await c.transfer(id, body);
  },
  consult: async (c: CallControls, id: string, body: z.output<typeof consultBody>) => {
    if (body.number !== undefined) await c.consultNumber(id, body.number);
    else await c.consult(id, body);
  },
  "consult/conference": (c: CallControls, id: string) => c.conference(id),
  "consult/transfer": (c: CallControls, id: string) => c.completeConsult(id),
  "consult/end": (c: CallControls, id: string) => c.endConsult(id),
  cad: (c: CallControls, id: string, body: z.output<typeof cadBody>) => c.editCad(id, body.name, body.value),
} satisfies Record<string, ControlAct>;
export type ControlPath = keyof typeof CONTROL_ACTS;

/** Runs one control here and answers with the agent's desk afterwards. */
export async function runControl(parts: { center: ContactCenter; desk: AgentDesk; controls?: CallControls }, path: ControlPath, agentId: string, body: unknown): Promise<DeskView> {
  if (!parts.center.agent(agentId)) throw new ApiError(404, "AGENT_NOT_FOUND", `no agent "${agentId.slice(0, 80)}"`);
  if (!parts.controls) throw new ApiError(503, "NO_CONTROLS", "this server has no call controls");
  await (CONTROL_ACTS[path] as (c: CallControls, id: string, body: unknown) => void | Promise<void>)(parts.controls, agentId, body);
  await parts.center.settle();
  return parts.desk.view(agentId)!;
}

export const callControlRoutes: FastifyPluginAsyncZod<CallControlRoutesOptions> = async (app, { center, desk, controls, forwarding }) => {
  tagRoutes(app, "call-controls");
  const action = (path: ControlPath, [summary, description]: [string, string], body: z.ZodType) =>
    app.post(`/:id/${path}`, { schema: { summary, description, params, body, response: { 200: json(deskView, "The agent's desk after the action"), ...errors(400, 403, 404, 409, [503, NO_CONTROLS]), ...(path === "transfer" || path === "consult" ? TRANSFER_ERRORS : {}) } } }, async (req) => {
      const id = req.params.id;
      if (!center.agent(id)) throw new ApiError(404, "AGENT_NOT_FOUND", `no agent "${id.slice(0, 80)}"`);
      const node = forwarding?.remoteNode(agentCall(center, desk, id));
      if (node) return (await forwarding!.forward(node, { kind: `agent/${path}`, args: { id, body: req.body } })).body as DeskView;
      return runControl({ center, desk, ...(controls ? { controls } : {}) }, path, id, req.body);
    });

  action("hold", ["Put the call on hold", "The caller hears hold music until resumed; a `control` event (hold) goes on the contact's stream."], emptyBody);
  action("resume", ["Take the call off hold", "The music stops; a `control` event (resume)."], emptyBody);
  action("mute", ["Mute or unmute the agent", "The caller hears silence from the agent (cut in the audio bridge); a `control` event (mute/unmute)."], muteBody);
  action(
    "transfer",
    ["Blind transfer", "To a queue (the caller waits there with music), to an Available agent (it rings there; on RONA it goes back to its queue), or to an outside number from the environment's center.dialPlan (answers once it has answered; 502 TRANSFER_FAILED when it is busy, refused or unanswered, the caller still on hold). The agent wraps up."],
    transferBody,
  );
  action("consult", ["Consult an Available agent, a queue or an outside number", "The caller is put on hold; the consulted agent (the one named, or the queue's agent Available the longest) is Engaged (reason Consult) on the same call; or the outside number (center.dialPlan) is called and, once it answered, talks to the agent's headset (502 TRANSFER_FAILED when busy, refused or unanswered, the caller still on hold). The flow's PreDial runs first (CONSULT_TO_AGENT, CONSULT_TO_QUEUE or CONSULT_TO_DN)."], consultBody);
  action("consult/conference", ["Make the consult a three-way conference", "Only the asking agent: the caller comes off hold and the caller and both agents hear each other; consult/end (either agent) leaves the caller with the asking agent, consult/transfer hands them to the consulted one."], emptyBody);
  action("consult/transfer", ["Consulted transfer", "The consulted agent takes the caller (off hold; AgentAnswered runs for them); the asking agent wraps up."], emptyBody);
  action("consult/end", ["End the consult", "The consulted agent is Available again; the caller stays on hold with the asking agent until resumed."], emptyBody);
  action("cad", ["Edit call-associated data", "Only variables the flow marks isAgentEditable (403 otherwise); the flow sees the new value."], cadBody);
};
