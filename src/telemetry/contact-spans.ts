/**
 * A contact's trace, read from its event stream (the one stream every view of a call reads):
 *
 *   contact                      the whole call, start to `ended`
 *   ├─ <activity name>           one per activity of the main flow (and of its subflows)
 *   │  └─ HTTP GET               one per HTTP request the activity made (connector, status, attempts)
 *   └─ event AgentContactAssigned    one per event flow run
 *      └─ <activity name>
 *
 * An activity's span starts where the previous activity of the same flow ended (activities of
 * one flow run one after another) and ends at its `step` event; an HTTP span covers the
 * gateway's own measure of the request (`ms`, retries and token fetch included). Other events
 * (queued, answered, control, ...) are span events on the activity or the contact.
 *
 * What is left out, on purpose: prompt text, variable values, digits, caller and dialled numbers,
 * screen-pop URLs and query strings (what callers said and typed, as in the logs). `isSecure`
 * values never reach events (the engine masks them), and every string still goes through the
 * connectors' redactor (client secrets, tokens) before it becomes an attribute.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import type { CallEvent } from "../engine/events.js";

/** The contact as the server knows it when its first event arrives. */
export interface TracedContact {
  interactionId: string;
  /** When the call started, ms since the epoch. */
  startedAt: number;
  flow: { id: string; name: string };
}

interface OpenActivity {
  id: string;
  span: Span;
  ctx: Context;
  failed?: string;
}

/** One running process: the main flow, a subflow, or one run of an event flow. */
interface FlowTrace {
  parent: Context;
  /** The event flow's own span. */
  span?: Span;
  /** Where the next activity starts: the end of the previous one. */
  boundary?: number;
  open?: OpenActivity;
}

interface ContactTrace {
  root: Span;
  ctx: Context;
  flows: Map<string, FlowTrace>;
}

export class ContactSpans {
  private readonly contacts = new Map<string, ContactTrace>();

  constructor(
    private readonly tracer: Tracer,
    /** Applied to every string that becomes a name or an attribute (the connectors' redactor). */
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  /** Contacts with a span still open. */
  get open(): number {
    return this.contacts.size;
  }

  onEvent(contact: TracedContact, e: CallEvent): void {
    let c = this.contacts.get(contact.interactionId);
    if (!c) {
      if (e.type === "ended") return;
      c = this.begin(contact);
    }
    if (e.type === "ended") return this.end(contact.interactionId, c, e.reason, e.at);
    if (e.type === "event") return this.eventFlow(c, e.name, e.at);
    // The engine's `disconnected` names the activity that hung up after that activity's step.
    const flow = e.activity !== undefined && e.flow && e.type !== "disconnected" ? this.flowOf(c, e.flow, e.at) : undefined;
    if (!flow) return this.onContact(c, e);
    let open = flow.open;
    if (open && open.id !== (e.activityId ?? e.activity)) {
      if (e.type !== "step") {
        // A late event of an activity that has finished (a timer it left): on the contact.
        return this.onContact(c, e);
      }
      this.close(open, e.at);
      open = undefined;
    }
    open ??= flow.open = this.startActivity(flow, e);
    switch (e.type) {
      case "step":
        open.span.setAttribute("ccflow.activity.type", e.activityType);
        if (e.port !== undefined) open.span.setAttribute("ccflow.activity.port", e.port);
        this.close(open, e.at);
        flow.open = undefined;
        flow.boundary = e.at;
        return;
      case "http":
        return this.http(open, e);
      case "error":
        open.failed = this.redact(e.message);
        open.span.addEvent("error", { "ccflow.error.handling": e.handling ?? "", "exception.message": open.failed }, e.at);
        return;
      default:
        open.span.addEvent(e.type, this.attributesOf(e), e.at);
    }
  }

  /** Ends every open span (server shutdown without `ended` events). */
  endAll(at: number): void {
    for (const [id, c] of this.contacts) this.end(id, c, "shutdown", at);
  }

  private begin(contact: TracedContact): ContactTrace {
    const root = this.tracer.startSpan(
      "contact",
      {
        kind: SpanKind.SERVER,
        startTime: contact.startedAt,
        attributes: { "ccflow.contact.id": contact.interactionId, "ccflow.flow.id": this.redact(contact.flow.id), "ccflow.flow.name": this.redact(contact.flow.name) },
      },
      ROOT_CONTEXT,
    );
    const c: ContactTrace = { root, ctx: trace.setSpan(ROOT_CONTEXT, root), flows: new Map() };
    c.flows.set("main", { parent: c.ctx, boundary: contact.startedAt });
    this.contacts.set(contact.interactionId, c);
    return c;
  }

  private flowOf(c: ContactTrace, name: string, at: number): FlowTrace {
    let flow = c.flows.get(name);
    if (flow) return flow;
    // A subflow runs inside the activity that called it (the main flow's open one).
    const caller = name.startsWith("subflow:") ? c.flows.get("main")?.open : undefined;
    flow = { parent: caller?.ctx ?? c.ctx, boundary: at };
    c.flows.set(name, flow);
    return flow;
  }

  /** An event flow starts (again): a span of its own under the contact. */
  private eventFlow(c: ContactTrace, name: string, at: number): void {
    const previous = c.flows.get(name);
    if (previous) this.endFlow(previous, at);
    const span = this.tracer.startSpan(`event ${this.redact(name)}`, { startTime: at, attributes: { "ccflow.event.name": this.redact(name) } }, c.ctx);
    c.flows.set(name, { parent: trace.setSpan(c.ctx, span), span, boundary: at });
  }

  private startActivity(flow: FlowTrace, e: CallEvent): OpenActivity {
    const name = this.redact(e.activity ?? "activity");
    const span = this.tracer.startSpan(
      name,
      { startTime: Math.min(flow.boundary ?? e.at, e.at), attributes: { "ccflow.activity.name": name, "ccflow.activity.id": this.redact(e.activityId ?? ""), "ccflow.flow": this.redact(e.flow ?? "") } },
      flow.parent,
    );
    return { id: e.activityId ?? e.activity ?? "", span, ctx: trace.setSpan(flow.parent, span) };
  }

  private http(open: OpenActivity, e: Extract<CallEvent, { type: "http" }>): void {
    const attributes: Attributes = { "http.request.method": e.method, "url.full": this.urlWithoutQuery(e.url) };
    if (e.status !== undefined) attributes["http.response.status_code"] = e.status;
    if (e.connector) attributes["ccflow.connector"] = this.redact(e.connector);
    if (e.attempts !== undefined) attributes["ccflow.http.attempts"] = e.attempts;
    if (e.failure) attributes["error.type"] = this.redact(e.failure);
    const span = this.tracer.startSpan(`HTTP ${e.method}`, { kind: SpanKind.CLIENT, startTime: e.at - e.ms, attributes }, open.ctx);
    if (e.failure || (e.status !== undefined && e.status >= 400)) span.setStatus({ code: SpanStatusCode.ERROR, message: e.failure ? this.redact(e.failure) : `HTTP ${e.status}` });
    span.end(e.at);
  }

  /** Origin and path only: a query string carries what the flow looked up (the caller's number). */
  private urlWithoutQuery(url: string): string {
    try {
      const u = new URL(url);
      return this.redact(`${u.origin}${u.pathname}`);
    } catch {
      return this.redact(url.split("?")[0] ?? "");
    }
  }

  private onContact(c: ContactTrace, e: CallEvent): void {
    if (e.type === "answered") {
      c.root.setAttribute("ccflow.agent.id", this.redact(e.agent));
      if (e.queue) c.root.setAttribute("ccflow.queue.id", this.redact(e.queue));
    }
    if (e.type === "variable") return;
    c.root.addEvent(e.type, this.attributesOf(e), e.at);
  }

  private close(open: OpenActivity, at: number): void {
    if (open.failed !== undefined) open.span.setStatus({ code: SpanStatusCode.ERROR, message: open.failed });
    open.span.end(at);
  }

  private endFlow(flow: FlowTrace, at: number): void {
    if (flow.open) {
      // Still running when its flow stopped (an answered call's hold music, a hang-up mid-menu).
      flow.open.span.setAttribute("ccflow.activity.interrupted", true);
      this.close(flow.open, at);
      flow.open = undefined;
    }
    flow.span?.end(at);
  }

  private end(id: string, c: ContactTrace, reason: string, at: number): void {
    // Inner flows first, so each span ends no later than its parent.
    for (const flow of [...c.flows.values()].reverse()) this.endFlow(flow, at);
    c.root.setAttribute("ccflow.contact.end_reason", this.redact(reason));
    c.root.end(at);
    this.contacts.delete(id);
  }

  /** The few fields of an event that are safe to keep (see the header). */
  private attributesOf(e: CallEvent): Attributes {
    const r = this.redact;
    const a: Attributes = {};
    switch (e.type) {
      case "queued":
        a["ccflow.queue.id"] = r(e.queue);
        if (e.queueName) a["ccflow.queue.name"] = r(e.queueName);
        a["ccflow.priority"] = e.priority;
        break;
      case "offered":
      case "answered":
        a["ccflow.agent.id"] = r(e.agent);
        if (e.queue) a["ccflow.queue.id"] = r(e.queue);
        break;
      case "requeued":
        a["ccflow.agent.id"] = r(e.agent);
        a["ccflow.reason"] = e.reason;
        if (e.queue) a["ccflow.queue.id"] = r(e.queue);
        if (e.to) a["ccflow.to.agent.id"] = r(e.to);
        break;
      case "control":
        a["ccflow.control.action"] = e.action;
        a["ccflow.agent.id"] = r(e.agent);
        break;
      case "disconnected":
        a["ccflow.by"] = e.by;
        break;
      case "error":
        a["exception.message"] = r(e.message);
        break;
      case "prompt":
        if (e.file) a["ccflow.prompt.file"] = r(e.file);
        if (e.music) a["ccflow.prompt.music"] = true;
        break;
      case "input":
        a["ccflow.input.outcome"] = e.outcome;
        break;
      case "callback":
        if (e.state) a["ccflow.callback.state"] = e.state;
        if (e.reason) a["ccflow.callback.reason"] = r(e.reason);
        break;
      case "activity-result":
        a["ccflow.result.kind"] = e.kind;
        break;
      case "screen-pop":
        a["ccflow.screen_pop.target"] = r(e.target);
        break;
      case "variable":
        a["ccflow.variable.name"] = r(e.name);
        break;
      default:
        break;
    }
    return a;
  }
}
