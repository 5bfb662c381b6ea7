/**
 * The caller-id lookup at 1,000,000 contacts on PostgreSQL beside SQLite (issue 15 §3 and §6):
 * the seed flow's `contains(telephone1,'<digits>')` request through the CRM's Web API in a child
 * process, timed server-side (Server-Timing), one request at a time, 10% of the numbers unknown,
 * every answer checked. The PostgreSQL CRM is seeded the user-facing way (`generateContacts`, what
 * `ccflow crm seed --postgres … --contacts N` runs), which appends with COPY; the SQLite data set
 * is the CRM benchmark's (same generator and seed, so the same phone numbers and contact ids).
 * Without PostgreSQL 15's binaries the module says so and reports nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCrm } from "../src/crm/crm.js";
import { generateContacts } from "../src/crm/demo-data.js";
import { prepareData, samplePhones, startService, stopService, timeLookups } from "./crm.bench.js";
import { postgresInstalled, startBenchPostgres } from "./postgres-server.js";
import { loadAverage, processCpuSeconds, processTree } from "./stats.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

const median = (sorted: number[]) => sorted[Math.floor((sorted.length - 1) / 2)]!;
const p99 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;

const bench: BenchModule = {
  name: "crm-postgres",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!postgresInstalled()) {
      ctx.log("  PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin): skipped");
      return { figures: {}, report: ["Skipped: PostgreSQL 15 is not installed."] };
    }
    const contacts = ctx.quick ? 50_000 : 1_000_000;
    const lookups = ctx.quick ? 300 : 2_000;
    const sqliteDir = await prepareData(contacts, ctx);
    const phones = samplePhones(sqliteDir, 2_000);
    const server = await startBenchPostgres();
    const pgDir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-pg-crm-"));
    try {
      const seedStarted = Date.now();
      const crm = await createCrm({ dataDir: pgDir, postgresUrl: server.url, demoData: false });
      try {
        let lastTenth = -1;
        await generateContacts(crm.store, crm.config.pageUserId, {
          count: contacts,
          onProgress: (done, total) => {
            const tenth = Math.floor((done / total) * 10);
            if (tenth !== lastTenth) {
              lastTenth = tenth;
              ctx.log(`  PostgreSQL: ${tenth * 10}% of ${total.toLocaleString("en-US")} contacts, ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`);
            }
          },
        });
        // generateContacts' bulk load ends with VACUUM (ANALYZE) of the tables it filled (the store
        // does that for every bulk load), so the lookups below do not race autovacuum.
      } finally {
        await crm.close();
      }
      const seedSeconds = (Date.now() - seedStarted) / 1000;
      ctx.log(`  seeded ${contacts.toLocaleString("en-US")} contacts into PostgreSQL in ${seedSeconds.toFixed(1)} s (COPY)`);

      const results: Record<string, { server: number[]; client: number[]; cpuUs: number }> = {};
      const loadBefore = await loadAverage();
      const warmup = 200;
      for (const [name, start, database] of [
        ["SQLite", () => startService(sqliteDir, true), () => []],
        ["PostgreSQL", () => startService(pgDir, true, server.url), () => processTree(server.pid())],
      ] as const) {
        const service = await start();
        try {
          // CPU of the CRM process and, for PostgreSQL, of its server (postmaster and backends):
          // the figure a loaded machine disturbs least, where latency includes waiting for a core.
          const pids = () => [service.child.pid!, ...database()];
          const cpuBefore = processCpuSeconds(pids());
          const timed = await timeLookups(service, phones, lookups, warmup);
          results[name] = { ...timed, cpuUs: ((processCpuSeconds(pids()) - cpuBefore) / (lookups + warmup)) * 1e6 };
        } finally {
          await stopService(service);
        }
        const r = results[name]!;
        ctx.log(`  ${name}: ANI lookup median ${median(r.server).toFixed(3)} ms, p99 ${p99(r.server).toFixed(3)} ms (server-side), ${r.cpuUs.toFixed(0)} µs CPU per lookup`);
      }
      const loadAfter = await loadAverage();
      const sqlite = results.SQLite!;
      const postgres = results.PostgreSQL!;
      const n = contacts.toLocaleString("en-US");
      return {
        figures: {
          crm_pg_ani_lookup_median_ms_1m: Number(median(postgres.server).toFixed(3)),
          crm_pg_ani_lookup_p99_ms_1m: Number(p99(postgres.server).toFixed(3)),
          crm_pg_ani_lookup_client_median_ms_1m: Number(median(postgres.client).toFixed(3)),
          crm_pg_sqlite_ani_lookup_median_ms_1m: Number(median(sqlite.server).toFixed(3)),
          crm_pg_sqlite_ani_lookup_p99_ms_1m: Number(p99(sqlite.server).toFixed(3)),
          crm_pg_seed_seconds_1m: Number(seedSeconds.toFixed(1)),
          crm_pg_ani_lookup_cpu_us_1m: Number(postgres.cpuUs.toFixed(0)),
          crm_pg_sqlite_ani_lookup_cpu_us_1m: Number(sqlite.cpuUs.toFixed(0)),
          crm_pg_ani_lookup_median_ratio_vs_sqlite: Number((median(postgres.server) / median(sqlite.server)).toFixed(2)),
        },
        report: [
          `ANI lookup (\`contains(telephone1,'<digits>')\`, \`$select=fullname,telephone1,contactid\`) against ${n} generated contacts, ${lookups.toLocaleString("en-US")} lookups after 200 warm-up ones, one at a time, 10% unknown numbers, every answer checked; server-side time from the Web API's Server-Timing, the CRM in a child process. Machine: ${loadBefore} before, ${loadAfter} after.`,
          "",
          "| store | median (ms) | p99 (ms) | client-side median (ms) | CPU per lookup (CRM process + database server) |",
          "|---|---:|---:|---:|---:|",
          `| SQLite (n-gram table) | ${median(sqlite.server).toFixed(3)} | ${p99(sqlite.server).toFixed(3)} | ${median(sqlite.client).toFixed(3)} | ${sqlite.cpuUs.toFixed(0)} µs |`,
          `| PostgreSQL 15 (the same n-gram table, B-tree in the C collation) | ${median(postgres.server).toFixed(3)} | ${p99(postgres.server).toFixed(3)} | ${median(postgres.client).toFixed(3)} | ${postgres.cpuUs.toFixed(0)} µs |`,
          "",
          `PostgreSQL ÷ SQLite, medians: ×${(median(postgres.server) / median(sqlite.server)).toFixed(2)}.`,
          "",
          `Seeding ${n} contacts into PostgreSQL through generateContacts (COPY, then VACUUM (ANALYZE); what \`ccflow crm seed --postgres … --contacts ${contacts}\` runs): ${seedSeconds.toFixed(0)} s.`,
          "Target: median ≤ 1 ms on PostgreSQL too (judged on a quiet machine).",
        ],
      };
    } finally {
      rmSync(pgDir, { recursive: true, force: true });
      await server.stop();
    }
  },
};

export default bench;
