/**
 * Case: renders `expression` and leaves by the port `menuLinks[i]` of the first case value
 * `menuLinks_input[i]` equal to the trimmed text, else `default`.
 */
import { str } from "./common.js";
import type { ActivitySpec } from "./types.js";
import type { ActivityDef } from "../flow/types.js";

function cases(def: ActivityDef): Array<{ port: string; value: string }> {
  const links = Array.isArray(def.properties.menuLinks) ? def.properties.menuLinks : [];
  const values = Array.isArray(def.properties.menuLinks_input) ? def.properties.menuLinks_input : [];
  return links.map((port: unknown, i: number) => ({ port: String(port), value: values[i] === undefined || values[i] === null ? "" : String(values[i]) }));
}

const caseStatement: ActivitySpec = {
  type: "case-statement",
  ports: (def) => [...cases(def).map((c) => c.port), "default", "error"],
  templates: (def) => {
    const e = str(def, "expression");
    return e ? [{ field: "expression", source: e }] : [];
  },
  run(ctx) {
    const text = ctx.render(str(ctx.activity, "expression"), "expression").trim();
    return cases(ctx.activity).find((c) => c.value.trim() === text)?.port ?? "default";
  },
};

export default caseStatement;
