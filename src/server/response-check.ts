/**
 * How the API writes a JSON response that has a zod schema: exactly what the handler returned
 * (JSON.stringify, as fastify does without a schema), after checking it against the schema.
 *
 * fastify-type-provider-zod's own serializer encodes through the schema, which drops every field
 * the schema does not name and answers 500 when a value does not fit. Neither is wanted here: the
 * schemas document the API and must not change what clients receive. A response that does not fit
 * is logged once per route and status, naming the field, so the document's drift shows (the
 * OpenAPI test fails on such a line) without a user ever seeing a 500 for it.
 */
import type { FastifySerializerCompiler } from "fastify";
import { z } from "zod";
import { describeIssues } from "./schemas.js";

export function checkedSerializer(warn: (message: string) => void): FastifySerializerCompiler<unknown> {
  const warned = new Set<string>();
  return ({ schema, method, url, httpStatus }) => {
    if (!(schema instanceof z.ZodType)) return (data) => JSON.stringify(data);
    return (data) => {
      const result = schema.safeParse(data);
      const key = `${method} ${url} ${httpStatus}`;
      if (!result.success && !warned.has(key)) {
        warned.add(key);
        warn(`the response of ${key} does not match its schema: ${describeIssues(result.error.issues, "response")}`);
      }
      return JSON.stringify(data);
    };
  };
}
