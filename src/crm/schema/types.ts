/**
 * How the embedded CRM describes its tables: columns with Dataverse attribute types, option sets
 * with labels, lookups (possibly polymorphic, like a case's customer) with their navigation
 * properties, and the reverse one-to-many collections. Everything else (SQL, $metadata, validation,
 * formatted values) is derived from these definitions.
 */
export type ColumnType =
  | "uniqueidentifier"
  | "string"
  | "memo"
  | "integer"
  | "bigint"
  | "decimal"
  | "money"
  | "double"
  | "boolean"
  | "datetime"
  | "picklist"
  | "state"
  | "status";

export type EdmType =
  | "Edm.Guid"
  | "Edm.String"
  | "Edm.Int32"
  | "Edm.Int64"
  | "Edm.Decimal"
  | "Edm.Double"
  | "Edm.Boolean"
  | "Edm.DateTimeOffset";

export interface OptionDef {
  value: number;
  label: string;
  /** For status reasons: the state this status belongs to. */
  state?: number;
  /** For states: the status a row gets when moved to this state without one. */
  defaultStatus?: number;
}

export interface ColumnDef {
  name: string;
  type: ColumnType;
  displayName: string;
  maxLength?: number;
  required?: boolean;
  /** False for system-managed columns: writes to them are ignored silently, as Dataverse does. */
  validForCreate?: boolean;
  validForUpdate?: boolean;
  options?: OptionDef[];
  defaultValue?: number | string | boolean;
  /** Keep an n-gram index so contains()/startswith()/endswith() do not scan (phone numbers). */
  substringIndex?: boolean;
  /** Keep an ordinary B-tree index (equality and range filters, ordering). */
  index?: boolean;
  /** Labels for the two values of a boolean column (FormattedValue). */
  booleanLabels?: [falseLabel: string, trueLabel: string];
}

export interface LookupDef {
  /** Attribute name, e.g. `customerid`; read as `_customerid_value`. */
  name: string;
  displayName: string;
  /** Target table logical names; more than one makes the lookup polymorphic. */
  targets: string[];
  /** Navigation property per target, e.g. `{contact: "customerid_contact", account: "customerid_account"}`. */
  navigation: Record<string, string>;
  /** Name of the reverse collection on each target, e.g. `{contact: "incident_customer_contacts"}`. */
  collections?: Record<string, string>;
  required?: boolean;
  validForCreate?: boolean;
  validForUpdate?: boolean;
  index?: boolean;
  /** What deleting the referenced row does to rows pointing at it (Dataverse cascade behaviour). */
  onDelete?: "cascade" | "removeLink";
}

export interface TableDef {
  logicalName: string;
  entitySet: string;
  displayName: string;
  primaryKey: string;
  primaryName: string;
  columns: ColumnDef[];
  lookups: LookupDef[];
  /** Alternate keys: each a list of column or `_x_value` names. */
  alternateKeys: string[][];
}

/** A one-to-many collection seen from its "one" side: rows of `table` whose `lookup` points here. */
export interface CollectionDef {
  name: string;
  table: TableDef;
  lookup: LookupDef;
  /** The logical name of the table that owns the collection (the lookup's target). */
  owner: string;
}

export function edmTypeOf(type: ColumnType): EdmType {
  switch (type) {
    case "uniqueidentifier":
      return "Edm.Guid";
    case "string":
    case "memo":
      return "Edm.String";
    case "integer":
    case "picklist":
    case "state":
    case "status":
      return "Edm.Int32";
    case "bigint":
      return "Edm.Int64";
    case "decimal":
    case "money":
      return "Edm.Decimal";
    case "double":
      return "Edm.Double";
    case "boolean":
      return "Edm.Boolean";
    case "datetime":
      return "Edm.DateTimeOffset";
  }
}

export function lookupValueName(lookup: LookupDef): string {
  return `_${lookup.name}_value`;
}
