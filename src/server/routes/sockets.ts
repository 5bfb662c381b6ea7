/**
 * The WebSocket half of the API: live events for the caller (prompts to play, the call's state,
 * what the flow is doing), for an agent (offers with call-associated data, screen pops, state)
 * and for supervisors (queues, agents, contacts, and the traces they choose to watch).
 *
 * Every message is one JSON object with a `type`. The first message on each socket is the
 * current picture (`hello`, `desk`, `snapshot`), so a socket that joins late misses nothing. An
 * agent or supervisor socket that reconnects with `?after=` the last center event id it saw gets
 * the events it missed before that picture (event-journal.ts).
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { WebSocket } from "ws";
import type { CenterEvent, ContactCenter } from "../../center/index.js";
import type { CallEvent } from "../../engine/events.js";
import type { Clock } from "../../time/clock.js";
import type { AgentDesk } from "../agent-desk.js";
import type { CallRegistry, CallSession } from "../calls.js";
import type { ContactRecords } from "../contact-records.js";
import { contactSummary, type ContactSummary } from "../contact-views.js";
import { idParams, observeQuery } from "../schemas.js";
import { z } from "zod";
import type { EventJournal } from "../event-journal.js";
import { tagRoutes } from "../api-doc.js";
import { MESSAGES_KEY, readClientMessage, SOCKET_MESSAGES, SocketSender } from "../socket-messages.js";

export interface SocketRoutesOptions {
  calls: CallRegistry;
  center: ContactCenter;
  desk: AgentDesk;
  clock: Clock;
  /** Agents played by the machine, marked in the supervisor's snapshot. */
  simulated: ReadonlySet<string>;
  /** The live KPIs of the supervisor's snapshot, when the server keeps contact records. */
  records?: ContactRecords;
  /** Where a message that does not fit its schema is reported. */
  warn?: (message: string) => void;
  /** Recent center events with ids: a socket reconnecting with ?after=ID gets what it missed. */
  journal?: EventJournal;
}

const resumeQuery = z.object({ after: z.string().min(1).max(200).optional().describe("The last center event id this client saw (an event's `id`, a desk's or snapshot's `lastEventId`): the events since then are sent first") });

/** Supervisor snapshots are sent at most this often, ms. */
const SNAPSHOT_INTERVAL_MS = 250;

export const socketRoutes: FastifyPluginAsyncZod<SocketRoutesOptions> = async (app, options) => {
  const { calls, center, desk } = options;
  const warn = options.warn ?? (() => undefined);
  const callerOut = new SocketSender("the caller's socket", SOCKET_MESSAGES.caller.serverToClient, warn);
  const agentOut = new SocketSender("the agent's socket", SOCKET_MESSAGES.agent.serverToClient, warn);
  const hub = new SupervisorHub(options, new SocketSender("the supervisor's socket", SOCKET_MESSAGES.supervisor.serverToClient, warn));
  app.addHook("preClose", () => hub.close());
  tagRoutes(app, "websocket");

  // ---- caller: /api/calls/:id/ws[?observe=1]
  const callerSocket = {
    summary: "Caller events",
    description:
      "Server → client: `hello` {call, events, playing?, collecting?}; `play` {promptId, text?, file?, music?, voice?, durationMs, interruptible}; `play-end` {promptId, reason}; " +
      "`collect` {minDigits, maxDigits, terminator?, entryTimeoutMs}; `collect-end` {digits, timedOut, terminated}; `event` {event: CallEvent}; " +
      "`state` {state}; `hangup` {by:\"flow\"}; `ended` {reason}. Client → server: `dtmf` {digits}; `played` {promptId} (the browser finished the prompt); " +
      "`speech` {enabled} (the browser speaks prompts: each then lasts until `played`); `hangup`. Closing the socket hangs up unless `observe=1`. " +
      "Schemas: `x-ccflow-messages`.",
    params: idParams("Interaction id"),
    querystring: observeQuery,
    [MESSAGES_KEY]: SOCKET_MESSAGES.caller,
  };
  app.get("/calls/:id/ws", { websocket: true, schema: callerSocket }, (socket, req) => {
    const session = calls.get(req.params.id);
    if (!session) {
      callerOut.send(socket, { type: "error", error: { code: "CALL_NOT_FOUND", message: `no call with interaction id "${req.params.id}"` } });
      socket.close(1008, "CALL_NOT_FOUND");
      return;
    }
    const call = session;
    // The softphone is the phone: closing it hangs up. An observer (?observe=1) only listens.
    const isPhone = req.query.observe !== "1" && req.query.observe !== "true";
    let speaks = false;
    callerOut.send(socket, { type: "hello", call: contactSummary(center, call), events: [...call.events], ...(call.currentPlay ? { playing: call.currentPlay } : {}), ...(call.currentCollect ? { collecting: call.currentCollect } : {}) });
    if (call.ended) callerOut.send(socket, { type: "ended", reason: call.summary().endReason ?? "ended" });
    const unsubscribe = call.subscribe((m) => callerOut.send(socket, m));

    socket.on("message", (data) => {
      const read = readClientMessage(SOCKET_MESSAGES.caller.clientToServer, data);
      if (!isPhone && "message" in read) {
        // An observer listens; only the phone's own socket presses keys, speaks or hangs up.
        return callerOut.send(socket, { type: "error", error: { code: "OBSERVER", message: "this socket was opened to observe (?observe=1) and cannot act on the call" } });
      }
      if ("problem" in read) return callerOut.send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: read.problem } });
      const m = read.message;
      switch (m.type) {
        case "dtmf":
          if (!call.ended) call.channel.press(m.digits);
          return;
        case "played":
          call.channel.promptFinished(m.promptId);
          return;
        case "speech":
          if (m.enabled === true && !speaks) {
            speaks = true;
            call.channel.speakerJoined();
          } else if (m.enabled === false && speaks) {
            speaks = false;
            call.channel.speakerLeft();
          }
          return;
        case "hangup":
          if (!call.ended) call.interaction.hangup();
          return;
      }
    });
    socket.on("close", () => {
      unsubscribe();
      if (speaks) call.channel.speakerLeft();
      if (isPhone && !call.ended) call.interaction.hangup();
    });
  });

  // ---- agent: /api/agents/:id/ws
  const agentSocket = {
    summary: "Agent events",
    description:
      "Server → client: `desk` {desk: DeskView} first and after each burst of events; `event` {event: CenterEvent} where event.type is " +
      "agent-state, offer (with callAssociatedData), offer-cancelled, answered, ended, screen-pop {url, target, label}, consult or contact-updated {ani, previousAni}. Actions go through REST. " +
      "Schemas: `x-ccflow-messages`.",
    params: idParams("Agent id"),
    querystring: resumeQuery,
    [MESSAGES_KEY]: SOCKET_MESSAGES.agent,
  };
  const journal = options.journal;
  const lastEventId = () => {
    const id = journal?.lastId();
    return id !== undefined ? { lastEventId: id } : {};
  };
  app.get("/agents/:id/ws", { websocket: true, schema: agentSocket }, (socket, req) => {
    const agentId = req.params.id;
    const first = desk.view(agentId);
    if (!first) {
      agentOut.send(socket, { type: "error", error: { code: "AGENT_NOT_FOUND", message: `no agent "${agentId}"` } });
      socket.close(1008, "AGENT_NOT_FOUND");
      return;
    }
    // Reconnecting: the events missed since the last one seen, then the desk as it is now.
    const after = req.query.after;
    const missed = after !== undefined && journal ? journal.after(after, (e) => "agentId" in e && e.agentId === agentId) : undefined;
    for (const m of missed ?? []) agentOut.send(socket, { type: "event", id: m.id, event: m.event });
    agentOut.send(socket, { type: "desk", desk: first, ...lastEventId(), ...(after !== undefined ? { resumed: missed !== undefined } : {}) });
    const release = desk.connected(agentId);
    socket.on("close", release);
    // Each event goes out as it happens; the desk view after it follows once a burst settles.
    let deskQueued = false;
    const unsubscribe = center.subscribeAgent(agentId, (event: CenterEvent) => {
      const id = journal?.idOf(event);
      agentOut.send(socket, { type: "event", ...(id !== undefined ? { id } : {}), event });
      if (deskQueued) return;
      deskQueued = true;
      setImmediate(() => {
        deskQueued = false;
        const view = desk.view(agentId);
        if (view) agentOut.send(socket, { type: "desk", desk: view, ...lastEventId() });
      });
    });
    socket.on("message", () => agentOut.send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: "the agent socket only sends; act through the REST API (POST /api/agents/{id}/...)" } }));
    socket.on("close", unsubscribe);
  });

  // ---- supervisor: /api/supervisor/ws
  const supervisorSocket = {
    summary: "Supervisor events",
    description:
      "Server → client: `snapshot` {queues, agents, contacts, kpis} first and whenever something changed (at most every 250 ms); `notice` {event}; " +
      "`trace` {interactionId, events} and then `call-event` {event} for the watched contact. Client → server: `watch` {interactionId} (`*` for all, empty to stop). " +
      "Schemas: `x-ccflow-messages`.",
    querystring: resumeQuery,
    [MESSAGES_KEY]: SOCKET_MESSAGES.supervisor,
  };
  app.get("/supervisor/ws", { websocket: true, schema: supervisorSocket }, (socket, req) => hub.join(socket, req.query.after));
};

interface Watcher {
  socket: WebSocket;
  /** Contact whose live events this supervisor follows; `*` for every contact. */
  watching?: string;
}

/**
 * Fans the center and every call out to supervisors: a snapshot of queues, agents and contacts
 * whenever something changed (at most every 250 ms), center notices as they come, and the live
 * events of the contact each supervisor watches.
 */
class SupervisorHub {
  private readonly watchers = new Set<Watcher>();
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private lastSent = 0;
  private unsubscribe: Array<() => void> = [];
  private attached = false;

  constructor(
    private readonly parts: SocketRoutesOptions,
    private readonly out: SocketSender<typeof SOCKET_MESSAGES.supervisor.serverToClient>,
  ) {}

  join(socket: WebSocket, after?: string): void {
    this.attach();
    const w: Watcher = { socket };
    this.watchers.add(w);
    // Reconnecting: the notices missed since the last event seen, then the picture as it is now.
    const journal = this.parts.journal;
    const missed = after !== undefined && journal ? journal.after(after, (e) => e.type === "notice") : undefined;
    for (const m of missed ?? []) if (m.event.type === "notice") this.out.send(socket, { type: "notice", id: m.id, event: m.event });
    this.out.send(socket, { ...this.snapshot(), ...(after !== undefined ? { resumed: missed !== undefined } : {}) });
    socket.on("message", (data) => {
      const read = readClientMessage(SOCKET_MESSAGES.supervisor.clientToServer, data);
      if ("problem" in read) return this.out.send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: read.problem } });
      w.watching = read.message.interactionId || undefined;
      if (w.watching && w.watching !== "*") {
        const session = this.parts.calls.get(w.watching);
        this.out.send(socket, { type: "trace", interactionId: w.watching, events: session ? session.events : [], omittedEvents: session?.omittedEvents ?? 0 });
      }
    });
    socket.on("close", () => {
      this.watchers.delete(w);
      if (this.watchers.size === 0) this.detach();
    });
  }

  close(): void {
    this.detach();
    for (const w of this.watchers) w.socket.close(1001, "server shutting down");
    this.watchers.clear();
  }

  private attach(): void {
    if (this.attached) return;
    this.attached = true;
    const { center, calls } = this.parts;
    this.unsubscribe.push(
      center.subscribe((e) => {
        if (e.type === "notice") {
          const id = this.parts.journal?.idOf(e);
          this.broadcast({ type: "notice", ...(id !== undefined ? { id } : {}), event: e });
        }
        this.touch();
      }),
      calls.onEvent((session, event) => this.onCallEvent(session, event)),
    );
  }

  private detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.attached = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onCallEvent(session: CallSession, event: CallEvent): void {
    let text: string | undefined;
    for (const w of this.watchers) {
      if (w.socket.readyState !== w.socket.OPEN || (w.watching !== "*" && w.watching !== session.interactionId)) continue;
      w.socket.send((text ??= this.out.encode({ type: "call-event", event })));
    }
    if (event.type !== "variable" && event.type !== "prompt") this.touch();
  }

  private touch(): void {
    this.dirty = true;
    if (this.timer) return;
    const wait = Math.max(0, SNAPSHOT_INTERVAL_MS - (Date.now() - this.lastSent));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.dirty) return;
      this.dirty = false;
      this.lastSent = Date.now();
      this.broadcast(this.snapshot());
    }, wait);
  }

  private broadcast<M extends { type: "snapshot" | "notice" }>(message: M): void {
    if (this.watchers.size === 0) return;
    const text = this.out.encode(message);
    for (const w of this.watchers) if (w.socket.readyState === w.socket.OPEN) w.socket.send(text);
  }

  private snapshot(): { type: "snapshot"; at: number; queues: unknown; agents: unknown; contacts: ContactSummary[]; kpis: unknown; lastEventId?: string } {
    const { center, calls, clock, simulated, records, journal } = this.parts;
    const lastEventId = journal?.lastId();
    return {
      type: "snapshot",
      ...(lastEventId !== undefined ? { lastEventId } : {}),
      at: clock.now(),
      queues: center.listQueues(),
      agents: center.listAgents().map((a) => ({ ...a, simulated: simulated.has(a.id) })),
      contacts: calls.list().slice(-200).map((s) => contactSummary(center, s)),
      kpis: records?.live() ?? [],
    };
  }
}
