/**
 * `GET /api/reports?interval=15m|1h|1d[&queue=<id>][&format=csv]`: today's intervals per queue
 * from the contact records — offered, answered, abandoned, service level, ASA, AHT — as JSON for
 * the supervisor's charts or as CSV for a spreadsheet.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ContactCenter } from "../../center/index.js";
import type { IntervalFigures } from "../../center/kpi.js";
import { REPORT_INTERVALS, type ContactRecords, type ReportInterval } from "../contact-records.js";
import { ApiError } from "../errors.js";
import { tagRoutes } from "../api-doc.js";
import { errors, NO_RECORDS, report } from "../response-schemas.js";

const CSV_COLUMNS = ["queue", "interval_start", "interval_end", "offered", "answered", "abandoned", "answered_within_threshold", "service_level_percent", "asa_seconds", "abandon_rate_percent", "aht_seconds"] as const;

function round(value: number | null, factor: number, digits = 1): string {
  return value === null ? "" : (value * factor).toFixed(digits);
}

function csvRow(queue: string, f: IntervalFigures): string {
  const cells = [queue, new Date(f.from).toISOString(), new Date(f.to).toISOString(), f.offered, f.answered, f.abandoned, f.answeredWithinThreshold, round(f.serviceLevel, 100), round(f.asaMs, 0.001), round(f.abandonRate, 100), round(f.ahtMs, 0.001)];
  // Queue ids and names are configuration; quote every cell that could hold a separator.
  return cells.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(",");
}

export interface ReportRoutesOptions {
  center: ContactCenter;
  /** Absent when the server keeps no contact records. */
  records?: ContactRecords;
}

// Values are checked by the handler, whose messages name the choices (`interval must be 15m, 1h or 1d, not "5m"`).
const reportQuery = z.object({
  interval: z.string().optional().describe("15m, 1h (default) or 1d"),
  queue: z.string().optional().describe("One queue's id (default: every queue)"),
  format: z.string().optional().describe("json (default) or csv"),
});

export const reportRoutes: FastifyPluginAsyncZod<ReportRoutesOptions> = async (app, { center, records }) => {
  tagRoutes(app, "reports");
  const schema = {
    summary: "Today's intervals per queue from the contact records: offered, answered, abandoned, service level, ASA, AHT",
    querystring: reportQuery,
    response: { 200: { description: "The report, as JSON or as CSV (format=csv)", content: { "application/json": { schema: report as z.ZodType }, "text/csv": { schema: z.string() as z.ZodType } } }, ...errors(400, 404, [503, NO_RECORDS]) },
  };
  app.get("", { schema }, async (req, reply) => {
    if (!records) throw new ApiError(503, "NO_RECORDS", "this server keeps no contact records");
    const interval = (req.query.interval ?? "1h") as ReportInterval;
    if (!(interval in REPORT_INTERVALS)) throw new ApiError(400, "BAD_REQUEST", `interval must be 15m, 1h or 1d, not "${String(req.query.interval).slice(0, 40)}"`);
    const format = req.query.format ?? "json";
    if (format !== "json" && format !== "csv") throw new ApiError(400, "BAD_REQUEST", `format must be json or csv, not "${String(format).slice(0, 40)}"`);
    const queues = center.listQueues();
    const wanted = req.query.queue;
    if (wanted !== undefined && !queues.some((q) => q.id === wanted)) throw new ApiError(404, "QUEUE_NOT_FOUND", `no queue "${wanted.slice(0, 80)}"`);
    const rows = await Promise.all(queues.filter((q) => wanted === undefined || q.id === wanted).map(async (q) => ({ queue: { id: q.id, name: q.name }, intervals: await records.report(interval, { queueId: q.id }) })));
    if (format === "csv") {
      const lines = [CSV_COLUMNS.join(","), ...rows.flatMap((r) => r.intervals.map((f) => csvRow(r.queue.name, f)))];
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="ccflow-report-${interval}.csv"`)
        .send(`${lines.join("\n")}\n`);
    }
    return { interval, serviceLevelSeconds: records.serviceLevelSeconds, queues: rows };
  });
};
