/**
 * The rows a write produces, the same for every store: defaults, lower-case ids, validation,
 * computed full names, state and status, case numbers, system columns and required values
 * (behaviours.ts holds the individual rules). Stores supply the counters (row version, case
 * number), persist the result and maintain their indexes.
 */
import { randomUUID } from "node:crypto";
import { ODataError } from "../odata/errors.js";
import { lookupValueName, type TableDef } from "../schema/types.js";
import { computeFullName, hasComputedFullName, reconcileState, validateColumnValue } from "./behaviours.js";
import { isPolymorphic, lookupTypeColumn } from "./ddl.js";
import type { Row, WriteContext } from "./types.js";

export interface InsertEnvironment {
  now: number;
  /** During a bulk load, `createdon`/`modifiedon` given in the values are kept. */
  bulk: boolean;
  nextVersion(): number;
  /** The next case number (`CAS-01000-ABC123`); called only for cases. */
  nextTicket(): string;
}

export function buildInsertRow(table: TableDef, values: Row, ctx: WriteContext, env: InsertEnvironment): Row {
  const row: Row = {};
  for (const column of table.columns) {
    const given = values[column.name];
    if (given !== undefined && column.validForCreate !== false) row[column.name] = given;
    else if (column.defaultValue !== undefined) {
      const d = column.defaultValue;
      row[column.name] = typeof d === "boolean" ? (d ? 1 : 0) : d;
    } else row[column.name] = null;
  }
  for (const lookup of table.lookups) {
    const name = lookupValueName(lookup);
    row[name] = lookup.validForCreate === false ? null : (values[name] ?? null);
    if (isPolymorphic(lookup)) row[lookupTypeColumn(lookup)] = lookup.validForCreate === false ? null : (values[lookupTypeColumn(lookup)] ?? null);
  }
  const id = typeof values[table.primaryKey] === "string" ? (values[table.primaryKey] as string).toLowerCase() : randomUUID();
  row[table.primaryKey] = id;
  for (const column of table.columns) validateColumnValue(table, column, row[column.name] ?? null);
  if (hasComputedFullName(table)) row.fullname = computeFullName(row);
  if (table.columns.some((c) => c.name === "statecode")) {
    row.statecode = 0;
    reconcileState(table, row, new Set(values.statuscode !== undefined ? ["statuscode"] : []));
  }
  if (table.logicalName === "incident") row.ticketnumber = env.nextTicket();
  const now = env.now;
  if ("createdon" in row) row.createdon = typeof values.createdon === "number" && env.bulk ? values.createdon : now;
  if ("modifiedon" in row) row.modifiedon = typeof values.modifiedon === "number" && env.bulk ? values.modifiedon : (row.createdon ?? now);
  if ("versionnumber" in row) row.versionnumber = env.nextVersion();
  if ("_ownerid_value" in row && row._ownerid_value === null) row._ownerid_value = ctx.userId;
  if ("_createdby_value" in row) row._createdby_value = ctx.userId;
  if ("_modifiedby_value" in row) row._modifiedby_value = ctx.userId;
  requireRequired(table, row);
  return row;
}

export function buildUpdateRow(table: TableDef, before: Row, values: Row, ctx: WriteContext, env: { now: number; nextVersion(): number }): Row {
  const after: Row = { ...before };
  const changed = new Set<string>();
  for (const column of table.columns) {
    const given = values[column.name];
    if (given === undefined || column.validForUpdate === false || column.name === table.primaryKey) continue;
    if (column.name === "statecode" && given === before.statecode && values.statuscode === undefined) continue;
    after[column.name] = given;
    changed.add(column.name);
    validateColumnValue(table, column, given);
  }
  for (const lookup of table.lookups) {
    const name = lookupValueName(lookup);
    if (values[name] === undefined || lookup.validForUpdate === false) continue;
    after[name] = values[name] ?? null;
    if (isPolymorphic(lookup)) after[lookupTypeColumn(lookup)] = values[lookupTypeColumn(lookup)] ?? null;
    changed.add(name);
  }
  if (hasComputedFullName(table)) after.fullname = computeFullName(after);
  if (table.columns.some((c) => c.name === "statecode")) reconcileState(table, after, changed);
  if ("modifiedon" in after) after.modifiedon = env.now;
  if ("versionnumber" in after) after.versionnumber = env.nextVersion();
  if ("_modifiedby_value" in after) after._modifiedby_value = ctx.userId;
  requireRequired(table, after);
  return after;
}

function requireRequired(table: TableDef, row: Row): void {
  for (const lookup of table.lookups) {
    if (!lookup.required || (row[lookupValueName(lookup)] ?? null) !== null) continue;
    const customer = lookup.targets.includes("account") && lookup.targets.includes("contact");
    throw new ODataError(
      customer
        ? "You should specify a parent contact or account."
        : `A validation error occurred. The '${lookup.name}' attribute of the '${table.logicalName}' entity is required.`,
      { code: customer ? "0x80040203" : "0x80044331" },
    );
  }
  for (const column of table.columns) {
    if (column.required && (row[column.name] === null || row[column.name] === undefined || row[column.name] === "")) {
      throw new ODataError(`A validation error occurred. The '${column.name}' attribute of the '${table.logicalName}' entity is required.`, {
        code: "0x80044331",
      });
    }
  }
}
