/**
 * Lookup helpers over the table definitions: find a table by entity set or logical name, a column,
 * a lookup by its `_x_value` name, and navigation properties of both kinds.
 */
import { ALL_TABLES } from "./tables.js";
import { edmTypeOf, lookupValueName, type CollectionDef, type ColumnDef, type EdmType, type LookupDef, type TableDef } from "./types.js";

export const CRM_NAMESPACE = "Microsoft.Dynamics.CRM";

export type Navigation =
  | { kind: "single"; name: string; lookup: LookupDef; target: TableDef }
  | { kind: "collection"; name: string; collection: CollectionDef };

/** A readable property: a column or a lookup's `_x_value`. */
export type Property =
  | { kind: "column"; name: string; column: ColumnDef; edm: EdmType }
  | { kind: "lookup"; name: string; lookup: LookupDef; edm: "Edm.Guid" };

export class Schema {
  readonly tables: readonly TableDef[];
  private readonly byEntitySet = new Map<string, TableDef>();
  private readonly byLogicalName = new Map<string, TableDef>();
  private readonly properties = new Map<TableDef, Map<string, Property>>();
  private readonly navigations = new Map<TableDef, Map<string, Navigation>>();

  constructor(tables: readonly TableDef[] = ALL_TABLES) {
    this.tables = tables;
    for (const table of tables) {
      this.byEntitySet.set(table.entitySet, table);
      this.byLogicalName.set(table.logicalName, table);
    }
    for (const table of tables) {
      const props = new Map<string, Property>();
      for (const column of table.columns) props.set(column.name, { kind: "column", name: column.name, column, edm: edmTypeOf(column.type) });
      for (const lookup of table.lookups) {
        const name = lookupValueName(lookup);
        props.set(name, { kind: "lookup", name, lookup, edm: "Edm.Guid" });
      }
      this.properties.set(table, props);
      this.navigations.set(table, new Map());
    }
    for (const table of tables) {
      for (const lookup of table.lookups) {
        for (const targetName of lookup.targets) {
          const target = this.table(targetName);
          const navName = lookup.navigation[targetName];
          if (navName) this.navigations.get(table)!.set(navName, { kind: "single", name: navName, lookup, target });
          const collectionName = lookup.collections?.[targetName];
          if (collectionName) {
            this.navigations.get(target)!.set(collectionName, {
              kind: "collection",
              name: collectionName,
              collection: { name: collectionName, table, lookup, owner: targetName },
            });
          }
        }
      }
    }
  }

  tableBySet(entitySet: string): TableDef | undefined {
    return this.byEntitySet.get(entitySet);
  }

  tableByName(logicalName: string): TableDef | undefined {
    return this.byLogicalName.get(logicalName);
  }

  table(logicalName: string): TableDef {
    const table = this.byLogicalName.get(logicalName);
    if (!table) throw new Error(`schema: unknown table ${logicalName}`);
    return table;
  }

  property(table: TableDef, name: string): Property | undefined {
    return this.properties.get(table)!.get(name);
  }

  propertiesOf(table: TableDef): Property[] {
    return [...this.properties.get(table)!.values()];
  }

  navigation(table: TableDef, name: string): Navigation | undefined {
    return this.navigations.get(table)!.get(name);
  }

  navigationsOf(table: TableDef): Navigation[] {
    return [...this.navigations.get(table)!.values()];
  }

  column(table: TableDef, name: string): ColumnDef | undefined {
    return table.columns.find((c) => c.name === name);
  }

  /** The lookup a bind property such as `customerid_contact@odata.bind` writes, and its target. */
  bindTarget(table: TableDef, navName: string): { lookup: LookupDef; target: TableDef } | undefined {
    const nav = this.navigation(table, navName);
    return nav?.kind === "single" ? { lookup: nav.lookup, target: nav.target } : undefined;
  }

  typeName(table: TableDef): string {
    return `${CRM_NAMESPACE}.${table.logicalName}`;
  }
}
