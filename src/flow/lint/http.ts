/**
 * HTTP Request rules: responses used without looking at the status code, lookups that ask the
 * same question for every caller, and caller-controlled values placed unescaped inside a quoted
 * literal of a URL (OData, SOQL) or a JSON / GraphQL string, where Webex sends them as rendered.
 */
import type { ActivityDef } from "../types.js";
import type { FlowFacts, TemplateUse } from "./facts.js";
import type { LintContext, LintDiagnostic, LintRule } from "./types.js";

const HTTP = new Set(["http-request-v2"]);

function httpActivities(ctx: LintContext): ActivityDef[] {
  return [...ctx.flow.main.activities.values(), ...ctx.flow.events.activities.values()].filter((a) => HTTP.has(a.type));
}

function outputVariables(a: ActivityDef): string[] {
  const rows = Array.isArray(a.properties.outputVariableArray) ? a.properties.outputVariableArray : [];
  return rows.flatMap((r: unknown) => {
    const v = r && typeof r === "object" ? (r as Record<string, unknown>).outputVariable : undefined;
    return typeof v === "string" && v.trim() !== "" ? [v] : [];
  });
}

function jsonPaths(a: ActivityDef): string[] {
  const rows = Array.isArray(a.properties.outputVariableArray) ? a.properties.outputVariableArray : [];
  return rows.flatMap((r: unknown) => {
    const v = r && typeof r === "object" ? (r as Record<string, unknown>).jsonPathExp : undefined;
    return typeof v === "string" && v.trim() !== "" ? [v] : [];
  });
}

function list(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** Activities (other than `self`) whose templates read `root`, optionally only some fields of it. */
function readers(facts: FlowFacts, root: string, self: ActivityDef, field?: (path: string[]) => boolean): ActivityDef[] {
  const out = new Map<string, ActivityDef>();
  for (const t of facts.readsOf.get(root.toLowerCase()) ?? []) {
    if (t.activity.id === self.id) continue;
    if (field && !t.refs.some((r) => r.root.toLowerCase() === root.toLowerCase() && field(r.path))) continue;
    out.set(t.activity.id, t.activity);
  }
  for (const a of facts.bareReads.get(root.toLowerCase()) ?? []) if (a.id !== self.id) out.set(a.id, a);
  return [...out.values()];
}

const statusUnchecked: LintRule = {
  code: "http-status-unchecked",
  summary: "an HTTP Request whose outputs are used with no check of httpStatusCode",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    for (const a of httpActivities(ctx)) {
      const checked = (ctx.facts.readsOf.get(a.name.toLowerCase()) ?? []).some((t) => t.refs.some((r) => r.root.toLowerCase() === a.name.toLowerCase() && r.path[0]?.toLowerCase() === "httpstatuscode"));
      if (checked) continue;
      const used = new Map<string, ActivityDef>();
      const vars: string[] = [];
      for (const v of outputVariables(a)) {
        const rs = readers(ctx.facts, v, a);
        if (rs.length === 0) continue;
        vars.push(v);
        for (const r of rs) used.set(r.id, r);
      }
      for (const r of readers(ctx.facts, a.name, a, (p) => p[0]?.toLowerCase() === "httpresponsebody")) {
        used.set(r.id, r);
        if (!vars.includes(`${a.name}.httpResponseBody`)) vars.push(`${a.name}.httpResponseBody`);
      }
      if (used.size === 0) continue;
      out.push({
        severity: "warning",
        code: this.code,
        message: `Nothing checks ${a.name}.httpStatusCode, yet ${list(vars)} from its response ${vars.length === 1 ? "is" : "are"} used (by ${list([...used.values()].map((u) => u.name))}): an error answer (401, 404, 500) leaves ${vars.length === 1 ? "it as it was" : "them as they were"} and the flow carries on as if the request had worked`,
        path: a.path,
        activity: { id: a.id, name: a.name },
        fix: `Add a Condition {{ ${a.name}.httpStatusCode == 200 }} after ${a.name} and give the other outcome its own path.`,
      });
    }
    return out;
  },
};

/** A JSONPath that takes one element of a list: the answer is a collection and the flow keeps its first record. */
const FIRST_OF_LIST = /\[\s*0\s*\]/;

const lookupIgnoresCaller: LintRule = {
  code: "lookup-ignores-caller",
  summary: "a lookup whose query uses nothing from the caller",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    for (const a of httpActivities(ctx)) {
      const method = String(a.properties.httpRequestMethod ?? "GET").toUpperCase();
      if (method !== "GET" || ctx.facts.unparsed.has(a.id)) continue;
      const first = jsonPaths(a).filter((p) => FIRST_OF_LIST.test(p));
      if (first.length === 0) continue;
      // Anything that can differ between calls counts: a start-event field, another activity's
      // output, or a variable some activity writes.
      const varies = ctx.facts.templates
        .filter((t) => t.activity.id === a.id)
        .some((t) =>
          t.refs.some((r) => {
            const root = r.root.toLowerCase();
            if (root === "newphonecontact" || root === "newcontact" || ctx.facts.byName.has(root)) return true;
            return ctx.facts.writes.has(root) || !ctx.flow.variables.has(r.root);
          }),
        );
      if (varies) continue;
      const dataverse = /\$select|\$filter|\$expand/.test(String(a.properties.httpRequestPath ?? a.properties.httpRequestUrl ?? ""));
      out.push({
        severity: "warning",
        code: this.code,
        message: `${a.name} sends the same request on every call (nothing in its URL, query or body comes from the caller) and keeps the first record of the answer (${list(first)}): every caller gets the same record, someone else's`,
        path: a.path,
        activity: { id: a.id, name: a.name },
        fix: dataverse
          ? `Filter the query by the caller: add a $filter on an id an earlier lookup found from the caller's number (for example $filter=_customerid_value eq {{CustomerID}}).`
          : `Filter the request by something that identifies the caller: the caller's number, digits they entered, or an id an earlier lookup found.`,
      });
    }
    return out;
  },
};

type Place = "url" | "json" | "graphql";

/** Where a template of an HTTP Request lands, by field. */
function placeOf(a: ActivityDef, t: TemplateUse): Place | undefined {
  const f = t.field;
  if (f === ".httpRequestPath" || f === ".httpRequestUrl" || f.startsWith(".httpQueryParameters")) return "url";
  if (f.startsWith(".httpRequestBodyGQL")) return "graphql";
  if (f === ".httpRequestBody") {
    const type = String(a.properties.httpContentType ?? a.properties.contentType ?? "").toLowerCase();
    const body = t.source.trim();
    if (type.includes("json") || body.startsWith("{") || body.startsWith("[")) return "json";
  }
  return undefined;
}

/** The expression `{{ … }}` around a position in a template: its start, end and text. */
function enclosing(source: string, position: number): { start: number; end: number; text: string } | undefined {
  const start = source.lastIndexOf("{{", position);
  if (start === -1) return undefined;
  const close = source.indexOf("}}", position);
  const end = close === -1 ? source.length : close + 2;
  return { start, end, text: source.slice(start, end) };
}

/** Whether the literal text before `upTo` leaves an open quote, counting only the template's own text. */
function insideQuotes(source: string, upTo: number, place: Place): boolean {
  const literal = source.slice(0, upTo).replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, "");
  if (place === "url") return (literal.match(/'|%27/gi)?.length ?? 0) % 2 === 1;
  // JSON and GraphQL strings: an unescaped double quote opens or closes one.
  return (literal.match(/(?<!\\)"/g)?.length ?? 0) % 2 === 1;
}

/** Filters that make a value safe inside a quoted literal, by where it lands. */
function escaped(expression: string, place: Place): boolean {
  if (/\|\s*(escape|replace|base64encode|sha256)\b/.test(expression)) return true;
  // Percent-encoding keeps quotes out of a JSON string, but a server decodes it before OData sees the literal.
  return place !== "url" && /\|\s*urlencode\b/.test(expression);
}

const unescapedCallerValue: LintRule = {
  code: "unescaped-caller-value",
  summary: "a caller-controlled value (ANI, DNIS, entered digits, an HTTP result) placed unescaped inside an OData string literal or a JSON string",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    for (const a of httpActivities(ctx)) {
      for (const t of ctx.facts.templates) {
        if (t.activity.id !== a.id) continue;
        const place = placeOf(a, t);
        if (!place) continue;
        const found = new Map<string, { shown: string; origin: string }>();
        for (const r of t.refs) {
          const caller = ctx.facts.caller(r.root, r.path);
          // Keypad digits (0-9, * and #) cannot close a quoted literal.
          if (!caller || caller.kind === "digits") continue;
          const expr = enclosing(t.source, r.position);
          if (!expr || escaped(expr.text, place) || !insideQuotes(t.source, expr.start, place)) continue;
          const shown = [r.root, ...r.path].join(".");
          found.set(shown, { shown, origin: caller.origin });
        }
        if (found.size === 0) continue;
        const values = [...found.values()];
        const first = values[0]!.shown;
        const what = list(values.map((v) => `${v.shown} (${v.origin})`));
        const literal = place === "url" ? "a quoted OData/SOQL string literal" : place === "json" ? "a JSON string" : "a GraphQL string";
        const quote = place === "url" ? "a ' in it" : "a \" or \\ in it";
        out.push({
          severity: "warning",
          code: this.code,
          message: `${a.name} puts ${what} unescaped inside ${literal} in ${t.field.slice(1)}; Webex sends it as rendered, so ${quote} ends the string and rewrites the request`,
          path: `${a.path}.properties${t.field}`,
          activity: { id: a.id, name: a.name },
          fix:
            place === "url"
              ? `Double its quotes and encode it for the URL: {{ ${first} | replace({"'": "''"}) | urlencode }}.`
              : `Escape it for a JSON string: {{ ${first} | escape("json") }}.`,
        });
      }
    }
    return out;
  },
};

export const httpRules: LintRule[] = [statusUnchecked, lookupIgnoresCaller, unescapedCallerValue];
