/**
 * The Web API dispatcher: resource path + method → handler. Used for every HTTP request below
 * `/api/data/v9.x/` and for each operation inside a $batch.
 */
import { ODataError } from "../odata/errors.js";
import { handleBatch } from "./batch.js";
import { metadataDocument, serviceDocument } from "./metadata.js";
import { parseResourcePath } from "./path.js";
import { readCollection, readCount, readEntity, readOptions } from "./read.js";
import { errorResponse, jsonResponse, methodNotAllowed, textResponse } from "./responses.js";
import type { ApiContext, ApiRequest, ApiResponse } from "./types.js";
import { createEntity, deleteEntity, upsertEntity, writeProperty, writeReference } from "./write.js";

export const SERVICE_VERSION = "9.2.24104.0";

/** Runs one request; never throws: errors become Dataverse error responses. */
export async function handleApiRequest(ctx: ApiContext, req: ApiRequest, onUnexpected?: (err: unknown) => void): Promise<ApiResponse> {
  try {
    return await dispatch(ctx, req);
  } catch (err) {
    if (!(err instanceof ODataError)) onUnexpected?.(err);
    return errorResponse(err);
  }
}

export async function dispatch(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const method = req.method.toUpperCase();
  const resource = parseResourcePath(ctx.schema, req.path);
  switch (resource.kind) {
    case "service":
      if (method !== "GET") return methodNotAllowed(method);
      return jsonResponse(200, serviceDocument(ctx.schema, ctx.serviceRoot));
    case "metadata":
      if (method !== "GET") return methodNotAllowed(method);
      return textResponse(200, metadataDocument(ctx.schema), "application/xml");
    case "batch":
      if (method !== "POST") return methodNotAllowed(method);
      return handleBatch(ctx, req, dispatch);
    case "function":
      if (method !== "GET") return methodNotAllowed(method);
      readOptions(req);
      if (resource.name === "RetrieveVersion") {
        return jsonResponse(200, { "@odata.context": `${ctx.serviceRoot}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`, Version: SERVICE_VERSION });
      }
      return jsonResponse(200, {
        "@odata.context": `${ctx.serviceRoot}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: ctx.organization.businessUnitId,
        UserId: ctx.caller.userId,
        OrganizationId: ctx.organization.organizationId,
      });
    case "collection":
      if (resource.count) {
        if (method !== "GET") return methodNotAllowed(method);
        return readCount(ctx, req, resource.table);
      }
      if (method === "GET") return readCollection(ctx, req, resource.table);
      if (method === "POST") return createEntity(ctx, req, resource.table);
      return methodNotAllowed(method);
    case "entity": {
      if (resource.ref) return method === "GET" ? readEntity(ctx, req, resource) : writeReference(ctx, req, resource);
      if (resource.property) {
        if (method === "GET") return readEntity(ctx, req, resource);
        if (method === "PUT" && !resource.rawValue) return writeProperty(ctx, req, resource, false);
        if (method === "DELETE" && !resource.rawValue) return writeProperty(ctx, req, resource, true);
        return methodNotAllowed(method);
      }
      if (resource.nav) {
        if (method === "GET") return readEntity(ctx, req, resource);
        if (method === "POST" && resource.nav.kind === "collection" && !resource.navKey && !resource.navCount) {
          const parent = await readEntityId(ctx, resource);
          return createEntity(ctx, req, resource.nav.collection.table, { nav: resource.nav, parentId: parent });
        }
        return methodNotAllowed(method);
      }
      if (method === "GET") return readEntity(ctx, req, resource);
      if (method === "PATCH") return upsertEntity(ctx, req, resource);
      if (method === "DELETE") return deleteEntity(ctx, req, resource);
      return methodNotAllowed(method);
    }
  }
}

async function readEntityId(ctx: ApiContext, resource: Extract<ReturnType<typeof parseResourcePath>, { kind: "entity" }>): Promise<string> {
  const key = resource.key;
  if (key.kind === "id") {
    if (!(await ctx.store.getById(resource.table, key.id))) throw new ODataError(`${resource.table.logicalName} With Id = ${key.id} Does Not Exist`, { status: 404, code: "0x80040217" });
    return key.id;
  }
  const row = await ctx.store.findByKey(resource.table, key.values);
  if (!row) throw new ODataError(`A record with the specified key values does not exist in ${resource.table.logicalName} entity`, { status: 404, code: "0x80040217" });
  return String(row[resource.table.primaryKey]);
}
