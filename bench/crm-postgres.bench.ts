/**
 * The caller-id lookup at 1,000,000 contacts on PostgreSQL beside SQLite (issue 15 §3 and §6):
 * the seed flow's `contains(telephone1,'<digits>')` request through the CRM's Web API in a child
 * process, timed server-side (Server-Timing), one request at a time, 10% of the numbers unknown,
 * every answer checked.
 *
 * The PostgreSQL CRM is seeded the user-facing way (`generateContacts`, what `ccflow crm seed
 * --postgres … --contacts N` runs, appending with COPY) into a data directory that is kept between
 * runs (bench/postgres-server.ts), keyed by the contact count, the generator's version and the
 * PostgreSQL schema, so only the first run pays for the seed; the SQLite data set is the CRM
 * benchmark's (same generator and seed, so the same phone numbers and contact ids).
 *
 * PostgreSQL is reached two ways, each by its own CRM process: over loopback TCP and over the
 * server's Unix-domain socket. The three services are timed in alternating rounds (the order turns
 * each round, every round asks each service different numbers), and besides latency the module
 * reports CPU time per lookup in the CRM process and in the PostgreSQL server separately, and the time
 * both spent runnable but waiting for a core (/proc/<pid>/schedstat): on a
 * loaded machine latency is mostly waiting for a core, CPU time is the work.
 * Without PostgreSQL 15's binaries the module says so and reports nothing.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createCrm } from "../src/crm/crm.js";
import { generateContacts } from "../src/crm/demo-data.js";
import { Schema } from "../src/crm/schema/schema.js";
import { STORE_VERSION } from "../src/crm/store/ddl.js";
import { postgresDdl } from "../src/crm/store/postgres-ddl.js";
import { DATA_VERSION, prepareData, samplePhones, startService, stopService, timeLookups } from "./crm.bench.js";
import { postgresInstalled, startCachedBenchPostgres, type BenchPostgres } from "./postgres-server.js";
import { loadAverage, processTree } from "./stats.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

/** Where the seeded data sets are kept: `<tmpdir>/<prefix>-<contacts>-<key>` (one per contact count). */
export const DATA_SET_PREFIX = "ccflow-bench-pg-crm";

const median = (sorted: number[]) => sorted[Math.floor((sorted.length - 1) / 2)]!;
const p99 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;

/**
 * Per process, nanoseconds on a CPU and nanoseconds runnable but waiting for one, from
 * /proc/<pid>/schedstat (Linux; exact, where /proc/<pid>/stat counts 10 ms ticks, too coarse for a
 * few hundred lookups of a tenth of a millisecond each). A process gone reads as absent.
 */
function schedstat(pids: readonly number[]): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const pid of pids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ").map(Number);
      out.set(pid, [run!, wait!]);
    } catch {
      // Exited since it was listed, or no schedstat (not Linux).
    }
  }
  return out;
}

/** CPU seconds and seconds waiting for a CPU between two readings; a process started in between counts from zero. */
function between(before: Map<number, [number, number]>, after: Map<number, [number, number]>): { cpu: number; wait: number } {
  let cpu = 0;
  let wait = 0;
  for (const [pid, [run, queued]] of after) {
    cpu += run - (before.get(pid)?.[0] ?? 0);
    wait += queued - (before.get(pid)?.[1] ?? 0);
  }
  return { cpu: cpu / 1e9, wait: wait / 1e9 };
}

/** What identifies a seeded PostgreSQL data set: the contacts, the generator, the tables. */
export function dataSetKey(contacts: number): string {
  const ddl = postgresDdl(new Schema()).join(";\n");
  const text = JSON.stringify({ contacts, generator: DATA_VERSION(contacts), store: STORE_VERSION, ddl });
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

async function seed(server: BenchPostgres, contacts: number, ctx: BenchContext): Promise<number> {
  const started = Date.now();
  const crmDir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-pg-seed-"));
  try {
    const crm = await createCrm({ dataDir: crmDir, postgresUrl: server.url, demoData: false });
    try {
      let lastTenth = -1;
      // Ends with VACUUM (ANALYZE) of the tables it filled (the store does that for every bulk
      // load), so the lookups neither race autovacuum nor visit the heap for every candidate.
      await generateContacts(crm.store, crm.config.pageUserId, {
        count: contacts,
        onProgress: (done, total) => {
          const tenth = Math.floor((done / total) * 10);
          if (tenth !== lastTenth) {
            lastTenth = tenth;
            ctx.log(`  PostgreSQL: ${tenth * 10}% of ${total.toLocaleString("en-US")} contacts, ${((Date.now() - started) / 1000).toFixed(0)} s`);
          }
        },
      });
    } finally {
      await crm.close();
    }
  } finally {
    rmSync(crmDir, { recursive: true, force: true });
  }
  return (Date.now() - started) / 1000;
}

/**
 * The sampled numbers whose contact the PostgreSQL data set holds too. The SQLite data set also
 * holds the 36 demo contacts (the CRM benchmark's CRM loads them before generating), the
 * PostgreSQL one only the generated contacts; a number of a demo contact would be "not found" there.
 */
export async function knownToBoth<T extends { contactid: string | null }>(phones: T[], url: string, ctx: BenchContext): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ids = phones.flatMap((p) => (p.contactid ? [p.contactid] : []));
    const { rows } = await client.query<{ contactid: string }>("SELECT contactid FROM contact WHERE contactid = ANY($1::text[])", [ids]);
    const held = new Set(rows.map((r) => r.contactid));
    const kept = phones.filter((p) => p.contactid === null || held.has(p.contactid));
    if (kept.length < phones.length) ctx.log(`  ${phones.length - kept.length} sampled number(s) belong to demo contacts only SQLite holds: not asked`);
    return kept;
  } finally {
    await client.end();
  }
}

/**
 * The memory PostgreSQL is given for the timed lookups: enough shared buffers to hold the contact
 * table, the n-gram table and their indexes (about 1.4 GB at 1,000,000 contacts), which are read
 * into them before timing (pg_prewarm). With 256 MB, a lookup found about 7 of its 15 pages
 * outside PostgreSQL's buffers (EXPLAIN (ANALYZE, BUFFERS), 40 numbers) and read them from the
 * operating system's cache: that, not the query, was most of the server's CPU per lookup.
 * SQLite's side has its file in the operating system's cache and a 64 MB page cache of its own.
 */
export const SHARED_BUFFERS = "2GB";

/** Reads the tables the caller-id lookup uses, and their indexes, into PostgreSQL's shared buffers; the pages read. */
export async function prewarm(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
    const { rows } = await client.query<{ pages: string }>(
      `SELECT sum(pg_prewarm(c.oid))::text AS pages FROM pg_class c
        WHERE c.oid IN ('contact'::regclass, 'ngram_contact_telephone1'::regclass)
           OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('contact'::regclass, 'ngram_contact_telephone1'::regclass))`,
    );
    return Number(rows[0]?.pages ?? 0);
  } finally {
    await client.end();
  }
}

interface Variant {
  name: string;
  label: string;
  /** Figure-name suffix ("" for the headline PostgreSQL figures). */
  key: string;
  postgresUrl?: string;
}

const bench: BenchModule = {
  name: "crm-postgres",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!postgresInstalled()) {
      ctx.log("  PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin): skipped");
      return { figures: {}, report: ["Skipped: PostgreSQL 15 is not installed."] };
    }
    const contacts = ctx.quick ? 50_000 : 1_000_000;
    const rounds = ctx.quick ? 2 : 4;
    const perRound = ctx.quick ? 150 : 500;
    const warmup = 200;
    const sqliteDir = await prepareData(contacts, ctx);

    let seedSeconds: number | undefined;
    const server = await startCachedBenchPostgres(`${DATA_SET_PREFIX}-${contacts}`, dataSetKey(contacts), async (s) => {
      ctx.log(`  seeding ${contacts.toLocaleString("en-US")} contacts into a new cached PostgreSQL data set (once; later runs reuse it)`);
      seedSeconds = await seed(s, contacts, ctx);
      ctx.log(`  seeded in ${seedSeconds.toFixed(1)} s`);
    }, ctx.log, [`-c shared_buffers=${SHARED_BUFFERS}`]);
    if (server.reused) ctx.log(`  reusing the seeded PostgreSQL data set in ${server.dir}`);
    const prewarmStarted = Date.now();
    const pages = await prewarm(server.socketUrl);
    ctx.log(`  read ${((pages * 8) / 1024).toFixed(0)} MB of tables and indexes into PostgreSQL's shared buffers (${SHARED_BUFFERS}) in ${((Date.now() - prewarmStarted) / 1000).toFixed(1)} s`);

    const variants: Variant[] = [
      { name: "SQLite", label: "SQLite (n-gram table)", key: "sqlite" },
      { name: "PostgreSQL TCP", label: "PostgreSQL 15, loopback TCP", key: "tcp", postgresUrl: server.url },
      { name: "PostgreSQL socket", label: "PostgreSQL 15, Unix-domain socket", key: "socket", postgresUrl: server.socketUrl },
    ];
    // Each variant asks its own numbers: none finds pages another variant's lookups just read.
    const need = warmup + rounds * perRound;
    const phones = await knownToBoth(samplePhones(sqliteDir, Math.ceil(need * variants.length * 1.01)), server.socketUrl, ctx);
    if (phones.length < need * variants.length) throw new Error(`only ${phones.length} of the sampled numbers are in both data sets`);
    const crmDirs: string[] = [];
    const services: Array<Awaited<ReturnType<typeof startService>>> = [];
    const results = variants.map(() => ({ server: [] as number[], client: [] as number[], crmCpu: 0, pgCpu: 0, wait: 0, n: 0 }));
    try {
      for (const variant of variants) {
        let dir = sqliteDir;
        if (variant.postgresUrl) {
          // The PostgreSQL CRM keeps only its signing keys in its data directory.
          dir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-pg-keys-"));
          crmDirs.push(dir);
        }
        services.push(await startService(dir, true, variant.postgresUrl));
      }
      for (let v = 0; v < variants.length; v++) await timeLookups(services[v]!, phones.slice(v * need, v * need + warmup), 0, warmup);
      const loadBefore = await loadAverage();
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < variants.length; i++) {
          const v = (round + i) % variants.length;
          const service = services[v]!;
          const first = v * need + warmup + round * perRound;
          const pgPids = () => processTree(server.pid());
          const crmBefore = schedstat([service.child.pid!]);
          const pgBefore = schedstat(pgPids());
          const timed = await timeLookups(service, phones.slice(first, first + perRound), perRound, 0);
          const r = results[v]!;
          const crm = between(crmBefore, schedstat([service.child.pid!]));
          r.crmCpu += crm.cpu;
          r.wait += crm.wait;
          if (variants[v]!.postgresUrl) {
            const database = between(pgBefore, schedstat(pgPids()));
            r.pgCpu += database.cpu;
            r.wait += database.wait;
          }
          r.server.push(...timed.server);
          r.client.push(...timed.client);
          r.n += perRound;
        }
      }
      const loadAfter = await loadAverage();
      for (const r of results) {
        r.server.sort((a, b) => a - b);
        r.client.sort((a, b) => a - b);
      }
      const us = (seconds: number, n: number) => (seconds / n) * 1e6;
      for (let v = 0; v < variants.length; v++) {
        const r = results[v]!;
        ctx.log(`  ${variants[v]!.name}: median ${median(r.server).toFixed(3)} ms, p99 ${p99(r.server).toFixed(3)} ms (server-side); CPU per lookup ${us(r.crmCpu, r.n).toFixed(0)} µs CRM + ${us(r.pgCpu, r.n).toFixed(0)} µs PostgreSQL, ${us(r.wait, r.n).toFixed(0)} µs waiting for a core`);
      }
      const [sqlite, tcp, socket] = results as [typeof results[0], typeof results[0], typeof results[0]];
      const n = contacts.toLocaleString("en-US");
      const figures: Record<string, number> = {
        // The headline is the path the documentation shows (a host and port: TCP); the socket's beside it.
        crm_pg_ani_lookup_median_ms_1m: Number(median(tcp.server).toFixed(3)),
        crm_pg_ani_lookup_p99_ms_1m: Number(p99(tcp.server).toFixed(3)),
        crm_pg_ani_lookup_client_median_ms_1m: Number(median(tcp.client).toFixed(3)),
        crm_pg_ani_lookup_cpu_us_1m: Number(us(tcp.crmCpu + tcp.pgCpu, tcp.n).toFixed(0)),
        crm_pg_socket_ani_lookup_median_ms_1m: Number(median(socket.server).toFixed(3)),
        crm_pg_socket_ani_lookup_p99_ms_1m: Number(p99(socket.server).toFixed(3)),
        crm_pg_sqlite_ani_lookup_median_ms_1m: Number(median(sqlite.server).toFixed(3)),
        crm_pg_sqlite_ani_lookup_p99_ms_1m: Number(p99(sqlite.server).toFixed(3)),
        crm_pg_sqlite_ani_lookup_cpu_us_1m: Number(us(sqlite.crmCpu, sqlite.n).toFixed(0)),
        crm_pg_tcp_ani_lookup_crm_cpu_us_1m: Number(us(tcp.crmCpu, tcp.n).toFixed(0)),
        crm_pg_tcp_ani_lookup_pg_cpu_us_1m: Number(us(tcp.pgCpu, tcp.n).toFixed(0)),
        crm_pg_socket_ani_lookup_crm_cpu_us_1m: Number(us(socket.crmCpu, socket.n).toFixed(0)),
        crm_pg_socket_ani_lookup_pg_cpu_us_1m: Number(us(socket.pgCpu, socket.n).toFixed(0)),
        crm_pg_socket_ani_lookup_wait_us_1m: Number(us(socket.wait, socket.n).toFixed(0)),
        crm_pg_tcp_ani_lookup_wait_us_1m: Number(us(tcp.wait, tcp.n).toFixed(0)),
        crm_pg_sqlite_ani_lookup_wait_us_1m: Number(us(sqlite.wait, sqlite.n).toFixed(0)),
        crm_pg_ani_lookup_median_ratio_vs_sqlite: Number((median(tcp.server) / median(sqlite.server)).toFixed(2)),
      };
      if (seedSeconds !== undefined) figures.crm_pg_seed_seconds_1m = Number(seedSeconds.toFixed(1));
      return {
        figures,
        report: [
          `ANI lookup (\`contains(telephone1,'<digits>')\`, \`$select=fullname,telephone1,contactid\`) against ${n} generated contacts: ${rounds} rounds of ${perRound} lookups per store after ${warmup} warm-up ones, the stores in turn (order rotating each round), one request at a time, each store asked different numbers, 10% unknown, every answer checked; server-side time from the Web API's Server-Timing, each CRM in its own child process. Machine: ${loadBefore} before, ${loadAfter} after.`,
          "",
          "| store | median (ms) | p99 (ms) | client-side median (ms) | CPU per lookup: CRM process | PostgreSQL server | waiting for a core, both |",
          "|---|---:|---:|---:|---:|---:|---:|",
          ...variants.map((variant, v) => {
            const r = results[v]!;
            return `| ${variant.label} | ${median(r.server).toFixed(3)} | ${p99(r.server).toFixed(3)} | ${median(r.client).toFixed(3)} | ${us(r.crmCpu, r.n).toFixed(0)} µs | ${variant.postgresUrl ? `${us(r.pgCpu, r.n).toFixed(0)} µs` : "—"} | ${us(r.wait, r.n).toFixed(0)} µs |`;
          }),
          "",
          `PostgreSQL (TCP) ÷ SQLite, medians: ×${(median(tcp.server) / median(sqlite.server)).toFixed(2)}; socket ÷ TCP: ×${(median(socket.server) / median(tcp.server)).toFixed(2)}.`,
          "",
          seedSeconds !== undefined
            ? `Seeded ${n} contacts into PostgreSQL through generateContacts (COPY, then VACUUM (ANALYZE); what \`ccflow crm seed --postgres … --contacts ${contacts}\` runs) in ${seedSeconds.toFixed(0)} s, kept in ${server.dir} for later runs.`
            : `PostgreSQL data set reused from ${server.dir} (seeded by an earlier run).`,
          "Target: median ≤ 1 ms on PostgreSQL too (judged on a quiet machine).",
        ],
      };
    } finally {
      for (const service of services) await stopService(service);
      for (const dir of crmDirs) rmSync(dir, { recursive: true, force: true });
      await server.stop();
    }
  },
};

export default bench;
