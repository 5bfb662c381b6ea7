/**
 * SQLite tables derived from the schema. Strings use NOCASE collation because Dataverse compares
 * text case-insensitively (its database collation); date-times are epoch milliseconds so they
 * compare and sort as numbers; GUIDs are stored lower-case.
 */
import type { Schema } from "../schema/schema.js";
import { lookupValueName, type ColumnDef, type LookupDef, type TableDef } from "../schema/types.js";
import { ngramTableName } from "./substring-index.js";

export const STORE_VERSION = 1;

/** App registrations (auth/apps.ts) live beside the rows; the same statement serves both dialects. */
export const APP_TABLE_DDL = `CREATE TABLE IF NOT EXISTS crm_app_registration (
  client_id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  application_user_id TEXT NOT NULL,
  roles TEXT NOT NULL DEFAULT '[]'
)`;

export function q(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

export function lookupTypeColumn(lookup: LookupDef): string {
  return `_${lookup.name}_type`;
}

export function isPolymorphic(lookup: LookupDef): boolean {
  return lookup.targets.length > 1;
}

function columnSql(column: ColumnDef, table: TableDef): string {
  if (column.name === table.primaryKey) return `${q(column.name)} TEXT NOT NULL UNIQUE`;
  switch (column.type) {
    case "string":
    case "memo":
      return `${q(column.name)} TEXT COLLATE NOCASE`;
    case "uniqueidentifier":
      return `${q(column.name)} TEXT`;
    case "decimal":
    case "money":
    case "double":
      return `${q(column.name)} REAL`;
    default:
      return `${q(column.name)} INTEGER`;
  }
}

/** Physical column names of a table, in order (rid first). */
export function physicalColumns(table: TableDef): string[] {
  const names = ["rid", ...table.columns.map((c) => c.name)];
  for (const lookup of table.lookups) {
    names.push(lookupValueName(lookup));
    if (isPolymorphic(lookup)) names.push(lookupTypeColumn(lookup));
  }
  return names;
}

export function schemaDdl(schema: Schema): string[] {
  const statements: string[] = [
    `CREATE TABLE IF NOT EXISTS crm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  ];
  for (const table of schema.tables) {
    const parts = [`"rid" INTEGER PRIMARY KEY`, ...table.columns.map((c) => columnSql(c, table))];
    for (const lookup of table.lookups) {
      parts.push(`${q(lookupValueName(lookup))} TEXT`);
      if (isPolymorphic(lookup)) parts.push(`${q(lookupTypeColumn(lookup))} TEXT`);
    }
    statements.push(`CREATE TABLE IF NOT EXISTS ${q(table.logicalName)} (${parts.join(", ")})`);
    for (const column of table.columns) {
      if (column.index) {
        statements.push(
          `CREATE INDEX IF NOT EXISTS ${q(`ix_${table.logicalName}_${column.name}`)} ON ${q(table.logicalName)} (${q(column.name)})`,
        );
      }
      if (column.substringIndex) {
        statements.push(
          `CREATE TABLE IF NOT EXISTS ${q(ngramTableName(table.logicalName, column.name))} (term TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (term, rid)) WITHOUT ROWID`,
        );
      }
    }
    for (const lookup of table.lookups) {
      if (lookup.index) {
        statements.push(
          `CREATE INDEX IF NOT EXISTS ${q(`ix_${table.logicalName}_${lookup.name}`)} ON ${q(table.logicalName)} (${q(lookupValueName(lookup))})`,
        );
      }
    }
    table.alternateKeys.forEach((key, i) => {
      statements.push(
        `CREATE UNIQUE INDEX IF NOT EXISTS ${q(`ak_${table.logicalName}_${i}`)} ON ${q(table.logicalName)} (${key.map(q).join(", ")})`,
      );
    });
  }
  return statements;
}
