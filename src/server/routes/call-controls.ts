/**
 * The agent's call controls, each acting on the agent's own call and answering with the desk as
 * it is afterwards: `POST /api/agents/:id/hold`, `/resume`, `/mute {muted}`, and
 * `/cad {name, value}` (call-associated data the flow marks isAgentEditable). The wrap-up code
 * and notes travel with `/wrapup`. See server/call-controls.ts and docs/desk.md.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ContextHolder, ServerContext } from "../context.js";
import { ApiError } from "../errors.js";
import { emptyBody, parseBody } from "../schemas.js";

export const muteBody = z.object({ muted: z.boolean().describe("true to mute the agent's microphone, false to unmute") }).strict();
export const cadBody = z
  .object({
    name: z.string().min(1).max(200).describe("The variable's name (as in the desk view's call-associated data)"),
    value: z.string().max(1000).describe("The new value"),
  })
  .strict();

function controlsOf(ctx: ServerContext) {
  if (!ctx.controls) throw new ApiError(503, "NO_CONTROLS", "this server has no call controls");
  return ctx.controls;
}

export function registerCallControlRoutes(app: FastifyInstance, holder: ContextHolder): void {
  const action = (path: string, act: (ctx: ServerContext, agentId: string, body: unknown) => void) =>
    app.post<{ Params: { id: string } }>(`/api/agents/:id/${path}`, async (req) => {
      const ctx = holder.get();
      const id = req.params.id;
      if (!ctx.center.agent(id)) throw new ApiError(404, "AGENT_NOT_FOUND", `no agent "${id.slice(0, 80)}"`);
      act(ctx, id, req.body);
      await ctx.center.settle();
      return ctx.desk.view(id)!;
    });

  action("hold", (ctx, id, body) => {
    parseBody(emptyBody, body);
    controlsOf(ctx).hold(id);
  });
  action("resume", (ctx, id, body) => {
    parseBody(emptyBody, body);
    controlsOf(ctx).resume(id);
  });
  action("mute", (ctx, id, body) => {
    controlsOf(ctx).mute(id, parseBody(muteBody, body).muted);
  });
  action("cad", (ctx, id, body) => {
    const b = parseBody(cadBody, body);
    controlsOf(ctx).editCad(id, b.name, b.value);
  });
}
