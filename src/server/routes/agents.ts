/**
 * The agent's side, under /api/agents: the list of agents, one agent's desk, and the actions an
 * agent takes (sign in and out, state, accept or decline an offer, end, finish wrap-up). Each
 * action answers with the desk as it is once the center's notices have gone out.
 */
import type { FastifyPluginAsync } from "fastify";
import type { ContactCenter } from "../../center/index.js";
import type { AgentDesk } from "../agent-desk.js";
import type { CallControls } from "../call-controls.js";
import { emptyBody, loginBody, offerBody, parseBody, stateBody, wrapUpBody } from "../schemas.js";
import { requireAgent, requireHuman } from "./lookups.js";

export interface AgentRoutesOptions {
  center: ContactCenter;
  desk: AgentDesk;
  /** Agents played by the machine: listed, but nobody acts as them. */
  simulated: ReadonlySet<string>;
  /** Takes the wrap-up code and notes with `/wrapup`. */
  controls?: CallControls;
}

type Params = { id: string };

export const agentRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (app, { center, desk, simulated, controls }) => {
  app.get("", async () => center.listAgents().map((a) => ({ ...a, simulated: simulated.has(a.id) })));

  app.get<{ Params: Params }>("/:id", async (req) => {
    requireAgent(center, req.params.id);
    return desk.view(req.params.id)!;
  });

  const action = (path: string, act: (id: string, body: unknown) => void) =>
    app.post<{ Params: Params }>(`/:id/${path}`, async (req) => {
      requireHuman(center, simulated, req.params.id);
      act(req.params.id, req.body);
      // Notices and events go out on a microtask after the center call; let them land first.
      await center.settle();
      return desk.view(req.params.id)!;
    });

  action("login", (id, raw) => {
    const body = parseBody(loginBody, raw);
    center.login(id, { available: body.available === true });
  });
  action("logout", (id, raw) => {
    parseBody(emptyBody, raw);
    center.logout(id);
  });
  action("state", (id, raw) => {
    const body = parseBody(stateBody, raw);
    center.requestState(id, { state: body.state, ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
  action("accept", (id, raw) => {
    const body = parseBody(offerBody, raw);
    center.accept(id, body.offerId);
  });
  action("decline", (id, raw) => {
    const body = parseBody(offerBody, raw);
    center.decline(id, body.offerId);
  });
  action("end", (id, raw) => {
    parseBody(emptyBody, raw);
    center.end(id);
  });
  action("wrapup", (id, raw) => {
    const body = parseBody(wrapUpBody, raw);
    controls?.wrapUp(id, body);
    center.finishWrapUp(id, { ...(body.state !== undefined ? { state: body.state } : {}), ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
};
