/**
 * Parse (`parse-activity`): reads a variable holding JSON, YAML, XML or TOML text (per
 * `contentType`, normalised to JSON by document-formats.ts), or a JSON variable's value, and maps
 * `outputVariableArray` rows with the same Jayway JSONPath rules as HTTP Request (§6.4).
 * Malformed or refused input (an XML entity declaration, nesting too deep) is an activity error
 * saying why; the activity has only `default`, so it goes to OnGlobalError (flow-designer §3,
 * §12 #14).
 */
import { str } from "./common.js";
import { documentFormatOf, parseDocumentText } from "./document-formats.js";
import { assignOutputs, outputRows, validateOutputRows } from "./http-request.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivityContext, ActivityOutcome, CompiledActivitySpec } from "./types.js";
import { compileOutputMappings, type CompiledMapping } from "../connectors/jsonpath.js";
import type { ActivityDef } from "../flow/types.js";

/** `inputVariable` is a bare name; tolerate `{{ name }}` as some authors write it. */
export function inputVariableOf(def: ActivityDef): string | undefined {
  const raw = str(def, "inputVariable");
  if (!raw) return undefined;
  const m = /^\s*\{\{\s*([^{}]+?)\s*\}\}\s*$/.exec(raw);
  return (m ? m[1]! : raw).trim() || undefined;
}

const parseActivity: CompiledActivitySpec = {
  type: "parse-activity",
  ports: () => ["default"],
  errorPorts: [],
  validate(def, report, flow) {
    if (!inputVariableOf(def)) report({ severity: "error", code: "missing-property", message: `Parse "${def.name}" names no input variable`, path: "inputVariable" });
    const type = str(def, "contentType");
    if (type !== undefined && documentFormatOf(type) === undefined) {
      report({ severity: "warning", code: "unsupported-content-type", message: `Parse "${def.name}": content type ${type} is not supported; its mappings will not match`, path: "contentType" });
    }
    validateOutputRows(def, report, flow);
  },
  compile(def) {
    const rows = compileOutputMappings(outputRows(def));
    return { run: (ctx) => run(ctx, def, rows) };
  },
};

/** One call: the activity's mapping rows were compiled with the flow. */
async function run(ctx: ActivityContext, def: ActivityDef, rows: readonly CompiledMapping[]): Promise<ActivityOutcome> {
  const name = inputVariableOf(def);
  if (!name) throw new ActivityError(`${def.name}: no input variable`);
  const value = ctx.vars.get(name);
  if (value === undefined) throw new ActivityError(`${def.name}: input variable "${name}" is not defined`);
  const contentType = str(def, "contentType") ?? "JSON";
  let document: unknown;
  if (typeof value === "string") {
    const parsed = parseDocumentText(value, contentType);
    if (!parsed.ok) {
      const shown = ctx.vars.isSecure(name) ? "" : ` (${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)})`;
      // The reason says what and where, never the text (the value may be secure).
      const why = parsed.reason === "malformed" ? "" : `: ${parsed.reason}`;
      throw new ActivityError(`${def.name}: input variable "${name}" does not hold valid ${contentType.toUpperCase()}${shown}${why}`);
    }
    document = parsed.value;
  } else {
    // A JSON variable already holds the parsed value.
    document = value;
  }
  if (rows.length > 0) assignOutputs(ctx, document, rows);
  return "default";
}

export default parseActivity;
