/**
 * The calls a server is carrying, each with its browser channel, its event stream (the trace)
 * and the sockets listening to it. The trace is the interaction's CallEvent stream as emitted —
 * secure values are already masked by the engine — held compactly (trace-buffer.ts) and kept for
 * a while after the call ends so the supervisor can still read it.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../time/clock.js";
import type { CallEvent, EndedEvent } from "../engine/events.js";
import type { CallbackOperation, Interaction, PendingCallback } from "../engine/interaction.js";
import type { CampaignStart, DialFirst } from "../engine/outbound-legs.js";
import type { Runtime } from "../runtime/runtime.js";
import { BrowserChannel, type BrowserChannelOptions, type ChannelMessage } from "../channels/browser.js";
import type { CatalogFlow } from "./flows.js";
import { TraceBodies, TraceBuffer } from "./trace-buffer.js";

export type CallPhase = "ivr" | "queued" | "offered" | "engaged" | "ended";

export interface CallSummary {
  interactionId: string;
  flow: { id: string; name: string };
  ani: string;
  dnis: string;
  startedAt: number;
  state: CallPhase;
  /** The activity the flow ran last (main flow or event flow). */
  activity?: string;
  queue?: { id: string; name?: string };
  priority?: number;
  agent?: { id: string; name?: string };
  endedAt?: number;
  endReason?: string;
}

/** What the caller's sockets receive. */
export type CallerMessage =
  | ChannelMessage
  | { type: "event"; event: CallEvent }
  | { type: "state"; state: CallPhase }
  | { type: "ended"; reason: string };

export class CallSession {
  readonly interactionId: string;
  readonly channel: BrowserChannel;
  readonly startedAt: number;
  private readonly trace: TraceBuffer;
  interaction!: Interaction;
  /** The prompt playing now, replayed to a socket that joins in the middle of it. */
  currentPlay?: Extract<ChannelMessage, { type: "play" }>;
  /** The digit collection waiting now, likewise. */
  currentCollect?: Extract<ChannelMessage, { type: "collect" }>;
  private summaryState: Omit<CallSummary, "interactionId" | "flow" | "ani" | "dnis" | "startedAt" | "state"> = {};
  private readonly subscribers = new Set<(m: CallerMessage) => void>();
  private lastState: CallPhase = "ivr";

  constructor(
    readonly flow: CatalogFlow,
    readonly ani: string,
    readonly dnis: string,
    clock: Clock,
    channelTiming: { msPerChar?: number; audioFileMs?: number; media?: BrowserChannelOptions["media"] },
    private readonly onEvent: (session: CallSession, event: CallEvent) => void,
    /** The trace bodies the registry's calls share (trace-buffer.ts). */
    bodies: TraceBodies,
    /** A contact restored after a restart keeps its id. */
    interactionId?: string,
  ) {
    this.interactionId = interactionId ?? randomUUID();
    this.trace = new TraceBuffer(this.interactionId, bodies);
    this.startedAt = clock.now();
    this.channel = new BrowserChannel({
      clock,
      ...channelTiming,
      send: (m) => {
        if (m.type === "play") this.currentPlay = m;
        else if (m.type === "play-end" && this.currentPlay?.promptId === m.promptId) this.currentPlay = undefined;
        else if (m.type === "collect") this.currentCollect = m;
        else if (m.type === "collect-end") this.currentCollect = undefined;
        this.broadcast(m);
      },
    });
  }

  /** The call's events so far (a new array each time), at most 5,000: the first 500 and the latest. */
  get events(): CallEvent[] {
    return this.trace.events();
  }

  /** Events dropped from the middle of a very long trace. */
  get omittedEvents(): number {
    return this.trace.omitted;
  }

  get state(): CallPhase {
    return this.interaction ? (this.interaction.state as CallPhase) : "ivr";
  }

  get ended(): boolean {
    return this.summaryState.endReason !== undefined;
  }

  summary(): CallSummary {
    return {
      interactionId: this.interactionId,
      flow: { id: this.flow.id, name: this.flow.name },
      // As ContactAniUpdated last changed it.
      ani: this.interaction?.ani ?? this.ani,
      dnis: this.dnis,
      startedAt: this.startedAt,
      state: this.ended ? "ended" : this.state,
      ...this.summaryState,
    };
  }

  subscribe(listener: (m: CallerMessage) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** Every event of the interaction passes here first. */
  record(event: CallEvent): void {
    this.trace.push(event);
    const s = this.summaryState;
    // Event flows run beside the main flow; "where the caller is" is the main flow's activity.
    if (event.type === "step" && event.activity && (event.flow === undefined || event.flow === "main")) s.activity = event.activity;
    else if (event.type === "queued") {
      s.queue = { id: event.queue, ...(event.queueName ? { name: event.queueName } : {}) };
      s.priority = event.priority;
    } else if (event.type === "answered" || event.type === "offered") s.agent = { id: event.agent, ...(event.agentName ? { name: event.agentName } : {}) };
    else if (event.type === "ended") {
      s.endedAt = event.at;
      s.endReason = event.reason;
    }
    this.broadcast({ type: "event", event });
    const state: CallPhase = event.type === "ended" ? "ended" : this.interaction ? this.state : "ivr";
    if (state !== this.lastState) {
      this.lastState = state;
      this.broadcast({ type: "state", state });
    }
    if (event.type === "ended") this.broadcast({ type: "ended", reason: event.reason });
    this.onEvent(this, event);
  }

  private broadcast(m: CallerMessage): void {
    for (const s of this.subscribers) {
      try {
        s(m);
      } catch {
        // A socket that failed to take a message is closed by its own handler.
      }
    }
  }
}

export interface CallRegistryOptions {
  runtime: Runtime;
  clock: Clock;
  msPerChar?: number;
  audioFileMs?: number;
  /** Ended calls whose trace stays readable. */
  retainEnded?: number;
  log?: (level: "info" | "warn", message: string) => void;
  /** Told each time a call's pending callbacks change (pending-callbacks.ts keeps them across restarts). */
  onCallbacksChanged?: (session: CallSession, pending: PendingCallback[], operation: CallbackOperation) => void;
}

export class CallRegistry {
  private readonly sessions = new Map<string, CallSession>();
  private readonly endedOrder: string[] = [];
  private readonly listeners = new Set<(session: CallSession, event: CallEvent) => void>();
  private readonly pending = new Set<Promise<EndedEvent>>();
  private readonly traceBodies = new TraceBodies();

  constructor(private readonly options: CallRegistryOptions) {}

  /**
   * Starts a call on a flow; returns at once (the flow runs on its own). `media` plays its prompts
   * as sound (a SIP call); `onSession` sees the session before the flow's first step; `campaign`
   * makes it an outbound campaign call to `ani`, `webCallback` a web callback to `ani`.
   */
  place(flow: CatalogFlow, ani: string, dnis: string, extra: { media?: BrowserChannelOptions["media"]; onSession?: (s: CallSession) => void; campaign?: CampaignStart; dialFirst?: DialFirst; webCallback?: { queueId: string }; resume?: { interactionId: string; callbacks: PendingCallback[]; operation: CallbackOperation; variables: Record<string, unknown>; steps?: number } } = {}): CallSession {
    const timing = { msPerChar: this.options.msPerChar, audioFileMs: this.options.audioFileMs, ...(extra.media ? { media: extra.media } : {}) };
    const session = new CallSession(
      flow,
      ani,
      dnis,
      this.options.clock,
      timing,
      (s, e) => {
        for (const l of this.listeners) l(s, e);
      },
      this.traceBodies,
      extra.resume?.interactionId,
    );
    const changed = this.options.onCallbacksChanged;
    this.sessions.set(session.interactionId, session);
    extra.onSession?.(session);
    session.interaction = this.options.runtime.startCall(flow.definition, {
      interactionId: session.interactionId,
      ani,
      dnis,
      channel: session.channel,
      listener: (e) => session.record(e),
      ...(extra.campaign ? { campaign: extra.campaign } : {}),
      ...(extra.dialFirst ? { dialFirst: extra.dialFirst } : {}),
      ...(extra.webCallback ? { webCallback: { number: ani, queueId: extra.webCallback.queueId } } : {}),
      ...(extra.resume ? { resume: { callbacks: extra.resume.callbacks, operation: extra.resume.operation, ...(extra.resume.steps !== undefined ? { steps: extra.resume.steps } : {}) }, globals: extra.resume.variables } : {}),
      ...(changed ? { onCallbacksChanged: (pending: PendingCallback[], operation: CallbackOperation) => changed(session, pending, operation) } : {}),
    });
    const done = session.interaction.done;
    this.pending.add(done);
    void done.then((ended) => {
      this.pending.delete(done);
      this.retire(session);
      this.options.log?.("info", `call ${session.interactionId.slice(0, 8)} from ${ani} ended (${ended.reason})`);
    });
    this.options.log?.("info", `call ${session.interactionId.slice(0, 8)} from ${ani} to ${dnis} on ${flow.name}`);
    return session;
  }

  get(interactionId: string): CallSession | undefined {
    return this.sessions.get(interactionId);
  }

  list(): CallSession[] {
    return [...this.sessions.values()];
  }

  active(): CallSession[] {
    return this.list().filter((s) => !s.ended);
  }

  /** Called for every event of every call. */
  onEvent(listener: (session: CallSession, event: CallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every call has ended and its event flows finished, or after `ms`. */
  async drain(ms: number): Promise<boolean> {
    if (this.pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const all = Promise.all([...this.pending]).then(() => true as const);
    const result = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return result;
  }

  private retire(session: CallSession): void {
    this.endedOrder.push(session.interactionId);
    const keep = this.options.retainEnded ?? 500;
    while (this.endedOrder.length > keep) this.sessions.delete(this.endedOrder.shift()!);
  }
}
