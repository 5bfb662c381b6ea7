/**
 * Structured logs of the contacts a server carries: one pino line per thing worth reading later,
 * each with the contact's id (`contactId`) and, where an activity produced it, the flow node
 * (`node`, `nodeType`, `flow`). Steps are `debug` (many per call); HTTP requests, queueing, the
 * agent's answer and the end are `info`; flow errors are `warn`. Prompts, variables and URLs are
 * left out: they carry what callers said and typed, and `isSecure` values never reach events anyway.
 */
import type { Logger } from "pino";
import type { CallEvent } from "../engine/events.js";
import type { CallRegistry } from "./calls.js";

function node(e: CallEvent): Record<string, unknown> {
  return { ...(e.activity ? { node: e.activity } : {}), ...(e.flow ? { flow: e.flow } : {}) };
}

/** Logs every contact's events on `logger`; returns the unsubscribe function. */
export function logContacts(calls: CallRegistry, logger: Logger): () => void {
  return calls.onEvent((session, e) => {
    const base = { contactId: session.interactionId, ...node(e) };
    switch (e.type) {
      case "step":
        logger.debug({ ...base, nodeType: e.activityType, port: e.port ?? null }, "step");
        break;
      case "http":
        logger.info({ ...base, connector: e.connector, method: e.method, status: e.status ?? null, ms: Math.round(e.ms), ...(e.failure ? { failure: e.failure } : {}) }, "http request");
        break;
      case "queued":
        logger.info({ ...base, queue: e.queue, queueName: e.queueName, priority: e.priority }, "queued");
        break;
      case "answered":
        logger.info({ ...base, agent: e.agent, agentName: e.agentName, queue: e.queue }, "answered");
        break;
      case "error":
        logger.warn({ ...base, handling: e.handling, error: e.message }, "flow error");
        break;
      case "ended":
        logger.info({ ...base, reason: e.reason }, "contact ended");
        break;
    }
  });
}
