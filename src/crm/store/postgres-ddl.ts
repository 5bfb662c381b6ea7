/**
 * PostgreSQL tables derived from the schema, the counterpart of ddl.ts. Text columns use the "C"
 * collation: `lower()` then folds ASCII letters only and ordering is by code point, which is what
 * SQLite's NOCASE does, so both stores answer the same queries alike. Indexes on text columns are
 * on `lower(column)`, the form the compiled queries compare. Integers (option values, booleans,
 * epoch-millisecond date-times) are int8; money and decimals numeric; doubles float8. Row
 * versions and case numbers come from sequences, shared by every node.
 */
import type { Schema } from "../schema/schema.js";
import { lookupValueName, type ColumnDef, type TableDef } from "../schema/types.js";
import { APP_TABLE_DDL, isPolymorphic, lookupTypeColumn, q } from "./ddl.js";
import { ngramTableName } from "./substring-index.js";

export const ROW_VERSION_SEQUENCE = "crm_row_version";
export const CASE_NUMBER_SEQUENCE = "crm_case_number";
/** First case number, as SQLite's store starts (CAS-01000-…). */
export const FIRST_CASE_NUMBER = 1000;

export function isText(column: ColumnDef): boolean {
  return column.type === "string" || column.type === "memo";
}

function columnSql(column: ColumnDef, table: TableDef): string {
  if (column.name === table.primaryKey) return `${q(column.name)} text NOT NULL UNIQUE`;
  switch (column.type) {
    case "string":
    case "memo":
      return `${q(column.name)} text COLLATE "C"`;
    case "uniqueidentifier":
      return `${q(column.name)} text`;
    case "decimal":
    case "money":
      return `${q(column.name)} numeric`;
    case "double":
      return `${q(column.name)} float8`;
    default:
      return `${q(column.name)} int8`;
  }
}

/** How an index or key names a column: text columns through lower(), as queries compare them. */
function indexed(table: TableDef, name: string): string {
  const column = table.columns.find((c) => c.name === name);
  return column && isText(column) && column.name !== table.primaryKey ? `lower(${q(name)})` : q(name);
}

export function postgresDdl(schema: Schema): string[] {
  const statements: string[] = [
    `CREATE TABLE IF NOT EXISTS crm_meta (key text PRIMARY KEY, value text NOT NULL)`,
    APP_TABLE_DDL,
    `CREATE SEQUENCE IF NOT EXISTS ${ROW_VERSION_SEQUENCE}`,
    `CREATE SEQUENCE IF NOT EXISTS ${CASE_NUMBER_SEQUENCE} START WITH ${FIRST_CASE_NUMBER} MINVALUE ${FIRST_CASE_NUMBER}`,
  ];
  for (const table of schema.tables) {
    const parts = [`"rid" bigserial PRIMARY KEY`, ...table.columns.map((c) => columnSql(c, table))];
    for (const lookup of table.lookups) {
      parts.push(`${q(lookupValueName(lookup))} text`);
      if (isPolymorphic(lookup)) parts.push(`${q(lookupTypeColumn(lookup))} text`);
    }
    statements.push(`CREATE TABLE IF NOT EXISTS ${q(table.logicalName)} (${parts.join(", ")})`);
    for (const column of table.columns) {
      if (column.index) {
        statements.push(`CREATE INDEX IF NOT EXISTS ${q(`ix_${table.logicalName}_${column.name}`)} ON ${q(table.logicalName)} (${indexed(table, column.name)})`);
      }
      if (column.substringIndex) {
        statements.push(
          `CREATE TABLE IF NOT EXISTS ${q(ngramTableName(table.logicalName, column.name))} (term text COLLATE "C" NOT NULL, rid int8 NOT NULL, PRIMARY KEY (term, rid))`,
        );
      }
    }
    for (const lookup of table.lookups) {
      if (lookup.index) {
        statements.push(`CREATE INDEX IF NOT EXISTS ${q(`ix_${table.logicalName}_${lookup.name}`)} ON ${q(table.logicalName)} (${q(lookupValueName(lookup))})`);
      }
    }
    table.alternateKeys.forEach((key, i) => {
      statements.push(`CREATE UNIQUE INDEX IF NOT EXISTS ${q(`ak_${table.logicalName}_${i}`)} ON ${q(table.logicalName)} (${key.map((k) => indexed(table, k)).join(", ")})`);
    });
  }
  return statements;
}
