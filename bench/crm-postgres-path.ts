/**
 * By hand, after the crm-postgres benchmark has seeded its cached 1,000,000-contact data set:
 * `node --expose-gc dist/bench/crm-postgres-path.js [lookups per round] [rounds]`.
 *
 * The caller-id lookup's cost in the PostgreSQL store itself, without the Web API around it, for
 * each way of reaching the server, so that a change to the connection path is judged by the CPU
 * it costs (this process and the PostgreSQL server, from /proc/<pid>/schedstat) rather than by
 * latency, which on a loaded machine is mostly waiting for a core. The ways are timed in
 * alternating rounds (the order turns each round), each asking its own numbers:
 * - the SQLite store in this process, for scale (all of its work is in this process);
 * - the PostgreSQL store over loopback TCP, and over the Unix-domain socket;
 * - the same compiled statement on one bare `pg` client over the socket (what the pool and the
 *   store's wrapping cost), and reading only the columns the lookup's answer needs instead of the
 *   contact's 26 (what reading them all costs, on both sides);
 * - a bare round trip (`SELECT $1`) on such a client: the floor of any PostgreSQL query.
 * Each lookup's answer is checked against the contact the number belongs to.
 * Options: `--shared-buffers=256MB` starts PostgreSQL with less memory than the benchmark gives it,
 * `--no-prewarm` leaves its buffers to fill as lookups go.
 */
import pg from "pg";
import { prepareData, samplePhones } from "./crm.bench.js";
import { DATA_SET_PREFIX, dataSetKey, knownToBoth, prewarm, SHARED_BUFFERS } from "./crm-postgres.bench.js";
import { startCachedBenchPostgres } from "./postgres-server.js";
import { collectGarbage, loadAverage, processTree } from "./stats.js";
import { Schema } from "../src/crm/schema/schema.js";
import type { BoolExpr } from "../src/crm/odata/bound.js";
import { compileRowQuery } from "../src/crm/store/compile.js";
import { PostgresCrmStore } from "../src/crm/store/postgres-store.js";
import { SqliteCrmStore } from "../src/crm/store/sqlite-store.js";
import type { Row, RowQuery } from "../src/crm/store/types.js";
import { readFileSync } from "node:fs";
import path from "node:path";

const CONTACTS = 1_000_000;

function schedNs(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // Gone.
    }
  }
  return out;
}

function cpuNs(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ns] of after) sum += ns - (before.get(pid) ?? 0);
  return sum;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const perRound = Number(args[0] ?? 500);
  const rounds = Number(args[1] ?? 4);
  // `--shared-buffers=256MB` starts PostgreSQL as the last round did (default: as the benchmark does);
  // `--no-prewarm` leaves the buffers to fill as lookups go.
  const sharedBuffers = process.argv.find((a) => a.startsWith("--shared-buffers="))?.split("=")[1] ?? SHARED_BUFFERS;
  const warm = !process.argv.includes("--no-prewarm");
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const sqliteDir = await prepareData(CONTACTS, { quick: false, log });
  const server = await startCachedBenchPostgres(`${DATA_SET_PREFIX}-${CONTACTS}`, dataSetKey(CONTACTS), undefined, log, [`-c shared_buffers=${sharedBuffers}`]);
  const pages = warm ? await prewarm(server.socketUrl) : 0;
  log(`  shared_buffers=${sharedBuffers}; ${warm ? `${((pages * 8) / 1024).toFixed(0)} MB read into them before timing` : "not prewarmed"}`);
  const schema = new Schema();
  const contact = schema.table("contact");
  const telephone = schema.property(contact, "telephone1")!;
  const request = (digits: string): RowQuery => {
    const filter: BoolExpr = { k: "like", mode: "contains", value: digits, target: { k: "prop", scope: 0, table: contact, prop: telephone, edm: "Edm.String" } };
    // As the Web API asks: its page size plus one, in Dataverse's default order.
    return { table: contact, filter, orderBy: [], limit: 5001 };
  };
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === 20 || oid === 1700 ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
  };
  const stores: PostgresCrmStore[] = [];
  const clients: pg.Client[] = [];
  let sqlite: SqliteCrmStore | undefined;
  try {
    const tcpStore = await PostgresCrmStore.open({ url: server.url, schema });
    const socketStore = await PostgresCrmStore.open({ url: server.socketUrl, schema });
    stores.push(tcpStore, socketStore);
    sqlite = new SqliteCrmStore({ file: path.join(sqliteDir, "crm.sqlite") });
    const bare = new pg.Client({ connectionString: server.socketUrl, types });
    const narrow = new pg.Client({ connectionString: server.socketUrl, types });
    const floor = new pg.Client({ connectionString: server.socketUrl, types });
    for (const c of [bare, narrow, floor]) {
      await c.connect();
      clients.push(c);
    }
    const compiled = (digits: string, columns: string) => {
      const { sql, params } = compileRowQuery(schema, request(digits), { dialect: "postgres", substringIndex: true });
      return { name: `path_${columns === "t0.*" ? "all" : "narrow"}`, text: sql.replace("SELECT t0.*", `SELECT ${columns}`), values: params as unknown[] };
    };
    const ways: Array<{ name: string; lookup: (digits: string) => Promise<Row[]>; unchecked?: boolean }> = [
      { name: "SQLite store, in this process (the whole lookup)", lookup: (d) => sqlite!.query(request(d)) },
      { name: "store, loopback TCP", lookup: (d) => tcpStore.query(request(d)) },
      { name: "store, Unix-domain socket", lookup: (d) => socketStore.query(request(d)) },
      { name: "one pg client, socket (no pool, no store)", lookup: async (d) => (await bare.query<Row>(compiled(d, "t0.*"))).rows },
      {
        name: "one pg client, socket, only the `$select`ed columns, key, version and rid",
        lookup: async (d) => (await narrow.query<Row>(compiled(d, "t0.rid, t0.contactid, t0.fullname, t0.telephone1, t0.versionnumber"))).rows,
      },
      // The floor: one named statement that reads nothing, the same round trip.
      { name: "one pg client, socket, `SELECT $1` (a round trip, no lookup)", lookup: async (d) => (await floor.query<Row>({ name: "floor", text: "SELECT $1::text AS d", values: [d] })).rows, unchecked: true },
    ];
    const warmup = 200;
    const need = warmup + rounds * perRound;
    const phones = await knownToBoth(samplePhones(sqliteDir, Math.ceil(need * ways.length * 1.01)), server.socketUrl, { quick: false, log });
    const check = async (way: (typeof ways)[number], phone: { digits: string; contactid: string | null }) => {
      const rows = await way.lookup(phone.digits);
      if (way.unchecked) return;
      const ids = rows.map((r) => r.contactid);
      if (phone.contactid ? !ids.includes(phone.contactid) : ids.length !== 0) throw new Error(`${way.name}: ${phone.digits} found ${ids.join(",") || "nothing"}`);
    };
    for (let w = 0; w < ways.length; w++) for (let i = 0; i < warmup; i++) await check(ways[w]!, phones[w * need + i]!);
    const totals = ways.map(() => ({ client: 0, server: 0, wall: 0, n: 0 }));
    const loadBefore = await loadAverage();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < ways.length; i++) {
        const w = (round + i) % ways.length;
        const first = w * need + warmup + round * perRound;
        collectGarbage();
        const serverBefore = schedNs(processTree(server.pid()));
        const clientBefore = process.cpuUsage();
        const started = process.hrtime.bigint();
        for (let k = 0; k < perRound; k++) await check(ways[w]!, phones[first + k]!);
        const wall = Number(process.hrtime.bigint() - started);
        const used = process.cpuUsage(clientBefore);
        const t = totals[w]!;
        t.client += (used.user + used.system) * 1000;
        t.server += cpuNs(serverBefore, schedNs(processTree(server.pid())));
        t.wall += wall;
        t.n += perRound;
      }
    }
    const loadAfter = await loadAverage();
    const lines = [
      `${rounds} rounds of ${perRound} lookups per way after ${warmup} warm-up ones, alternating; PostgreSQL shared_buffers=${sharedBuffers}, ${warm ? "prewarmed" : "not prewarmed"}; ${loadBefore} before, ${loadAfter} after.`,
      "",
      "| way | CPU per lookup: this process | PostgreSQL server | wall per lookup |",
      "|---|---:|---:|---:|",
      ...ways.map((way, w) => {
        const t = totals[w]!;
        return `| ${way.name} | ${(t.client / t.n / 1000).toFixed(0)} µs | ${(t.server / t.n / 1000).toFixed(0)} µs | ${(t.wall / t.n / 1e6).toFixed(3)} ms |`;
      }),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    for (const c of clients) await c.end().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await sqlite?.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`crm-postgres-path: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
