/**
 * Set Variable: assigns one variable (older exports: top-level srcVariable/expr) or up to ten
 * (newer exports: setVariablesArray, whose first item the top level mirrors). Each `expr` is a
 * template; its text is coerced to the variable's type, except that a JSON variable given exactly
 * one `{{ }}` keeps the expression's native value.
 */
import type { ActivityDef } from "../flow/types.js";
import type { CompiledActivitySpec, TemplateField } from "./types.js";

interface Assignment {
  variable: string;
  expr: string;
  field: string;
}

function assignments(def: ActivityDef): Assignment[] {
  const p = def.properties;
  const list = Array.isArray(p.setVariablesArray) ? p.setVariablesArray : [];
  const out: Assignment[] = [];
  list.forEach((item: unknown, i: number) => {
    if (!item || typeof item !== "object") return;
    const it = item as Record<string, unknown>;
    if (typeof it.srcVariable !== "string" || !it.srcVariable) return;
    const expr = typeof it.expr === "string" ? it.expr : typeof it.literal === "string" ? it.literal : "";
    out.push({ variable: it.srcVariable, expr, field: `setVariablesArray[${i}].expr` });
  });
  if (out.length > 0) return out;
  if (typeof p.srcVariable === "string" && p.srcVariable) {
    const expr = typeof p.expr === "string" ? p.expr : typeof p.literal === "string" ? p.literal : "";
    out.push({ variable: p.srcVariable, expr, field: "expr" });
  }
  return out;
}

const setVariable: CompiledActivitySpec = {
  type: "set-variable",
  ports: () => ["out", "error"],
  templates: (def) => assignments(def).filter((a) => a.expr !== "").map((a): TemplateField => ({ field: a.field, source: a.expr })),
  validate(def, report, flow) {
    const list = assignments(def);
    if (list.length === 0) report({ severity: "error", code: "missing-property", message: `Set Variable "${def.name}" names no variable to set`, path: "srcVariable" });
    for (const a of list) {
      const known = flow.variables.has(a.variable) || [...flow.variables.keys()].some((n) => n.toLowerCase() === a.variable.toLowerCase());
      if (!known) {
        report({ severity: "error", code: "undeclared-variable", message: `Set Variable "${def.name}" assigns "${a.variable}", which the flow does not declare`, path: a.field.replace(/expr$/, "srcVariable") });
      }
    }
  },
  compile(def) {
    const list = assignments(def);
    return {
      run(ctx) {
        for (const a of list) {
          const type = ctx.vars.typeOf(a.variable);
          const value = type === "JSON" ? ctx.evaluate(a.expr, a.field) : ctx.render(a.expr, a.field);
          ctx.vars.set(a.variable, value, def.name);
        }
        return "out";
      },
      sync: true,
    };
  },
};

export default setVariable;
