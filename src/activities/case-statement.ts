/**
 * Case: renders `expression` and leaves by the port `menuLinks[i]` of the first case value
 * `menuLinks_input[i]` equal to the trimmed text, else `default`. Case values read
 * `menuLinks_input`, or its twin `menuLinks:input` when an export has only that one. A case value
 * may itself be a template: Cisco Live's lab flow switches on `true` with cases such as
 * `{{count is even and toService}}`, so each value is rendered before it is compared.
 */
import { isTemplate, str } from "./common.js";
import type { CompiledActivitySpec, TemplateField } from "./types.js";
import type { ActivityDef } from "../flow/types.js";

function caseValues(def: ActivityDef): unknown[] {
  const p = def.properties;
  if (Array.isArray(p.menuLinks_input)) return p.menuLinks_input;
  return Array.isArray(p["menuLinks:input"]) ? p["menuLinks:input"] : [];
}

function cases(def: ActivityDef): Array<{ port: string; value: string; field: string }> {
  const links = Array.isArray(def.properties.menuLinks) ? def.properties.menuLinks : [];
  const values = caseValues(def);
  const key = Array.isArray(def.properties.menuLinks_input) ? "menuLinks_input" : '["menuLinks:input"]';
  return links.map((port: unknown, i: number) => ({
    port: String(port),
    value: values[i] === undefined || values[i] === null ? "" : String(values[i]),
    field: `${key}[${i}]`,
  }));
}

const caseStatement: CompiledActivitySpec = {
  type: "case-statement",
  ports: (def) => [...cases(def).map((c) => c.port), "default", "error"],
  templates: (def) => {
    const out: TemplateField[] = [];
    const e = str(def, "expression");
    if (e) out.push({ field: "expression", source: e });
    for (const c of cases(def)) if (isTemplate(c.value)) out.push({ field: c.field, source: c.value });
    return out;
  },
  compile(def) {
    const expression = str(def, "expression");
    const list = cases(def).map((c) => ({ ...c, templated: isTemplate(c.value), trimmed: c.value.trim() }));
    return {
      run(ctx) {
        const text = ctx.render(expression, "expression").trim();
        for (const c of list) {
          const value = c.templated ? ctx.render(c.value, c.field).trim() : c.trimmed;
          if (value === text) return c.port;
        }
        return "default";
      },
      sync: true,
    };
  },
};

export default caseStatement;
