/**
 * API errors: one JSON shape, `{ "error": { "code", "message" } }`, with an HTTP status that
 * says what kind of mistake it was. The center's failure codes pass through unchanged.
 */
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { CenterError } from "../center/errors.js";
import { describeIssues } from "./schemas.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

const CENTER_STATUS: Record<string, number> = {
  AGENT_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  QUEUE_RETIRED: 409,
  AGENT_NOT_LOGGED_IN: 409,
  INVALID_STATE: 409,
  STALE_OFFER: 409,
  CONTACT_BUSY: 409,
  CENTER_UNAVAILABLE: 503,
};

/** Maps anything thrown by a handler to a status and a body; unexpected errors say little. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (err instanceof ApiError) return { status: err.status, body: { error: { code: err.code, message: err.message } }, unexpected: false };
  if (err instanceof CenterError) return { status: CENTER_STATUS[err.code] ?? 400, body: { error: { code: err.code, message: err.message } }, unexpected: false };
  if (hasZodFastifySchemaValidationErrors(err)) {
    // A route's zod schema refused the body, path or query: name each field as the schema did.
    const context = (err as { validationContext?: string }).validationContext ?? "body";
    const issues = err.validation.map((v) => ({ path: v.instancePath.split("/").filter(Boolean), code: v.keyword, message: v.message ?? "is not valid", ...(Array.isArray(v.params.keys) ? { keys: v.params.keys as string[] } : {}) }));
    return { status: 400, body: { error: { code: "BAD_REQUEST", message: describeIssues(issues, context) } }, unexpected: false };
  }
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (typeof e?.code === "string" && e.code.startsWith("FST_CSRF_")) {
    // @fastify/csrf-protection's refusals (auth/gate.ts asks it on changes made with the session cookie).
    return { status: 403, body: { error: { code: "CSRF_TOKEN", message: "this change needs the session's CSRF token (header x-csrf-token; GET /api/session gives it)" } }, unexpected: false };
  }
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own: unparsable JSON, a wrong content type, a body too large...
    return { status: e.statusCode, body: { error: { code: "BAD_REQUEST", message: e.message ?? "bad request" } }, unexpected: false };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: "the server failed to handle this request; see its log" } }, unexpected: true };
}
