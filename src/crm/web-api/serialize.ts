/**
 * Stored rows to Dataverse JSON: `@odata.etag` first, then the selected properties each preceded
 * by its requested annotations, the primary key always present and last; lookups as `_x_value`
 * with their logical-name and navigation-property annotations.
 */
import type { Property, Schema } from "../schema/schema.js";
import { lookupValueName, type TableDef } from "../schema/types.js";
import { isPolymorphic, lookupTypeColumn } from "../store/ddl.js";
import type { Row } from "../store/types.js";
import { formattedValue, jsonValue } from "./format.js";
import { ASSOCIATED_NAVIGATION_PROPERTY, FORMATTED_VALUE, LOOKUP_LOGICAL_NAME, type AnnotationFilter } from "./prefer.js";

export function etagOf(row: Row): string {
  return `W/"${String(row.versionnumber ?? 0)}"`;
}

/** The properties a response carries: the selection, or all of them with the primary key last. */
export function propertiesFor(schema: Schema, table: TableDef, select: Property[] | null): Property[] {
  const all = select ?? schema.propertiesOf(table);
  const key = all.find((p) => p.name === table.primaryKey) ?? schema.property(table, table.primaryKey)!;
  if (select) return select.includes(key) ? select : [...select, key];
  return [...all.filter((p) => p !== key), key];
}

export function lookupTarget(row: Row, prop: Extract<Property, { kind: "lookup" }>): string | undefined {
  const lookup = prop.lookup;
  if (isPolymorphic(lookup)) {
    const type = row[lookupTypeColumn(lookup)];
    return typeof type === "string" ? type : undefined;
  }
  return lookup.targets[0];
}

export function serializeRow(
  schema: Schema,
  table: TableDef,
  row: Row,
  select: Property[] | null,
  annotations: AnnotationFilter | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { "@odata.etag": etagOf(row) };
  for (const prop of propertiesFor(schema, table, select)) {
    const value = row[prop.name] ?? null;
    if (prop.kind === "column") {
      if (annotations && value !== null && annotations.wants(FORMATTED_VALUE)) {
        const formatted = formattedValue(prop.column, value);
        if (formatted !== undefined) out[`${prop.name}@${FORMATTED_VALUE}`] = formatted;
      }
      out[prop.name] = jsonValue(prop.column, value);
      continue;
    }
    if (annotations && value !== null) {
      const target = lookupTarget(row, prop);
      const name = row[`${lookupValueName(prop.lookup)}@name`];
      if (annotations.wants(FORMATTED_VALUE) && typeof name === "string") out[`${prop.name}@${FORMATTED_VALUE}`] = name;
      if (target && annotations.wants(ASSOCIATED_NAVIGATION_PROPERTY)) {
        const nav = prop.lookup.navigation[target];
        if (nav) out[`${prop.name}@${ASSOCIATED_NAVIGATION_PROPERTY}`] = nav;
      }
      if (target && annotations.wants(LOOKUP_LOGICAL_NAME)) out[`${prop.name}@${LOOKUP_LOGICAL_NAME}`] = target;
    }
    out[prop.name] = value;
  }
  return out;
}
