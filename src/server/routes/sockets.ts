/**
 * The WebSocket half of the API: live events for the caller (prompts to play, the call's state,
 * what the flow is doing), for an agent (offers with call-associated data, screen pops, state)
 * and for supervisors (queues, agents, contacts, and the traces they choose to watch).
 *
 * Every message is one JSON object with a `type`. The first message on each socket is the
 * current picture (`hello`, `desk`, `snapshot`), so a socket that joins late misses nothing.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RawData, WebSocket } from "ws";
import type { CenterEvent, ContactCenter } from "../../center/index.js";
import type { CallEvent } from "../../engine/events.js";
import type { Clock } from "../../time/clock.js";
import type { AgentDesk } from "../agent-desk.js";
import type { CallRegistry, CallSession } from "../calls.js";
import type { ContactRecords } from "../contact-records.js";
import { contactSummary, type ContactSummary } from "../contact-views.js";
import { idParams, observeQuery } from "../schemas.js";
import { tagRoutes } from "../api-doc.js";

export interface SocketRoutesOptions {
  calls: CallRegistry;
  center: ContactCenter;
  desk: AgentDesk;
  clock: Clock;
  /** Agents played by the machine, marked in the supervisor's snapshot. */
  simulated: ReadonlySet<string>;
  /** The live KPIs of the supervisor's snapshot, when the server keeps contact records. */
  records?: ContactRecords;
}

/** Supervisor snapshots are sent at most this often, ms. */
const SNAPSHOT_INTERVAL_MS = 250;

function send(socket: WebSocket, message: unknown): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.send(JSON.stringify(message));
}

function parse(data: RawData): Record<string, unknown> | undefined {
  try {
    const text = Buffer.isBuffer(data) ? data.toString("utf8") : Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data).toString("utf8");
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const socketRoutes: FastifyPluginAsyncZod<SocketRoutesOptions> = async (app, options) => {
  const { calls, center, desk } = options;
  const hub = new SupervisorHub(options);
  app.addHook("preClose", () => hub.close());
  tagRoutes(app, "websocket");

  // ---- caller: /api/calls/:id/ws[?observe=1]
  const callerSocket = {
    summary: "Caller events",
    description:
      "Server → client: `hello` {call, events, playing?, collecting?}; `play` {promptId, text?, file?, music?, voice?, durationMs, interruptible}; `play-end` {promptId, reason}; " +
      "`collect` {minDigits, maxDigits, terminator?, entryTimeoutMs}; `collect-end` {digits, timedOut, terminated}; `event` {event: CallEvent}; " +
      "`state` {state}; `hangup` {by:\"flow\"}; `ended` {reason}. Client → server: `dtmf` {digits}; `played` {promptId} (the browser finished the prompt); " +
      "`speech` {enabled} (the browser speaks prompts: each then lasts until `played`); `hangup`. Closing the socket hangs up unless `observe=1`.",
    params: idParams("Interaction id"),
    querystring: observeQuery,
  };
  app.get("/calls/:id/ws", { websocket: true, schema: callerSocket }, (socket, req) => {
    const session = calls.get(req.params.id);
    if (!session) {
      send(socket, { type: "error", error: { code: "CALL_NOT_FOUND", message: `no call with interaction id "${req.params.id}"` } });
      socket.close(1008, "CALL_NOT_FOUND");
      return;
    }
    const call = session;
    // The softphone is the phone: closing it hangs up. An observer (?observe=1) only listens.
    const isPhone = req.query.observe !== "1" && req.query.observe !== "true";
    let speaks = false;
    send(socket, { type: "hello", call: contactSummary(center, call), events: [...call.events], ...(call.currentPlay ? { playing: call.currentPlay } : {}), ...(call.currentCollect ? { collecting: call.currentCollect } : {}) });
    if (call.ended) send(socket, { type: "ended", reason: call.summary().endReason });
    const unsubscribe = call.subscribe((m) => send(socket, m));

    socket.on("message", (data) => {
      const m = parse(data);
      if (!m) return send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: "messages are JSON objects with a type" } });
      // An observer listens; only the phone's own socket presses keys, speaks or hangs up.
      if (!isPhone) return send(socket, { type: "error", error: { code: "OBSERVER", message: "this socket was opened to observe (?observe=1) and cannot act on the call" } });
      switch (m.type) {
        case "dtmf":
          if (typeof m.digits !== "string" || !/^[0-9*#]{1,32}$/.test(m.digits)) {
            return send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: "dtmf: digits must be 1 to 32 keys among 0-9, * and #" } });
          }
          if (!call.ended) call.channel.press(m.digits);
          return;
        case "played":
          if (typeof m.promptId === "number") call.channel.promptFinished(m.promptId);
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
        default:
          return send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: `unknown message type "${String(m.type)}" (dtmf, played, speech, hangup)` } });
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
      "agent-state, offer (with callAssociatedData), offer-cancelled, answered, ended or screen-pop {url, target, label}. Actions go through REST.",
    params: idParams("Agent id"),
  };
  app.get("/agents/:id/ws", { websocket: true, schema: agentSocket }, (socket, req) => {
    const agentId = req.params.id;
    const first = desk.view(agentId);
    if (!first) {
      send(socket, { type: "error", error: { code: "AGENT_NOT_FOUND", message: `no agent "${agentId}"` } });
      socket.close(1008, "AGENT_NOT_FOUND");
      return;
    }
    send(socket, { type: "desk", desk: first });
    const release = desk.connected(agentId);
    socket.on("close", release);
    // Each event goes out as it happens; the desk view after it follows once a burst settles.
    let deskQueued = false;
    const unsubscribe = center.subscribeAgent(agentId, (event: CenterEvent) => {
      send(socket, { type: "event", event });
      if (deskQueued) return;
      deskQueued = true;
      setImmediate(() => {
        deskQueued = false;
        const view = desk.view(agentId);
        if (view) send(socket, { type: "desk", desk: view });
      });
    });
    socket.on("message", () => send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: "the agent socket only sends; act through the REST API (POST /api/agents/{id}/...)" } }));
    socket.on("close", unsubscribe);
  });

  // ---- supervisor: /api/supervisor/ws
  const supervisorSocket = {
    summary: "Supervisor events",
    description:
      "Server → client: `snapshot` {queues, agents, contacts, kpis} first and whenever something changed (at most every 250 ms); `notice` {event}; " +
      "`trace` {interactionId, events} and then `call-event` {event} for the watched contact. Client → server: `watch` {interactionId} (`*` for all, empty to stop).",
  };
  app.get("/supervisor/ws", { websocket: true, schema: supervisorSocket }, (socket) => hub.join(socket));
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

  constructor(private readonly parts: SocketRoutesOptions) {}

  join(socket: WebSocket): void {
    this.attach();
    const w: Watcher = { socket };
    this.watchers.add(w);
    send(socket, this.snapshot());
    socket.on("message", (data) => {
      const m = parse(data);
      if (m?.type === "watch") {
        w.watching = typeof m.interactionId === "string" && m.interactionId ? m.interactionId : undefined;
        if (w.watching && w.watching !== "*") {
          const session = this.parts.calls.get(w.watching);
          send(socket, { type: "trace", interactionId: w.watching, events: session ? [...session.events] : [], omittedEvents: session?.omittedEvents ?? 0 });
        }
      } else {
        send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: 'supervisor messages: {"type":"watch","interactionId":"..."}' } });
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
        if (e.type === "notice") this.broadcast({ type: "notice", event: e });
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
    for (const w of this.watchers) {
      if (w.watching === "*" || w.watching === session.interactionId) send(w.socket, { type: "call-event", event });
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

  private broadcast(message: unknown): void {
    if (this.watchers.size === 0) return;
    const text = JSON.stringify(message);
    for (const w of this.watchers) if (w.socket.readyState === w.socket.OPEN) w.socket.send(text);
  }

  private snapshot(): { type: "snapshot"; at: number; queues: unknown; agents: unknown; contacts: ContactSummary[]; kpis: unknown } {
    const { center, calls, clock, simulated, records } = this.parts;
    return {
      type: "snapshot",
      at: clock.now(),
      queues: center.listQueues(),
      agents: center.listAgents().map((a) => ({ ...a, simulated: simulated.has(a.id) })),
      contacts: calls.list().slice(-200).map((s) => contactSummary(center, s)),
      kpis: records?.live() ?? [],
    };
  }
}
