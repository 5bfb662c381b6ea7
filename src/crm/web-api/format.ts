/**
 * Display values for `OData.Community.Display.V1.FormattedValue`, as Dataverse renders them for an
 * en-US user in UTC: option labels, "Yes"/"No"-style booleans, grouped numbers, currency, and
 * dates like `6/26/2020 9:31 AM`. Also the JSON form of stored values.
 */
import type { SqlValue } from "../odata/bound.js";
import type { ColumnDef } from "../schema/types.js";

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const moneyFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** `2020-06-26T09:31:17Z`: UTC, whole seconds, as Dataverse returns date-times. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function displayDate(ms: number): string {
  const d = new Date(ms);
  const hours = d.getUTCHours();
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  const minutes = String(d.getUTCMinutes()).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h12}:${minutes} ${hours < 12 ? "AM" : "PM"}`;
}

export function jsonValue(column: ColumnDef, value: SqlValue): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "boolean":
      return value === 1;
    case "datetime":
      return isoSeconds(Number(value));
    case "bigint":
    case "integer":
    case "picklist":
    case "state":
    case "status":
    case "decimal":
    case "money":
    case "double":
      return typeof value === "bigint" ? Number(value) : value;
    default:
      return value;
  }
}

/** The formatted value of a column, or undefined where Dataverse gives none. */
export function formattedValue(column: ColumnDef, value: SqlValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (column.type) {
    case "picklist":
    case "state":
    case "status":
      return column.options?.find((o) => o.value === Number(value))?.label;
    case "boolean": {
      const labels = column.booleanLabels ?? ["No", "Yes"];
      return value === 1 ? labels[1] : labels[0];
    }
    case "datetime":
      return displayDate(Number(value));
    case "integer":
      return integerFormat.format(Number(value));
    case "decimal":
    case "double":
      return decimalFormat.format(Number(value));
    case "money":
      return moneyFormat.format(Number(value));
    default:
      return undefined;
  }
}
