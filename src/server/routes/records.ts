/**
 * Stored contact records, for the supervisor: `GET /api/records` lists the newest (optionally one
 * queue's, or those that started in [from, to)), `GET /api/records/:id` gives one with its trace.
 * They outlive the server's memory of a call (and a restart) for `center.recordRetentionDays`.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ContactRecords } from "../contact-records.js";
import { ApiError } from "../errors.js";
import { tagRoutes } from "../api-doc.js";
import { errors, NO_RECORDS, json, storedContact, storedRecord } from "../response-schemas.js";

function time(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(n)) throw new ApiError(400, "BAD_REQUEST", `${name} must be an ISO date-time or ms since the epoch, not "${raw.slice(0, 40)}"`);
  return n;
}

export interface RecordRoutesOptions {
  /** Absent when the server keeps no contact records. */
  records?: ContactRecords;
}

const recordQuery = z.object({
  from: z.string().optional().describe("Started at or after: ISO date-time or ms since the epoch"),
  to: z.string().optional().describe("Started before: ISO date-time or ms since the epoch"),
  queue: z.string().optional().describe("One queue's id"),
  limit: z.string().optional().describe("At most this many, 1 to 1000 (default 100)"),
});

export const recordRoutes: FastifyPluginAsyncZod<RecordRoutesOptions> = async (app, options) => {
  const records = () => {
    if (!options.records) throw new ApiError(503, "NO_RECORDS", "this server keeps no contact records");
    return options.records;
  };

  tagRoutes(app, "reports");

  const list = { summary: "Stored contact records, newest first (kept center.recordRetentionDays days)", querystring: recordQuery, response: { 200: json(z.array(storedContact)), ...errors(400, [503, NO_RECORDS]) } };
  app.get("", { schema: list }, async (req) => {
    const q = req.query;
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ApiError(400, "BAD_REQUEST", `limit must be a whole number from 1 to 1000, not "${String(q.limit).slice(0, 40)}"`);
    const from = time("from", q.from);
    const to = time("to", q.to);
    return records().search({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(q.queue ? { queueId: q.queue } : {}), limit });
  });

  const one = { summary: "One contact record with its trace", params: z.object({ id: z.string().describe("Interaction id") }), response: { 200: json(storedRecord), ...errors(404, [503, NO_RECORDS]) } };
  app.get("/:id", { schema: one }, async (req) => {
    const found = await records().find(req.params.id);
    if (!found) throw new ApiError(404, "RECORD_NOT_FOUND", `no contact record "${req.params.id.slice(0, 80)}" (records are kept ${records().retentionDays} days)`);
    return found;
  });
};
