/**
 * The named schemas of the OpenAPI document (components.schemas). It is zod's global registry,
 * because that is where `.describe()` keeps the descriptions the document shows. A module of its
 * own so that the response schemas and the call-event schemas can both name theirs.
 */
import { z } from "zod";

export const apiSchemas = z.globalRegistry;

export function named<T extends z.ZodType>(id: string, schema: T): T {
  apiSchemas.add(schema, { ...apiSchemas.get(schema), id });
  return schema;
}
