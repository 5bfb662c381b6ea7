/**
 * Small fakes for engine unit tests: a center that records what it is asked and lets the test
 * play the agent, and an HTTP gateway answering from a table. Integration tests use the real ones.
 */
import type { AgentInfo, CenterPort, ContactHandle, QueueRequest, ScreenPopRequest } from "../../src/center/types.js";
import { HttpFailure, type HttpGateway, type HttpRequestSpec, type HttpResult } from "../../src/connectors/types.js";
import type { Clock } from "../../src/time/clock.js";
import type { CallEvent } from "../../src/engine/events.js";

export class FakeCenter implements CenterPort {
  queued: QueueRequest[] = [];
  pops: ScreenPopRequest[] = [];
  ended: Array<{ interactionId: string; reason: string }> = [];
  contacts = new Map<string, ContactHandle>();

  queueContact(request: QueueRequest) {
    this.queued.push(request);
    this.contacts.set(request.contact.interactionId, request.contact);
    return { ok: true as const, queue: { id: request.queueId, name: `Queue ${request.queueId}` }, position: this.queued.length };
  }
  queueToAgent() {
    return { ok: false as const, code: "AGENT_NOT_FOUND", description: "no such agent" };
  }
  queueStats(queueId: string) {
    return { queue: { id: queueId, name: queueId }, piq: this.queued.length, ewtMs: -1, oldestCallTimeMs: 0, loggedOnAgents: 0, availableAgents: 0, queuedNow: this.queued.length };
  }
  registerCallback() {
    return { ok: true as const, id: "cb-1" };
  }
  screenPop(request: ScreenPopRequest) {
    this.pops.push(request);
    return "agent-1";
  }
  contactEnded(interactionId: string, reason: string) {
    this.ended.push({ interactionId, reason });
  }

  /** Plays an agent answering the first queued contact. */
  answer(agent: AgentInfo = { id: "agent-1", name: "Ana Agent" }): void {
    const req = this.queued[0];
    if (!req) throw new Error("nobody is queued");
    const queue = { id: req.queueId, name: `Queue ${req.queueId}` };
    req.contact.notify({ type: "offered", agent, queue });
    req.contact.notify({ type: "answered", agent, queue });
  }
}

export type Route = (spec: HttpRequestSpec) => { status: number; body: unknown; headers?: Record<string, string> } | "timeout" | "reset";

export class FakeHttp implements HttpGateway {
  calls: HttpRequestSpec[] = [];
  constructor(private readonly route: Route) {}

  async execute(spec: HttpRequestSpec, _clock: Clock): Promise<HttpResult> {
    this.calls.push(spec);
    const url = `https://crm.example/${spec.target}`;
    const answer = this.route(spec);
    if (answer === "timeout") throw new HttpFailure("timeout", `timeout after ${spec.timeoutMs} ms`, url, spec.timeoutMs, 1);
    if (answer === "reset") throw new HttpFailure("network", "connection reset (ECONNRESET)", url, 1, 1);
    const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    return { status: answer.status, headers: answer.headers ?? { "content-type": "application/json" }, body, url, ms: 3, attempts: 1 };
  }

  describe() {
    return { name: "fake" };
  }
}

/** Collects a call's events and offers the views tests ask about. */
export class Recorder {
  events: CallEvent[] = [];
  listener = (e: CallEvent) => this.events.push(e);

  of<T extends CallEvent["type"]>(type: T): Array<Extract<CallEvent, { type: T }>> {
    return this.events.filter((e) => e.type === type) as Array<Extract<CallEvent, { type: T }>>;
  }
  prompts(): string[] {
    return this.of("prompt").map((p) => p.text ?? p.file ?? "");
  }
  /** Activities visited, as `Name` or `Name:port` for gateways. */
  path(): string[] {
    return this.of("step").map((s) => s.activity ?? "?");
  }
}
