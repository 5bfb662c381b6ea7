/**
 * `/metrics` in the Prometheus text format, through prom-client. One registry per server (not
 * prom-client's global one), so two servers in one process (tests) keep their own figures.
 *
 * - contacts: started and ended (by outcome) as counters; live contacts by state as a gauge;
 * - queues: depth and oldest wait as gauges, time waited until answered or abandoned as a histogram;
 * - agents by state (gauge);
 * - HTTP connector requests: a latency histogram per connector and status (from the calls' http events);
 * - the embedded CRM: a latency histogram per area (Web API, record pages, token) and status, and errors;
 * - prom-client's default process and Node.js runtime metrics (CPU, memory, event loop lag, GC).
 * Gauges are read when scraped, from the center and the call registry, so they cannot drift.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CenterEvent, ContactCenter } from "../center/index.js";
import type { CallEvent } from "../engine/events.js";
import type { CallRegistry, CallSession } from "./calls.js";

/** Seconds: a caller's patience and an HTTP request's, each from fast to given up. */
const WAIT_BUCKETS = [1, 5, 10, 20, 30, 60, 120, 300, 600, 1800];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type CrmArea = "web-api" | "record-pages" | "token" | "other";

/** Which part of the embedded CRM a request path belongs to (a small, fixed label set). */
export function crmAreaOf(url: string): CrmArea | undefined {
  const path = url.split("?")[0] ?? "";
  if (path.startsWith("/api/data/")) return "web-api";
  if (path === "/main.aspx") return "record-pages";
  if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path) || /\/discovery\/v2\.0\/keys$/.test(path)) return "token";
  return undefined;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly contactsStarted: Counter;
  private readonly contactsEnded: Counter<"outcome">;
  private readonly queueWait: Histogram<"queue" | "result">;
  private readonly connectorLatency: Histogram<"connector" | "status">;
  private readonly crmLatency: Histogram<"area" | "method" | "status">;
  private readonly crmErrors: Counter<"area" | "status">;
  private readonly queuedAt = new Map<string, { at: number; queue: string }>();
  private readonly seen = new WeakSet<CallSession>();
  private detachers: Array<() => void> = [];
  private source?: { center: ContactCenter; calls: CallRegistry; now: () => number };

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "ccflow_" });
    const registers = [this.registry];
    this.contactsStarted = new Counter({ name: "ccflow_contacts_started_total", help: "Contacts (calls) started", registers });
    this.contactsEnded = new Counter({ name: "ccflow_contacts_ended_total", help: "Contacts ended, by outcome (the end reason: caller-hangup, agent-ended, disconnected, ...)", labelNames: ["outcome"], registers });
    // Gauges read the center when scraped; `collect` runs with the gauge as `this`.
    const source = () => this.source;
    new Gauge({
      name: "ccflow_contacts",
      help: "Live contacts by state (ivr, queued, offered, engaged)",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const counts: Record<string, number> = { ivr: 0, queued: 0, offered: 0, engaged: 0 };
        for (const s of source()?.calls.active() ?? []) if (!s.ended) counts[s.state] = (counts[s.state] ?? 0) + 1;
        for (const [state, n] of Object.entries(counts)) if (state !== "ended") this.set({ state }, n);
      },
    });
    new Gauge({
      name: "ccflow_queue_depth",
      help: "Contacts waiting in each queue",
      labelNames: ["queue", "queue_name"],
      registers,
      collect() {
        this.reset();
        for (const q of source()?.center.listQueues() ?? []) this.set({ queue: q.id, queue_name: q.name }, q.queuedNow);
      },
    });
    new Gauge({
      name: "ccflow_queue_oldest_wait_seconds",
      help: "How long the longest-waiting contact of each queue has waited",
      labelNames: ["queue", "queue_name"],
      registers,
      collect() {
        this.reset();
        for (const q of source()?.center.listQueues() ?? []) this.set({ queue: q.id, queue_name: q.name }, q.oldestWaitMs / 1000);
      },
    });
    new Gauge({
      name: "ccflow_agents",
      help: "Agents by state (Available, Idle, Reserved, Engaged, WrapUp, LoggedOut)",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const counts: Record<string, number> = { Available: 0, Idle: 0, Reserved: 0, Engaged: 0, WrapUp: 0, LoggedOut: 0 };
        for (const a of source()?.center.listAgents() ?? []) counts[a.state] = (counts[a.state] ?? 0) + 1;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    this.queueWait = new Histogram({
      name: "ccflow_queue_wait_seconds",
      help: "Time a contact waited in a queue until it was answered or left (abandoned, max wait, shutdown)",
      labelNames: ["queue", "result"],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.connectorLatency = new Histogram({
      name: "ccflow_http_connector_request_duration_seconds",
      help: "HTTP requests of flows through connectors, by connector and status (`failed` when no response came)",
      labelNames: ["connector", "status"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.crmLatency = new Histogram({
      name: "ccflow_crm_request_duration_seconds",
      help: "Requests to the embedded CRM, by area (web-api, record-pages, token), method and status",
      labelNames: ["area", "method", "status"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.crmErrors = new Counter({ name: "ccflow_crm_request_errors_total", help: "Requests to the embedded CRM answered with a 4xx or 5xx status", labelNames: ["area", "status"], registers });
  }

  /** Starts following the center and the calls (once the server knows them). */
  attach(center: ContactCenter, calls: CallRegistry, now: () => number): void {
    this.source = { center, calls, now };
    this.detachers.push(
      center.subscribe((e) => this.onCenterEvent(e)),
      calls.onEvent((session, event) => this.onCallEvent(session, event)),
    );
  }

  detach(): void {
    for (const d of this.detachers) d();
    this.detachers = [];
  }

  observeCrmRequest(area: CrmArea, method: string, status: number, seconds: number): void {
    const labels = { area, method: method.toUpperCase(), status: String(status) };
    this.crmLatency.observe(labels, seconds);
    if (status >= 400) this.crmErrors.inc({ area, status: String(status) });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private onCenterEvent(e: CenterEvent): void {
    if (e.type === "contact-queued") {
      if (!this.queuedAt.has(e.interactionId)) this.queuedAt.set(e.interactionId, { at: e.at, queue: e.queue.id });
    } else if (e.type === "answered") {
      const q = this.queuedAt.get(e.interactionId);
      if (q) this.queueWait.observe({ queue: q.queue, result: "answered" }, Math.max(0, e.at - q.at) / 1000);
      this.queuedAt.delete(e.interactionId);
    } else if (e.type === "contact-left") {
      const q = this.queuedAt.get(e.interactionId);
      if (q) this.queueWait.observe({ queue: q.queue, result: e.reason === "caller-hangup" || e.reason === "rtp-timeout" ? "abandoned" : e.reason }, Math.max(0, e.at - q.at) / 1000);
      this.queuedAt.delete(e.interactionId);
    }
  }

  private onCallEvent(session: CallSession, event: CallEvent): void {
    if (!this.seen.has(session)) {
      this.seen.add(session);
      this.contactsStarted.inc();
    }
    if (event.type === "http") {
      this.connectorLatency.observe({ connector: event.connector ?? "none", status: event.status === undefined ? "failed" : String(event.status) }, event.ms / 1000);
    } else if (event.type === "ended") {
      this.contactsEnded.inc({ outcome: event.reason });
      this.queuedAt.delete(session.interactionId);
    }
  }
}
