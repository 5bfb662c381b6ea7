/**
 * The agent's side, under /api/agents: the list of agents, one agent's desk, and the actions an
 * agent takes (sign in and out, state, accept or decline an offer, end, finish wrap-up). Each
 * action answers with the desk as it is once the center's notices have gone out.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ContactCenter } from "../../center/index.js";
import type { AgentDesk } from "../agent-desk.js";
import type { CallControls } from "../call-controls.js";
import { emptyBody, idParams, loginBody, offerBody, stateBody, wrapUpBody } from "../schemas.js";
import { requireAgent, requireHuman } from "./lookups.js";
import { tagRoutes } from "../api-doc.js";
import { agent, deskView, errors, json } from "../response-schemas.js";

export interface AgentRoutesOptions {
  center: ContactCenter;
  desk: AgentDesk;
  /** Agents played by the machine: listed, but nobody acts as them. */
  simulated: ReadonlySet<string>;
  /** Takes the wrap-up code and notes with `/wrapup`. */
  controls?: CallControls;
}

const params = idParams("Agent id");

export const agentRoutes: FastifyPluginAsyncZod<AgentRoutesOptions> = async (app, { center, desk, simulated, controls }) => {
  tagRoutes(app, "agent");

  app.get("", { schema: { summary: "Agents and their states", tags: ["agent", "supervisor"], response: { 200: json(z.array(agent)) } } }, async () => center.listAgents().map((a) => ({ ...a, simulated: simulated.has(a.id) })));

  app.get("/:id", { schema: { summary: "An agent's desk: state, ringing offer, current contact, screen pops", params, response: { 200: json(deskView), ...errors(404) } } }, async (req) => {
    requireAgent(center, req.params.id);
    return desk.view(req.params.id)!;
  });

  // perform: at once on one node; on a cluster node, once this node has applied it from the shared log.
  const action = <B extends z.ZodType>(path: string, [summary, description]: [string, string], body: B, act: (id: string, body: z.output<B>) => Promise<unknown>) =>
    app.post(`/:id/${path}`, { schema: { summary, description, params, body, response: { 200: json(deskView, "The agent's desk after the action"), ...errors(400, 404, 409) } } }, async (req) => {
      requireHuman(center, simulated, req.params.id);
      await act(req.params.id, req.body as z.output<B>);
      // Notices and events go out on a microtask after the center call; let them land first.
      await center.settle();
      return desk.view(req.params.id)!;
    });

  action("login", ["Sign in", "LoggedOut → Idle (reason Login), or Available with `available: true`."], loginBody, (id, body) => {
    return center.perform("login", id, { available: body.available === true });
  });
  action("logout", ["Sign out", "A ringing offer goes back to its queue. Not allowed while Engaged."], emptyBody, (id) => {
    return center.perform("logout", id);
  });
  action("state", ["Go Available or Idle (with a reason)", "Signs the agent in first if needed. Available takes the best waiting contact at once."], stateBody, (id, body) => {
    return center.perform("requestState", id, { state: body.state, ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
  action("accept", ["Accept the ringing offer", "Reserved → Engaged; the flow's AgentAnswered event flow runs (screen pops)."], offerBody, (id, body) => {
    return center.perform("accept", id, body.offerId);
  });
  action("decline", ["Decline the ringing offer", "The contact goes back to the head of its priority; the agent goes Idle (Declined)."], offerBody, (id, body) => {
    return center.perform("decline", id, body.offerId);
  });
  action("end", ["End the call", "Engaged → WrapUp; the caller's leg ends (AgentDisconnected, PhoneContactEnded)."], emptyBody, (id) => {
    return center.perform("end", id);
  });
  action("wrapup", ["Finish wrap-up", "WrapUp → Available (default) or Idle with a reason; the wrap-up code and notes go on the contact record."], wrapUpBody, (id, body) => {
    controls?.wrapUp(id, body);
    return center.perform("finishWrapUp", id, { ...(body.state !== undefined ? { state: body.state } : {}), ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
};
