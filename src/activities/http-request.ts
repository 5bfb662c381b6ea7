/**
 * HTTP Request (`http-request-v2`): renders the request from its templates, sends it through the
 * connector gateway, exposes `httpStatusCode`, `httpResponseBody` and `httpResponseHeaders`, and
 * maps `outputVariableArray` with Jayway JSONPath (flow-designer §6).
 *
 * Values interpolated into the path/URL and the body go out as rendered, as in Webex; the gateway
 * normalises the finished URL only as an HTTP client must. With the environment's
 * `http.escaping: strict` they are escaped for where they land instead (connectors/escaping.ts).
 * Any HTTP status leaves by `default`; a timeout or transport failure is an activity error, and
 * the activity has no error port, so it goes to OnGlobalError — unless the environment file says
 * `http.timeoutMode: status408`: then a passed deadline (only that, not a reset or refused
 * connection) leaves by `default` with status 408, an empty body and every mapping a miss
 * (flow-designer §12 #1). The response body is parsed per `contentType` (JSON, YAML, XML, TOML)
 * before mapping; a body that does not parse makes every mapping a miss.
 */
import { escapeFormValue, escapeHeaderValue, escapeJsonValue, escapeUrlValue } from "../connectors/escaping.js";
import { normalizeContentType } from "../connectors/gateway.js";
import { compileJsonPath, compileOutputMappings, type CompiledMapping, EMPTY, type JsonPathMissMode, KEEP, mappedValue, OutputMappingError, type OutputMappingRow } from "../connectors/jsonpath.js";
import { HttpFailure, type HttpRequestSpec, type HttpResult, type UrlMemo } from "../connectors/types.js";
import type { ActivityDef, FlowDefinition } from "../flow/types.js";
import { bool, mapTemplates, str } from "./common.js";
import { type DocumentFormat, documentFormatOf, parseDocumentText } from "./document-formats.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivityContext, ActivityOutcome, ActivitySpec, ActivityStep, CompiledActivitySpec, TemplateField } from "./types.js";

export const DEFAULT_TIMEOUT_MS = 2000;
export const DEFAULT_RETRY_ATTEMPTS = 1;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

type Escape = (value: string, before: string) => string;

/** `authenticated` as exported; absent means "has a connector". */
export function isAuthenticated(def: ActivityDef): boolean {
  if (def.properties.authenticated === undefined || def.properties.authenticated === null) return !!str(def, "connectorId");
  return bool(def, "authenticated");
}

/** An int-or-string property (`2000`, `"2000"`); undefined when absent or empty, NaN when bad. */
function intProperty(def: ActivityDef, key: string): number | undefined {
  const v = def.properties[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number") return Number.isInteger(v) ? v : NaN;
  if (typeof v === "string" && /^\s*\d+\s*$/.test(v)) return Number(v);
  return NaN;
}

export function timeoutOf(def: ActivityDef): number {
  const v = intProperty(def, "httpResponseTimeout");
  return v === undefined || Number.isNaN(v) || v <= 0 ? DEFAULT_TIMEOUT_MS : v;
}

export function retriesOf(def: ActivityDef): number {
  const v = intProperty(def, "retryAttempts");
  return v === undefined || Number.isNaN(v) || v < 0 ? DEFAULT_RETRY_ATTEMPTS : v;
}

function stringMap(def: ActivityDef, key: string): Array<[string, unknown]> {
  const m = def.properties[key];
  if (!m || typeof m !== "object" || Array.isArray(m)) return [];
  return Object.entries(m as Record<string, unknown>);
}

export function outputRows(def: ActivityDef): OutputMappingRow[] {
  const rows = def.properties.outputVariableArray;
  return Array.isArray(rows) ? rows.filter((r): r is OutputMappingRow => !!r && typeof r === "object") : [];
}

/**
 * Checks every mapping row (the validator's half of §6.4): the JSONPath compiles, and the
 * variable is declared (a row naming an unknown variable is skipped at run time: a warning).
 */
export function validateOutputRows(def: ActivityDef, report: Parameters<NonNullable<ActivitySpec["validate"]>>[1], flow?: FlowDefinition): void {
  outputRows(def).forEach((row, i) => {
    const path = typeof row.jsonPathExp === "string" ? row.jsonPathExp.trim() : "";
    const variable = typeof row.outputVariable === "string" ? row.outputVariable.trim() : "";
    if (path === "" || variable === "") return;
    try {
      compileJsonPath(path);
    } catch (err) {
      report({ severity: "error", code: "bad-jsonpath", message: `"${def.name}" maps ${variable} with a bad JSONPath: ${(err as Error).message}`, path: `outputVariableArray[${i}].jsonPathExp` });
    }
    if (flow?.variables && !flow.variables.has(variable) && ![...flow.variables.keys()].some((k) => k.toLowerCase() === variable.toLowerCase())) {
      report({ severity: "warning", code: "unknown-variable", message: `"${def.name}" maps ${path} to ${variable}, which the flow does not declare; the row is skipped`, path: `outputVariableArray[${i}].outputVariable` });
    }
  });
}

/** Renders a template with an escaper; render errors become ActivityError naming the field. */
export function renderEscaped(ctx: ActivityContext, source: string | null | undefined, field: string, escape: Escape | undefined): string {
  if (source === null || source === undefined || source === "") return "";
  if (!escape) return ctx.render(source, field);
  const template = ctx.template(source, field);
  if (template.isLiteral) return source;
  try {
    return template.render(ctx.vars.scope(), { now: () => ctx.clock.now(), escape });
  } catch (err) {
    if (err instanceof ActivityError) throw err;
    throw new ActivityError(`${ctx.activity.name}: ${field}: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** Parses a response or variable body per the exported `contentType` (document-formats.ts); undefined when it cannot. */
export function parseDocument(text: string, contentType: string | undefined): unknown {
  const parsed = parseDocumentText(text, contentType);
  return parsed.ok ? parsed.value : undefined;
}

/** How a JSONPath miss is handled: the environment file's `http.jsonPathMiss` (flow-designer §12 #2). */
export function missMode(ctx: ActivityContext): JsonPathMissMode {
  return ctx.env.http?.jsonPathMiss ?? "keep";
}

/**
 * Applies mapping rows (compiled once: compileOutputMappings) to a document through the variable
 * store (which emits variable events), as applyCompiledMappings maps them: every row is mapped
 * before any is assigned, so a row that fails leaves every variable as it was.
 */
export function assignOutputs(ctx: ActivityContext, document: unknown, rows: readonly CompiledMapping[]): void {
  const vars = ctx.vars;
  const mode = missMode(ctx);
  // The values by row (KEEP where nothing is assigned): one array, no assignment object per row.
  const values: unknown[] = new Array(rows.length);
  try {
    for (let i = 0; i < rows.length; i++) {
      const type = vars.typeOf(rows[i]!.variable);
      if (type === undefined) {
        values[i] = KEEP;
        continue;
      }
      const value = mappedValue(document, rows[i]!, type, mode);
      // "empty" has no value for INTEGER/DECIMAL/BOOLEAN; those keep their value.
      values[i] = value !== EMPTY ? value : type === "STRING" ? "" : type === "DATE_TIME" || type === "JSON" ? null : KEEP;
    }
  } catch (err) {
    if (err instanceof OutputMappingError) throw new ActivityError(`${ctx.activity.name}: ${err.message}`);
    throw err;
  }
  for (let i = 0; i < rows.length; i++) if (values[i] !== KEEP) vars.set(rows[i]!.variable, values[i], ctx.activity.name);
}

/** A response body as its document, when the plan names JSON (the common case: JSON.parse, no result object), else per parseDocument. */
function responseDocument(text: string, plan: RequestPlan): unknown {
  if (plan.responseFormat !== "JSON") return parseDocument(text, plan.responseType);
  // Same test as parseDocumentText's: blank text is no document.
  if (!/\S/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const httpRequest: CompiledActivitySpec = {
  type: "http-request-v2",
  ports: () => ["default"],
  errorPorts: [],
  templates(def) {
    const out: TemplateField[] = [];
    const target = isAuthenticated(def) ? "httpRequestPath" : "httpRequestUrl";
    const t = str(def, target);
    if (t) out.push({ field: target, source: t });
    out.push(...mapTemplates(def, "httpQueryParameters"), ...mapTemplates(def, "httpRequestHeaders"));
    const body = str(def, "httpRequestBody");
    if (body) out.push({ field: "httpRequestBody", source: body });
    return out;
  },
  validate(def, report, flow) {
    const name = def.name;
    if (isAuthenticated(def)) {
      if (!str(def, "connectorId")) report({ severity: "error", code: "missing-property", message: `HTTP Request "${name}" is authenticated but names no connector`, path: "connectorId" });
    } else if (!str(def, "httpRequestUrl")) {
      report({ severity: "error", code: "missing-property", message: `HTTP Request "${name}" has no URL`, path: "httpRequestUrl" });
    }
    const method = str(def, "httpRequestMethod");
    if (method !== undefined && !METHODS.includes(method.toUpperCase())) {
      report({ severity: "error", code: "bad-property", message: `HTTP Request "${name}" has an unknown method ${JSON.stringify(method)}`, path: "httpRequestMethod" });
    }
    const timeout = intProperty(def, "httpResponseTimeout");
    if (timeout !== undefined && (Number.isNaN(timeout) || timeout <= 0)) {
      report({ severity: "warning", code: "bad-property", message: `HTTP Request "${name}": httpResponseTimeout ${JSON.stringify(def.properties.httpResponseTimeout)} is not a positive number of ms; using ${DEFAULT_TIMEOUT_MS}`, path: "httpResponseTimeout" });
    }
    const retries = intProperty(def, "retryAttempts");
    if (retries !== undefined && (Number.isNaN(retries) || retries < 0)) {
      report({ severity: "warning", code: "bad-property", message: `HTTP Request "${name}": retryAttempts ${JSON.stringify(def.properties.retryAttempts)} is not a whole number; using ${DEFAULT_RETRY_ATTEMPTS}`, path: "retryAttempts" });
    }
    const responseType = str(def, "contentType");
    if (responseType !== undefined && documentFormatOf(responseType) === undefined) {
      report({ severity: "warning", code: "unsupported-content-type", message: `HTTP Request "${name}": response content type ${responseType} is not supported (JSON, YAML, XML, TOML); its mappings will not match`, path: "contentType" });
    }
    validateOutputRows(def, report, flow);
  },
  compile(def) {
    return new HttpRequestStep(def, planOf(def));
  },
};

/** One HTTP Request activity, its properties read once: each call renders and sends. */
class HttpRequestStep implements ActivityStep {
  /** The gateway's built URL for the last target sent without query parameters (see UrlMemo). */
  private readonly urlMemo: UrlMemo = {};

  constructor(
    private readonly def: ActivityDef,
    private readonly plan: RequestPlan,
  ) {}

  run(ctx: ActivityContext): Promise<ActivityOutcome> {
    let sent: Promise<HttpResult>;
    try {
      sent = ctx.http.execute(this.request(ctx), ctx.clock);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.answer(ctx, sent);
  }

  /** The request this call sends: rendered from the plan. */
  private request(ctx: ActivityContext): HttpRequestSpec {
    const plan = this.plan;
    const strict = ctx.env.http?.escaping === "strict";
    const target = renderEscaped(ctx, plan.targetSource, plan.targetField, strict ? escapeUrlValue : undefined).trim();

    // Without query parameters or headers, the step's own empty ones (the gateway only reads them).
    let query = NO_QUERY;
    if (plan.query.length > 0) {
      query = [];
      for (const q of plan.query) query.push([q.key, q.source !== undefined ? ctx.render(q.source, q.field) : q.value]);
    }
    let headers = NO_HEADERS;
    if (plan.headers.length > 0) {
      headers = {};
      for (const h of plan.headers) headers[h.key] = h.source !== undefined ? renderEscaped(ctx, h.source, h.field, escapeHeaderValue) : h.value;
    }
    const body = plan.bodySource !== undefined ? renderEscaped(ctx, plan.bodySource, "httpRequestBody", strict ? plan.bodyEscape : undefined) : undefined;

    return {
      activity: this.def.name,
      connectorId: plan.connectorId,
      target,
      query,
      queryEncoding: strict ? "strict" : "as-rendered",
      method: plan.method,
      headers,
      body: body === "" ? undefined : body,
      contentType: plan.contentType,
      timeoutMs: plan.timeoutMs,
      retryAttempts: plan.retries,
      signal: ctx.signal,
      urlMemo: this.urlMemo,
    };
  }

  /** The response's outputs and mappings (a small async frame: the request's locals are not held across the wait). */
  private async answer(ctx: ActivityContext, sent: Promise<HttpResult>): Promise<ActivityOutcome> {
    let result: HttpResult;
    try {
      result = await sent;
    } catch (err) {
      return this.failed(ctx, err);
    }
    const plan = this.plan;
    ctx.emit({ type: "http", method: plan.method, url: result.url, status: result.status, ms: result.ms, attempts: result.attempts, connector: result.connectorName ?? connectorNameOf(ctx, plan.connectorId) });
    ctx.output("httpStatusCode", result.status);
    ctx.output("httpResponseBody", result.body);
    ctx.output("httpResponseHeaders", result.headers);

    if (plan.rows.length > 0) assignOutputs(ctx, responseDocument(result.body, plan), plan.rows);
    return "default";
  }

  /** A request that got no response: an activity error, or (`http.timeoutMode: status408`) a 408 for a passed deadline. */
  private failed(ctx: ActivityContext, err: unknown): ActivityOutcome {
    if (!(err instanceof HttpFailure)) throw err;
    const plan = this.plan;
    ctx.emit({ type: "http", method: plan.method, url: err.url, ms: err.ms, attempts: err.attempts, failure: err.message, connector: connectorNameOf(ctx, plan.connectorId) });
    if (err.kind === "aborted" && ctx.signal.aborted) throw ctx.signal.reason ?? err;
    if (err.kind === "timeout" && ctx.env.http?.timeoutMode === "status408") {
      // The flow sees a 408 with nothing to map; the trace above still says it timed out.
      ctx.output("httpStatusCode", 408);
      ctx.output("httpResponseBody", "");
      ctx.output("httpResponseHeaders", {});
      if (plan.rows.length > 0) assignOutputs(ctx, undefined, plan.rows);
      return "default";
    }
    throw new ActivityError(`${this.def.name}: ${err.message}`);
  }
}

/** A request's query parameters and headers when the activity has none: shared, never written (the gateway reads a spec's, it does not change them). */
const NO_QUERY: Array<[string, string]> = Object.freeze([]) as unknown as Array<[string, string]>;
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The connector's name for an http event; looked up only when the result does not carry it (describe builds an object). */
function connectorNameOf(ctx: ActivityContext, connectorId: string | undefined): string | undefined {
  return connectorId ? (ctx.http.describe(connectorId)?.name ?? connectorId) : undefined;
}

interface MapEntry {
  key: string;
  /** The template, for a string value. */
  source?: string;
  /** The value as text, for a non-string value. */
  value: string;
  field: string;
}

/** What an HTTP Request's properties say, read once per activity rather than once per call. */
interface RequestPlan {
  method: string;
  targetField: "httpRequestPath" | "httpRequestUrl";
  targetSource: string | undefined;
  query: MapEntry[];
  headers: MapEntry[];
  contentType: string | undefined;
  bodySource: string | undefined;
  bodyEscape: Escape | undefined;
  connectorId: string | undefined;
  timeoutMs: number;
  retries: number;
  rows: CompiledMapping[];
  responseType: string | undefined;
  /** `responseType` read: the format the body is parsed as (undefined: one ccflow does not read). */
  responseFormat: DocumentFormat | undefined;
}

function mapEntries(def: ActivityDef, key: string): MapEntry[] {
  return stringMap(def, key).map(([k, v]) =>
    typeof v === "string"
      ? { key: k, source: v, value: "", field: `${key}[${JSON.stringify(k)}]` }
      : { key: k, value: v === null || v === undefined ? "" : String(v), field: `${key}[${JSON.stringify(k)}]` },
  );
}

function planOf(def: ActivityDef): RequestPlan {
  const authenticated = isAuthenticated(def);
  const targetField = authenticated ? "httpRequestPath" : "httpRequestUrl";
  const contentType = str(def, "httpContentType");
  const normalized = normalizeContentType(contentType);
  return {
    method: (str(def, "httpRequestMethod") ?? "GET").toUpperCase(),
    targetField,
    targetSource: str(def, targetField),
    query: mapEntries(def, "httpQueryParameters"),
    headers: mapEntries(def, "httpRequestHeaders"),
    contentType,
    bodySource: str(def, "httpRequestBody"),
    bodyEscape: normalized === "application/json" ? escapeJsonValue : normalized === "application/x-www-form-urlencoded" ? escapeFormValue : undefined,
    connectorId: authenticated ? str(def, "connectorId") : undefined,
    timeoutMs: timeoutOf(def),
    retries: retriesOf(def),
    rows: compileOutputMappings(outputRows(def)),
    responseType: str(def, "contentType"),
    responseFormat: documentFormatOf(str(def, "contentType")),
  };
}

export default httpRequest;
