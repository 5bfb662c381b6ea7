/**
 * BRE Request (`bre-request`): asks the Business Rules Engine for a value — `httpQueryParameters`
 * (`context`, `ani`, …, templates) sent as a GET — and maps the JSON answer with
 * `outputVariableArray` as HTTP Request does, exposing `httpStatusCode`, `httpResponseBody` and
 * `httpResponseHeaders`. `httpResponseTimeout` and `retryAttempts` work as in HTTP Request. Any
 * status leaves by `default`; a timeout or transport failure is an activity error (no error port,
 * so OnGlobalError).
 *
 * The export names no URL: in Webex the rules engine is Cisco's. ccflow sends the request to the
 * environment's `activities.breUrl` (a scenario answers it with an `http:` entry); with none it is
 * an activity error that says so.
 */
import { HttpFailure } from "../connectors/types.js";
import { mapTemplates } from "./common.js";
import { assignOutputs, outputRows, parseDocument, retriesOf, timeoutOf, validateOutputRows } from "./http-request.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivityDef } from "../flow/types.js";
import type { ActivityContext, ActivityOutcome, CompiledActivitySpec } from "./types.js";
import { compileOutputMappings, type CompiledMapping } from "../connectors/jsonpath.js";

const breRequest: CompiledActivitySpec = {
  type: "bre-request",
  ports: () => ["default"],
  errorPorts: [],
  templates: (def) => mapTemplates(def, "httpQueryParameters"),
  validate(def, report, flow) {
    validateOutputRows(def, report, flow);
  },
  compile(def) {
    const rows = compileOutputMappings(outputRows(def));
    return { run: (ctx) => run(ctx, def, rows) };
  },
};

/** One call: the activity's mapping rows were compiled with the flow. */
async function run(ctx: ActivityContext, def: ActivityDef, rows: readonly CompiledMapping[]): Promise<ActivityOutcome> {
  const url = ctx.env.scripts?.breUrl;
  if (!url) throw new ActivityError(`${def.name}: no Business Rules Engine to ask: Webex's is Cisco's own; set activities.breUrl in the environment`);
  const params = def.properties.httpQueryParameters;
  const query: Array<[string, string]> = [];
  if (params && typeof params === "object" && !Array.isArray(params)) {
    for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
      query.push([k, typeof v === "string" ? ctx.render(v, `httpQueryParameters[${JSON.stringify(k)}]`) : v === null || v === undefined ? "" : String(v)]);
    }
  }
  let result;
  try {
    result = await ctx.http.execute(
      { activity: def.name, target: url, query, queryEncoding: ctx.env.http?.escaping === "strict" ? "strict" : "as-rendered", method: "GET", headers: {}, timeoutMs: timeoutOf(def), retryAttempts: retriesOf(def), signal: ctx.signal },
      ctx.clock,
    );
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err;
    ctx.emit({ type: "http", method: "GET", url: err.url, ms: err.ms, attempts: err.attempts, failure: err.message });
    if (err.kind === "aborted" && ctx.signal.aborted) throw ctx.signal.reason ?? err;
    throw new ActivityError(`${def.name}: ${err.message}`);
  }
  ctx.emit({ type: "http", method: "GET", url: result.url, status: result.status, ms: result.ms, attempts: result.attempts });
  ctx.output("httpStatusCode", result.status);
  ctx.output("httpResponseBody", result.body);
  ctx.output("httpResponseHeaders", result.headers);
  if (rows.length > 0) assignOutputs(ctx, parseDocument(result.body, "JSON"), rows);
  ctx.emit({ type: "activity-result", kind: "bre", text: `rules engine answered ${result.status}`, data: { status: result.status, url: result.url } });
  return "default";
}

export default breRequest;
