/**
 * Variable rules: variables an activity sets that nothing reads, variables read that nothing
 * sets (so they are always empty), and secure variables that leave the flow: spoken, shown to
 * the agent as call-associated data, or sent in a URL.
 */
import type { ActivityDef, VariableDef } from "../types.js";
import type { LintDiagnostic, LintRule } from "./types.js";

/** Names of variables the export marks reportable: Analyzer reads them after the call. */
function reportable(raw: unknown): Set<string> {
  const vars = raw && typeof raw === "object" ? (raw as { variables?: unknown }).variables : undefined;
  const out = new Set<string>();
  for (const v of Array.isArray(vars) ? vars : []) {
    if (v && typeof v === "object" && (v as Record<string, unknown>).isReportable === true && typeof (v as Record<string, unknown>).name === "string") out.add(((v as Record<string, unknown>).name as string).toLowerCase());
  }
  return out;
}

/** Variables read or set outside the flow: by the agent desktop, reports, a calling flow, the platform. */
function external(v: VariableDef, reported: Set<string>): boolean {
  return v.isCAD || v.isAgentEditable || !!v.desktopLabel || reported.has(v.name.toLowerCase()) || /GLOBAL|SUBFLOW_INPUT|SUBFLOW_OUTPUT/i.test(v.source);
}

function readersOf(ctx: Parameters<LintRule["check"]>[0], name: string): ActivityDef[] {
  const lower = name.toLowerCase();
  const writers = new Set((ctx.facts.writes.get(lower) ?? []).filter((w) => w.kind === "set-variable").map((w) => w.activity.id));
  const out = new Map<string, ActivityDef>();
  for (const t of ctx.facts.readsOf.get(lower) ?? []) {
    // `{{ counter + 1 }}` assigned to counter is not a use of it.
    if (writers.has(t.activity.id) && /expr$/.test(t.field)) continue;
    out.set(t.activity.id, t.activity);
  }
  for (const a of ctx.facts.bareReads.get(lower) ?? []) out.set(a.id, a);
  return [...out.values()];
}

const neverRead: LintRule = {
  code: "variable-never-read",
  summary: "a variable set by the flow and never read",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    const reported = reportable(ctx.flow.raw);
    for (const v of ctx.flow.variables.values()) {
      if (external(v, reported)) continue;
      const writes = ctx.facts.writes.get(v.name.toLowerCase()) ?? [];
      if (writes.length === 0 || readersOf(ctx, v.name).length > 0) continue;
      const by = [...new Set(writes.map((w) => w.activity.name))];
      out.push({
        severity: "warning",
        code: this.code,
        message: `Variable "${v.name}" is set (by ${by.join(", ")}) but nothing reads it: it is not call-associated data, not reportable, not a subflow output, and no activity uses it`,
        path: v.path,
        variable: v.name,
        fix: `Use it where it was meant to be used, mark it as call-associated data if the agent should see it, or delete it and the assignment.`,
      });
    }
    return out;
  },
};

const neverSet: LintRule = {
  code: "variable-never-set",
  summary: "a variable read by the flow and never set",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    const reported = reportable(ctx.flow.raw);
    for (const v of ctx.flow.variables.values()) {
      if (external(v, reported)) continue;
      if (v.initial !== null && v.initial.trim() !== "") continue;
      if ((ctx.facts.writes.get(v.name.toLowerCase()) ?? []).length > 0) continue;
      const readers = readersOf(ctx, v.name);
      if (readers.length === 0) continue;
      out.push({
        severity: "warning",
        code: this.code,
        message: `Variable "${v.name}" is read (by ${readers.map((r) => r.name).join(", ")}) but has no initial value and nothing sets it: it is always empty`,
        path: v.path,
        variable: v.name,
        fix: `Give it a value with a Set Variable (or an HTTP Request output) before it is read, or a default in the variable's definition.`,
      });
    }
    return out;
  },
};

/** Where a read of a secure variable takes it out of the flow, by activity type and field. */
function leak(a: ActivityDef, field: string): string | undefined {
  if ((a.type === "play-message" || a.type === "ivr-menu" || a.type === "ivr-collectdigits") && field.startsWith(".promptsTts")) return "speaks it to the caller";
  if (a.type === "screen-pop") return "sends it to the agent's browser in a screen-pop URL";
  if (a.type === "http-request-v2" && (field === ".httpRequestPath" || field === ".httpRequestUrl" || field.startsWith(".httpQueryParameters"))) return "sends it in a URL, which servers and proxies log";
  return undefined;
}

const secureExposed: LintRule = {
  code: "secure-variable-exposed",
  summary: "isSecure values spoken in TTS, shown as call-associated data, or sent in a URL",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    for (const v of ctx.flow.variables.values()) {
      if (!v.isSecure) continue;
      if (v.isCAD) {
        out.push({
          severity: "warning",
          code: this.code,
          message: `Secure variable "${v.name}" is also call-associated data, so the agent desktop shows its value`,
          path: v.path,
          variable: v.name,
          fix: `Turn off "Make agent viewable" (isCAD) for ${v.name}, so the desktop does not show it.`,
        });
      }
      for (const t of ctx.facts.readsOf.get(v.name.toLowerCase()) ?? []) {
        const how = leak(t.activity, t.field);
        if (!how) continue;
        out.push({
          severity: "warning",
          code: this.code,
          message: `${t.activity.name} ${how.replace(" it ", ` secure variable "${v.name}" `)} (${t.field.slice(1)})`,
          path: `${t.activity.path}.properties${t.field}`,
          activity: { id: t.activity.id, name: t.activity.name },
          fix: how.startsWith("sends it in a URL") ? `Send ${v.name} in a header or the request body instead of the URL.` : `Leave ${v.name} out of ${t.activity.name}; say or show a masked form, such as its last four characters.`,
        });
      }
    }
    return out;
  },
};

export const variableRules: LintRule[] = [neverRead, neverSet, secureExposed];
