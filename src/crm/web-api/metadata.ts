/** The service document and the `$metadata` CSDL, generated from the schema. */
import { CRM_NAMESPACE, type Schema } from "../schema/schema.js";
import { edmTypeOf, lookupValueName } from "../schema/types.js";

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function serviceDocument(schema: Schema, serviceRoot: string): Record<string, unknown> {
  return {
    "@odata.context": `${serviceRoot}$metadata`,
    value: schema.tables.map((t) => ({ name: t.entitySet, kind: "EntitySet", url: t.entitySet })),
  };
}

export function metadataDocument(schema: Schema): string {
  const lines: string[] = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">`,
    `<edmx:DataServices>`,
    `<Schema Namespace="${CRM_NAMESPACE}" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    `<EntityType Name="crmbaseentity" Abstract="true"/>`,
  ];
  for (const table of schema.tables) {
    lines.push(`<EntityType Name="${table.logicalName}" BaseType="mscrm.crmbaseentity">`);
    lines.push(`<Key><PropertyRef Name="${table.primaryKey}"/></Key>`);
    for (const column of table.columns) {
      const maxLength = column.maxLength !== undefined ? ` MaxLength="${column.maxLength}"` : "";
      const nullable = column.name === table.primaryKey ? ` Nullable="false"` : "";
      lines.push(`<Property Name="${column.name}" Type="${edmTypeOf(column.type)}"${maxLength}${nullable}/>`);
    }
    for (const lookup of table.lookups) lines.push(`<Property Name="${lookupValueName(lookup)}" Type="Edm.Guid"/>`);
    for (const nav of schema.navigationsOf(table)) {
      if (nav.kind === "single") {
        lines.push(
          `<NavigationProperty Name="${nav.name}" Type="mscrm.${nav.target.logicalName}">` +
            `<ReferentialConstraint Property="${lookupValueName(nav.lookup)}" ReferencedProperty="${nav.target.primaryKey}"/></NavigationProperty>`,
        );
      } else {
        lines.push(`<NavigationProperty Name="${nav.name}" Type="Collection(mscrm.${nav.collection.table.logicalName})"/>`);
      }
    }
    lines.push(`</EntityType>`);
  }
  lines.push(
    `<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/><Property Name="UserId" Type="Edm.Guid" Nullable="false"/><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/></ComplexType>`,
    `<ComplexType Name="RetrieveVersionResponse"><Property Name="Version" Type="Edm.String"/></ComplexType>`,
    `<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false"/></Function>`,
    `<Function Name="RetrieveVersion"><ReturnType Type="mscrm.RetrieveVersionResponse" Nullable="false"/></Function>`,
    `<EntityContainer Name="System">`,
  );
  for (const table of schema.tables) {
    const bindings = schema
      .navigationsOf(table)
      .map((nav) => `<NavigationPropertyBinding Path="${xml(nav.name)}" Target="${nav.kind === "single" ? nav.target.entitySet : nav.collection.table.entitySet}"/>`)
      .join("");
    lines.push(`<EntitySet Name="${table.entitySet}" EntityType="${CRM_NAMESPACE}.${table.logicalName}">${bindings}</EntitySet>`);
  }
  lines.push(
    `<FunctionImport Name="WhoAmI" Function="${CRM_NAMESPACE}.WhoAmI"/>`,
    `<FunctionImport Name="RetrieveVersion" Function="${CRM_NAMESPACE}.RetrieveVersion"/>`,
    `</EntityContainer>`,
    `</Schema>`,
    `</edmx:DataServices>`,
    `</edmx:Edmx>`,
  );
  return lines.join("\n");
}
