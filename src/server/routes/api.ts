/**
 * The REST half of the API: place calls and press keys, drive an agent's state, list queues,
 * agents and contacts, read a contact's trace. Every route is in the OpenAPI document
 * (openapi.ts); test/server checks that the two list the same routes.
 */
import type { FastifyInstance } from "fastify";
import type { ContactSnapshot } from "../../center/index.js";
import { requireCallerId } from "../../channels/caller-id.js";
import type { CallEvent } from "../../engine/events.js";
import type { CallSession, CallSummary } from "../calls.js";
import type { ContextHolder, ServerContext } from "../context.js";
import { renderFlowSvg, type TraceStep } from "../../graph/index.js";
import { ApiError } from "../errors.js";
import { callOwners } from "../auth/access.js";
import { buildOpenApi } from "../openapi.js";
import { digitsBody, emptyBody, loginBody, offerBody, parseBody, placeCallBody, stateBody, wrapUpBody } from "../schemas.js";

export interface ContactSummary extends CallSummary {
  /** Where the center has the contact: queued, offered, engaged, ended; absent before it is queued. */
  centerState?: string;
  /** 1-based position in its queue while waiting. */
  position?: number;
  waitedMs?: number;
  offers?: number;
}

export interface ContactTrace {
  contact: ContactSummary;
  /** The contact's CallEvent stream, in order (isSecure values masked). */
  events: CallEvent[];
  /** Events left out of the middle of a very long trace. */
  omittedEvents: number;
  /** Flow variables now (isSecure ones masked). */
  variables: Record<string, unknown>;
  callAssociatedData: Array<{ label: string; name: string; value: string }>;
  screenPops: ContactSnapshot["screenPops"];
}

export function contactSummary(ctx: ServerContext, session: CallSession): ContactSummary {
  const base = session.summary();
  const c = ctx.center.contact(session.interactionId);
  if (!c) return base;
  return {
    ...base,
    centerState: c.state,
    ...(c.queueId ? { queue: { id: c.queueId, ...(c.queueName ? { name: c.queueName } : {}) } } : {}),
    priority: c.priority,
    ...(c.state === "queued" ? { position: c.position } : {}),
    waitedMs: c.waitedMs,
    offers: c.offers,
  };
}

export function contactTrace(ctx: ServerContext, session: CallSession): ContactTrace {
  const snapshot = ctx.center.contact(session.interactionId);
  return {
    contact: contactSummary(ctx, session),
    events: [...session.events],
    omittedEvents: session.omittedEvents,
    variables: session.interaction.variables.snapshot(),
    callAssociatedData: session.interaction.callAssociatedData(),
    screenPops: snapshot?.screenPops ?? [],
  };
}

function requireCall(ctx: ServerContext, id: string): CallSession {
  const session = ctx.calls.get(id);
  if (!session) throw new ApiError(404, "CALL_NOT_FOUND", `no call with interaction id "${id}" (it may have ended long ago)`);
  return session;
}

function requireAgent(ctx: ServerContext, id: string): void {
  if (!ctx.center.agent(id)) {
    const known = ctx.center.listAgents().map((a) => a.id);
    throw new ApiError(404, "AGENT_NOT_FOUND", `no agent "${id}"${known.length ? ` (agents: ${known.join(", ")})` : ""}`);
  }
}

function requireHuman(ctx: ServerContext, id: string): void {
  requireAgent(ctx, id);
  if (ctx.demo.agents.find((a) => a.id === id)?.simulated) {
    throw new ApiError(409, "SIMULATED_AGENT", `agent "${id}" is played by the machine; sign in as another agent`);
  }
}

type Params = { id: string };

export function registerApiRoutes(app: FastifyInstance, holder: ContextHolder): void {
  app.get("/api/openapi.json", async () => buildOpenApi(holder.ready ? holder.get().version : undefined));

  app.get("/api/info", async () => {
    const ctx = holder.get();
    return {
      name: "ccflow",
      version: ctx.version,
      startedAt: ctx.startedAt,
      urls: ctx.urls,
      ...(ctx.crm ? { crm: { tenantId: ctx.crm.tenantId, clientId: ctx.crm.clientId, ...(ctx.urls.tokenUrl ? { tokenUrl: ctx.urls.tokenUrl } : {}) } } : {}),
      defaultDnis: ctx.defaultDnis,
      demo: ctx.demo,
      bindings: ctx.runtime.bindings,
    };
  });

  app.get("/api/flows", async () => {
    const ctx = holder.get();
    const first = ctx.flows.default.id;
    return ctx.flows.list().map((f) => ({
      id: f.id,
      name: f.name,
      ...(f.description ? { description: f.description } : {}),
      source: f.source,
      default: f.id === first,
    }));
  });

  // ---- caller side

  app.post("/api/calls", async (req, reply) => {
    const ctx = holder.get();
    const body = parseBody(placeCallBody, req.body);
    const flow = ctx.flows.find(body.flow);
    if (!flow) throw new ApiError(404, "FLOW_NOT_FOUND", `no flow "${body.flow}" (flows: ${ctx.flows.list().map((f) => f.id).join(", ")})`);
    if (body.audio && !ctx.voice) throw new ApiError(409, "NO_AUDIO", "this server carries no audio (started with --no-sip); place the call without audio");
    const session = ctx.calls.place(flow, requireCallerId(body.ani), body.dnis ?? ctx.defaultDnis, body.audio ? ctx.voice!.softphone() : {});
    if (req.principal) callOwners.set(session, req.principal.subject);
    reply.code(201);
    return { ...session.summary(), socket: `/api/calls/${session.interactionId}/ws`, ...(body.audio ? { audio: `/api/calls/${session.interactionId}/audio` } : {}) };
  });

  app.get<{ Params: Params }>("/api/calls/:id", async (req) => {
    const ctx = holder.get();
    const session = requireCall(ctx, req.params.id);
    return { ...contactSummary(ctx, session), bufferedDigits: session.channel.bufferedDigits, ...(session.currentPlay ? { playing: session.currentPlay } : {}) };
  });

  app.post<{ Params: Params }>("/api/calls/:id/digits", async (req, reply) => {
    const ctx = holder.get();
    const session = requireCall(ctx, req.params.id);
    const body = parseBody(digitsBody, req.body);
    if (session.ended) throw new ApiError(409, "CALL_ENDED", `the call has ended (${session.summary().endReason})`);
    session.channel.press(body.digits);
    reply.code(202);
    return { accepted: body.digits.length, bufferedDigits: session.channel.bufferedDigits };
  });

  app.post<{ Params: Params }>("/api/calls/:id/hangup", async (req) => {
    const ctx = holder.get();
    const session = requireCall(ctx, req.params.id);
    parseBody(emptyBody, req.body);
    const wasLive = !session.ended;
    if (wasLive) session.interaction.hangup();
    return { interactionId: session.interactionId, hungUp: wasLive, state: session.summary().state };
  });

  // ---- agent side

  app.get("/api/agents", async () => {
    const ctx = holder.get();
    const simulated = new Set(ctx.demo.agents.filter((a) => a.simulated).map((a) => a.id));
    return ctx.center.listAgents().map((a) => ({ ...a, simulated: simulated.has(a.id) }));
  });

  app.get<{ Params: Params }>("/api/agents/:id", async (req) => {
    const ctx = holder.get();
    requireAgent(ctx, req.params.id);
    return ctx.desk.view(req.params.id)!;
  });

  const agentAction = (path: string, act: (ctx: ServerContext, id: string, body: unknown) => void) =>
    app.post<{ Params: Params }>(`/api/agents/:id/${path}`, async (req) => {
      const ctx = holder.get();
      requireHuman(ctx, req.params.id);
      act(ctx, req.params.id, req.body);
      // Notices and events go out on a microtask after the center call; let them land first.
      await ctx.center.settle();
      return ctx.desk.view(req.params.id)!;
    });

  agentAction("login", (ctx, id, raw) => {
    const body = parseBody(loginBody, raw);
    ctx.center.login(id, { available: body.available === true });
  });
  agentAction("logout", (ctx, id, raw) => {
    parseBody(emptyBody, raw);
    ctx.center.logout(id);
  });
  agentAction("state", (ctx, id, raw) => {
    const body = parseBody(stateBody, raw);
    ctx.center.requestState(id, { state: body.state, ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });
  agentAction("accept", (ctx, id, raw) => {
    const body = parseBody(offerBody, raw);
    ctx.center.accept(id, body.offerId);
  });
  agentAction("decline", (ctx, id, raw) => {
    const body = parseBody(offerBody, raw);
    ctx.center.decline(id, body.offerId);
  });
  agentAction("end", (ctx, id, raw) => {
    parseBody(emptyBody, raw);
    ctx.center.end(id);
  });
  agentAction("wrapup", (ctx, id, raw) => {
    const body = parseBody(wrapUpBody, raw);
    ctx.controls?.wrapUp(id, body);
    ctx.center.finishWrapUp(id, { ...(body.state !== undefined ? { state: body.state } : {}), ...(body.reason !== undefined ? { reason: body.reason } : {}) });
  });

  // ---- supervisor side

  app.get("/api/queues", async () => holder.get().center.listQueues());

  app.get<{ Querystring: { state?: string } }>("/api/contacts", async (req) => {
    const ctx = holder.get();
    const which = req.query.state ?? "all";
    if (which !== "all" && which !== "active" && which !== "ended") throw new ApiError(400, "BAD_REQUEST", `state: must be all, active or ended (got "${which}")`);
    return ctx.calls
      .list()
      .filter((s) => which === "all" || (which === "active") === !s.ended)
      .map((s) => contactSummary(ctx, s));
  });

  app.get<{ Params: Params }>("/api/contacts/:id", async (req) => {
    const ctx = holder.get();
    return contactTrace(ctx, requireCall(ctx, req.params.id));
  });

  // Pictures of a flow as Flow Designer lays it out; for a contact, with the path it took so far.
  app.get<{ Params: Params }>("/api/flows/:id/graph.svg", async (req, reply) => {
    const ctx = holder.get();
    const flow = ctx.flows.list().find((f) => f.id === req.params.id);
    if (!flow) throw new ApiError(404, "FLOW_NOT_FOUND", `no flow "${req.params.id}" (flows: ${ctx.flows.list().map((f) => f.id).join(", ")})`);
    return reply.type("image/svg+xml").send(renderFlowSvg(flow.definition));
  });

  app.get<{ Params: Params }>("/api/contacts/:id/graph.svg", async (req, reply) => {
    const ctx = holder.get();
    const session = requireCall(ctx, req.params.id);
    const steps: TraceStep[] = [];
    let current: string | undefined;
    for (const e of session.events) {
      if (e.type === "step" && e.activityId) {
        steps.push({ activityId: e.activityId, ...(e.port ? { port: e.port } : {}) });
        current = undefined;
      } else if (e.activityId) {
        // Prompts, HTTP calls and the like come from the activity that is running now.
        current = e.activityId;
      }
    }
    const svg = renderFlowSvg(session.flow.definition, { trace: { steps, ...(current && !session.ended ? { current } : {}) } });
    return reply.type("image/svg+xml").header("cache-control", "no-store").send(svg);
  });
}
