/**
 * Dataverse's server-side rules for writes: system columns, computed full names, case numbers,
 * state/status consistency and column validation (lengths, option values).
 */
import { ODataError } from "../odata/errors.js";
import type { SqlValue } from "../odata/bound.js";
import type { ColumnDef, TableDef } from "../schema/types.js";
import type { Row } from "./types.js";

export const VALIDATION_ERROR = "0x80044331";

/** `trim(firstname + " " + lastname)`: Dataverse's default full-name format. */
export function computeFullName(row: Row): string | null {
  const parts = [row.firstname, row.lastname].filter((p): p is string => typeof p === "string" && p.trim() !== "");
  const name = parts.join(" ").trim();
  return name === "" ? null : name;
}

export function hasComputedFullName(table: TableDef): boolean {
  const fullname = table.columns.find((c) => c.name === "fullname");
  return !!fullname && fullname.validForCreate === false && table.columns.some((c) => c.name === "firstname");
}

const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `CAS-01002-S8K4Y2`: prefix, 5-digit sequence, 6 random characters. */
export function ticketNumber(sequence: number, random: () => number): string {
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  return `CAS-${String(sequence).padStart(5, "0")}-${suffix}`;
}

export function validateColumnValue(table: TableDef, column: ColumnDef, value: SqlValue): void {
  if (value === null) return;
  if ((column.type === "string" || column.type === "memo") && typeof value === "string" && column.maxLength !== undefined) {
    if (value.length > column.maxLength) {
      throw new ODataError(
        `A validation error occurred.  The length of the '${column.name}' attribute of the '${table.logicalName}' entity exceeded the maximum allowed length of '${column.maxLength}'.`,
        { code: VALIDATION_ERROR },
      );
    }
  }
  if ((column.type === "picklist" || column.type === "state" || column.type === "status") && column.options) {
    if (!column.options.some((o) => o.value === value)) {
      throw new ODataError(
        `A validation error occurred. The value ${String(value)} of '${column.name}' on record of type '${table.logicalName}' is outside the valid range. Accepted Values: ${column.options.map((o) => o.value).join(",")}`,
        { code: VALIDATION_ERROR },
      );
    }
  }
}

/** Makes state and status agree: a new state without a status gets the state's default status. */
export function reconcileState(table: TableDef, row: Row, changed: Set<string>): void {
  const state = table.columns.find((c) => c.name === "statecode");
  const status = table.columns.find((c) => c.name === "statuscode");
  if (!state?.options || !status?.options) return;
  const stateValue = row.statecode ?? 0;
  const stateOption = state.options.find((o) => o.value === stateValue);
  if (changed.has("statecode") && !changed.has("statuscode")) {
    row.statuscode = stateOption?.defaultStatus ?? row.statuscode ?? null;
    return;
  }
  if (row.statuscode === null || row.statuscode === undefined) {
    row.statuscode = stateOption?.defaultStatus ?? null;
    return;
  }
  const statusOption = status.options.find((o) => o.value === row.statuscode);
  if (statusOption && statusOption.state !== undefined && statusOption.state !== stateValue) {
    throw new ODataError(
      `${String(row.statuscode)} is not a valid status code for state code ${table.displayName}State.${stateOption?.label ?? String(stateValue)} on ${table.logicalName} with Id ${String(row[table.primaryKey])}.`,
      { code: "0x8004431a" },
    );
  }
}
