/**
 * The agent's side, under /api/agents: the list of agents, one agent's desk, and the actions an
 * agent takes (sign in and out, state, accept or decline an offer, end, finish wrap-up). Each
 * action answers with the desk as it is once the center's notices have gone out.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { z } from "zod";
import type { ContactCenter } from "../../center/index.js";
import type { AgentDesk } from "../agent-desk.js";
import type { CallControls } from "../call-controls.js";
import { emptyBody, idParams, loginBody, offerBody, stateBody, wrapUpBody } from "../schemas.js";
import { requireAgent, requireHuman } from "./lookups.js";

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
  app.get("", async () => center.listAgents().map((a) => ({ ...a, simulated: simulated.has(a.id) })));

  app.get("/:id", { schema: { params } }, async (req) => {
    requireAgent(center, req.params.id);
    return desk.view(req.params.id)!;
  });

  // perform: at once on one node; on a cluster node, once this node has applied it from the shared log.
  const action = <B extends z.ZodType>(path: string, body: B, act: (id: string, body: z.output<B>) => Promise<unknown>) =>
    app.post(`/:id/${path}`, { schema: { params, body } }, async (req) => {
      requireHuman(center, simulated, req.params.id);
      await act(req.params.id, req.body as z.output<B>);
      // Notices and events go out on a microtask after the center call; let them land first.
      await center.settle();
      return desk.view(req.params.id)!;
    });

  action("login", loginBody, (id, body) => {
    return center.perform("login", id, { available: body.available === true });
  });
  action("logout", emptyBody, (id) => {
    return center.perform("logout", id);
  });
  action("state", stateBody, (id, body) => {
    return center.perform("requestState", id, { state: body.state, ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
  action("accept", offerBody, (id, body) => {
    return center.perform("accept", id, body.offerId);
  });
  action("decline", offerBody, (id, body) => {
    return center.perform("decline", id, body.offerId);
  });
  action("end", emptyBody, (id) => {
    return center.perform("end", id);
  });
  action("wrapup", wrapUpBody, (id, body) => {
    controls?.wrapUp(id, body);
    return center.perform("finishWrapUp", id, { ...(body.state !== undefined ? { state: body.state } : {}), ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
};
