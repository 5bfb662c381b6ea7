/**
 * Subflow: runs another flow (a SUBFLOW export) inside this contact, passing
 * `subflowInputVariables` (src → the subflow's SUBFLOW_INPUT variable) and copying
 * `subflowOutputVariables` back (the subflow's SUBFLOW_OUTPUT variable → ours).
 */
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec, TemplateField } from "./types.js";
import type { ActivityDef } from "../flow/types.js";

interface Mapping {
  from: string;
  to: string;
}

function mappings(def: ActivityDef, key: string, fromKey: string[], toKey: string[]): Mapping[] {
  const list = def.properties[key];
  if (!Array.isArray(list)) return [];
  const pick = (o: Record<string, unknown>, keys: string[]) => keys.map((k) => o[k]).find((v) => typeof v === "string" && v !== "") as string | undefined;
  return list.flatMap((m: unknown) => {
    if (!m || typeof m !== "object") return [];
    const from = pick(m as Record<string, unknown>, fromKey);
    const to = pick(m as Record<string, unknown>, toKey);
    return from && to ? [{ from, to }] : [];
  });
}

function subflowRef(def: ActivityDef): string | undefined {
  const v = def.properties.subflowVersion;
  if (v && typeof v === "object" && typeof (v as Record<string, unknown>).id === "string") return (v as Record<string, string>).id;
  for (const k of ["subflowId", "subflow", "flowId"]) if (typeof def.properties[k] === "string") return def.properties[k] as string;
  return undefined;
}

const inputs = (def: ActivityDef) => mappings(def, "subflowInputVariables", ["src", "source", "value"], ["target", "inputVariable"]);
// The subflow's output variable is `target`; the variable of ours it lands in is `outputVariable`.
const outputs = (def: ActivityDef) => mappings(def, "subflowOutputVariables", ["target", "source"], ["outputVariable", "variable"]);

const subflow: CompiledActivitySpec = {
  type: "subflow-handoff",
  aliases: ["subflow"],
  ports: () => ["default", "error"],
  templates(def) {
    return inputs(def)
      .filter((m) => m.from.includes("{{"))
      .map((m, i): TemplateField => ({ field: `subflowInputVariables[${i}].src`, source: m.from }));
  },
  validate(def, report) {
    if (!subflowRef(def)) report({ severity: "error", code: "missing-property", message: `Subflow "${def.name}" names no subflow`, path: "subflowVersion" });
  },
  compile(def) {
    const ref = subflowRef(def);
    if (!ref) throw new PropertyError(def.name, "subflowVersion", `subflow "?" is not available in this environment`);
    const ins = inputs(def).map((m) => ({ ...m, templated: m.from.includes("{{") }));
    const outs = outputs(def);
    return {
      // The subflow itself is resolved per call: calls keep the set of flows they started with (serve --watch).
      async run(ctx) {
        if (!ctx.subflows) throw new ActivityError(`${def.name}: subflow "${ref}" is not available in this environment`);
        const values: Record<string, unknown> = {};
        for (const m of ins) values[m.to] = m.templated ? ctx.evaluate(m.from, "subflowInputVariables") : ctx.vars.get(m.from);
        const result = await ctx.subflows.run(ref, values, ctx.signal);
        for (const m of outs) if (m.from in result) ctx.vars.set(m.to, result[m.from], def.name);
        return "default";
      },
    };
  },
};

export default subflow;
