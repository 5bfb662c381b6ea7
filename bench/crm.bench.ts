/**
 * CRM benchmark: the ANI lookup every call makes (`contacts?$select=fullname,telephone1,contactid&
 * $filter=contains(telephone1,'<digits>')`, exactly the seed flow's request) against 1,000,000
 * contacts, timed server-side (the Server-Timing the Web API reports: token check, limits, query,
 * JSON) with the substring index, and the same query with the index switched off (a full scan),
 * in the same run. Then a mixed load of 80% lookups and 20% case creates/updates in requests/s.
 * The service runs in a child process; this process only generates load.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Pool } from "undici";
import { DEV_CREDENTIALS } from "../src/crm/config.js";
import { createCrm } from "../src/crm/crm.js";
import { generateContacts, seededRandom } from "../src/crm/demo-data.js";
import type { SqliteCrmStore } from "../src/crm/store/sqlite-store.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Bumped whenever the generator changes, so an old data set is not measured by mistake. */
export const DATA_VERSION = (contacts: number) => `${contacts}:2`;

interface Service {
  url: string;
  token: string;
  pool: Pool;
  child: ChildProcess;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export async function prepareData(contacts: number, ctx: BenchContext): Promise<string> {
  const dataDir = path.join(tmpdir(), `ccflow-bench-crm-${contacts}`);
  if (existsSync(path.join(dataDir, "crm.sqlite"))) {
    const db = new Database(path.join(dataDir, "crm.sqlite"), { readonly: true });
    try {
      const row = db.prepare("SELECT value FROM crm_meta WHERE key = 'bench_contacts'").get() as { value: string } | undefined;
      if (row?.value === DATA_VERSION(contacts)) {
        ctx.log(`  reusing ${contacts.toLocaleString("en-US")} generated contacts in ${dataDir}`);
        return dataDir;
      }
    } catch {
      // Not a finished benchmark data set: generate it again.
    } finally {
      db.close();
    }
  }
  const { rmSync } = await import("node:fs");
  rmSync(dataDir, { recursive: true, force: true });
  const started = Date.now();
  const crm = await createCrm({ dataDir });
  try {
    let lastTenth = -1;
    await generateContacts(crm.store, crm.config.pageUserId, {
      count: contacts,
      onProgress: (done, total) => {
        const tenth = Math.floor((done / total) * 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          ctx.log(`  generating contacts: ${tenth * 10}%`);
        }
      },
    });
    const store = crm.store as SqliteCrmStore;
    store.db.pragma("optimize");
    await store.setMeta("bench_contacts", DATA_VERSION(contacts));
    store.db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    await crm.close();
  }
  ctx.log(`  generated ${contacts.toLocaleString("en-US")} contacts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dataDir;
}

/** Phone numbers to look up, as the seed flow sends them (digits, '+' stripped), with the contact each must find. */
export function samplePhones(dataDir: string, count: number): Array<{ digits: string; contactid: string | null }> {
  const db = new Database(path.join(dataDir, "crm.sqlite"), { readonly: true });
  try {
    const max = (db.prepare("SELECT MAX(rid) AS n FROM contact").get() as { n: number }).n;
    const random = seededRandom(99);
    const picks: Array<{ digits: string; contactid: string | null }> = [];
    const byRid = db.prepare("SELECT telephone1, contactid FROM contact WHERE rid = ?");
    const seen = new Set<number>();
    while (picks.length < count) {
      if (picks.length % 10 === 9) {
        picks.push({ digits: `1999${String(Math.floor(random() * 1e7)).padStart(7, "0")}`, contactid: null });
        continue;
      }
      const rid = 1 + Math.floor(random() * max);
      if (seen.has(rid)) continue;
      seen.add(rid);
      const row = byRid.get(rid) as { telephone1: string | null; contactid: string } | undefined;
      if (row?.telephone1) picks.push({ digits: row.telephone1.replace(/^\+/, ""), contactid: row.contactid });
    }
    return picks;
  } finally {
    db.close();
  }
}

export async function startService(dataDir: string, substringIndex: boolean, postgresUrl?: string): Promise<Service> {
  const child = spawn(process.execPath, [path.join(here, "crm-server.js"), JSON.stringify({ dataDir, substringIndex, postgresUrl })], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const newline = buffer.indexOf("\n");
      if (newline >= 0) resolve((JSON.parse(buffer.slice(0, newline)) as { httpUrl: string }).httpUrl);
    });
    child.on("exit", (code) => reject(new Error(`CRM server exited (${code}) before it was ready`)));
  });
  const pool = new Pool(url, { connections: 16, pipelining: 1 });
  try {
    return { url, token: await fetchToken(pool, url), pool, child };
  } catch (err) {
    // A child left running would keep `npm run bench` alive after its report.
    await stopService({ url, token: "", pool, child });
    throw err;
  }
}

async function fetchToken(pool: Pool, url: string): Promise<string> {
  const response = await pool.request({
    path: `/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: `${url}/.default` }).toString(),
  });
  const body = (await response.body.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token from the CRM (status ${response.statusCode})`);
  return body.access_token;
}

export async function stopService(service: Service): Promise<void> {
  await service.pool.close();
  await new Promise<void>((resolve) => {
    service.child.once("exit", () => resolve());
    service.child.stdin?.end();
    setTimeout(() => service.child.kill("SIGKILL"), 10_000).unref();
  });
}

const SELECT = "$select=fullname,telephone1,contactid";

async function lookup(service: Service, digits: string): Promise<{ serverMs: number; clientMs: number; value: Array<{ contactid: string }> }> {
  const started = process.hrtime.bigint();
  const response = await service.pool.request({
    path: `/api/data/v9.2/contacts?${SELECT}&$filter=${encodeURIComponent(`contains(telephone1,'${digits}')`)}`,
    method: "GET",
    headers: { authorization: `Bearer ${service.token}`, accept: "application/json" },
  });
  const body = (await response.body.json()) as { value: Array<{ contactid: string }> };
  const clientMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.statusCode !== 200) throw new Error(`lookup answered ${response.statusCode}`);
  const timing = String(response.headers["server-timing"] ?? "");
  const serverMs = Number(/dur=([\d.]+)/.exec(timing)?.[1] ?? Number.NaN);
  return { serverMs, clientMs, value: body.value };
}

export async function timeLookups(service: Service, phones: Array<{ digits: string; contactid: string | null }>, count: number, warmup: number) {
  for (let i = 0; i < warmup; i++) await lookup(service, phones[i % phones.length]!.digits);
  const server: number[] = [];
  const client: number[] = [];
  for (let i = 0; i < count; i++) {
    const phone = phones[(i + warmup) % phones.length]!;
    const result = await lookup(service, phone.digits);
    const ids = result.value.map((r) => r.contactid);
    if (phone.contactid ? !ids.includes(phone.contactid) : ids.length !== 0) throw new Error(`lookup of ${phone.digits} found ${ids.join(",") || "nothing"}`);
    server.push(result.serverMs);
    client.push(result.clientMs);
  }
  server.sort((a, b) => a - b);
  client.sort((a, b) => a - b);
  return { server, client };
}

/** 80% ANI lookups, 20% case writes (half creates, half priority updates), `concurrency` requests in flight. */
async function mixedLoad(service: Service, phones: Array<{ digits: string; contactid: string | null }>, seconds: number, concurrency: number) {
  const random = seededRandom(7);
  const known = phones.filter((p) => p.contactid);
  const created: string[] = [];
  const counts = { lookups: 0, creates: 0, updates: 0, errors: 0 };
  const deadline = Date.now() + seconds * 1000;
  const headers = { authorization: `Bearer ${service.token}`, accept: "application/json", "content-type": "application/json" };
  const worker = async () => {
    while (Date.now() < deadline) {
      const roll = random();
      if (roll < 0.8 || known.length === 0) {
        await lookup(service, phones[Math.floor(random() * phones.length)]!.digits);
        counts.lookups++;
        continue;
      }
      if (roll < 0.9 || created.length === 0) {
        const contact = known[Math.floor(random() * known.length)]!;
        const response = await service.pool.request({
          path: "/api/data/v9.2/incidents",
          method: "POST",
          headers,
          body: JSON.stringify({ title: "Load test case", "customerid_contact@odata.bind": `/contacts(${contact.contactid})`, caseorigincode: 1, prioritycode: 2 }),
        });
        await response.body.dump();
        if (response.statusCode !== 204) counts.errors++;
        const id = /\(([0-9a-f-]{36})\)/.exec(String(response.headers["odata-entityid"] ?? ""))?.[1];
        if (id) created.push(id);
        counts.creates++;
        continue;
      }
      const id = created[Math.floor(random() * created.length)]!;
      const response = await service.pool.request({
        path: `/api/data/v9.2/incidents(${id})`,
        method: "PATCH",
        headers: { ...headers, "if-match": "*" },
        body: JSON.stringify({ prioritycode: 1 + Math.floor(random() * 3) }),
      });
      await response.body.dump();
      if (response.statusCode !== 204) counts.errors++;
      counts.updates++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - started) / 1000;
  const total = counts.lookups + counts.creates + counts.updates;
  return { rps: total / elapsed, total, elapsed, ...counts };
}

const bench: BenchModule = {
  name: "crm",
  async run(ctx: BenchContext): Promise<BenchResult> {
    const contacts = ctx.quick ? 100_000 : 1_000_000;
    const lookups = ctx.quick ? 300 : 3000;
    const scans = ctx.quick ? 8 : 25;
    const mixedSeconds = ctx.quick ? 3 : 15;
    const concurrency = 8;
    const dataDir = await prepareData(contacts, ctx);
    // Every timed lookup asks for a different number, so caches do not flatter the figures.
    const phones = samplePhones(dataDir, lookups + 200);

    ctx.log("  with the substring index");
    const indexed = await startService(dataDir, true);
    let withIndex;
    let mixed;
    try {
      withIndex = await timeLookups(indexed, phones, lookups, 200);
      ctx.log(`  lookups: server median ${median(withIndex.server).toFixed(3)} ms, p99 ${percentile(withIndex.server, 99).toFixed(3)} ms`);
      mixed = await mixedLoad(indexed, phones, mixedSeconds, concurrency);
      ctx.log(`  mixed load: ${mixed.rps.toFixed(0)} requests/s (${mixed.total} in ${mixed.elapsed.toFixed(1)} s, ${mixed.errors} errors)`);
    } finally {
      await stopService(indexed);
    }

    ctx.log("  without the index (full scan)");
    const scanning = await startService(dataDir, false);
    let withoutIndex;
    try {
      withoutIndex = await timeLookups(scanning, phones, scans, 2);
      ctx.log(`  scans: server median ${median(withoutIndex.server).toFixed(1)} ms`);
    } finally {
      await stopService(scanning);
    }

    const indexMedian = percentile(withIndex.server, 50);
    const indexP99 = percentile(withIndex.server, 99);
    const scanMedian = percentile(withoutIndex.server, 50);
    const figures = {
      crm_ani_lookup_median_ms_1m: Number(indexMedian.toFixed(3)),
      crm_ani_lookup_p99_ms_1m: Number(indexP99.toFixed(3)),
      crm_ani_lookup_scan_median_ms_1m: Number(scanMedian.toFixed(1)),
      crm_ani_lookup_speedup_vs_scan: Number((scanMedian / indexMedian).toFixed(0)),
      crm_ani_lookup_client_median_ms_1m: Number(percentile(withIndex.client, 50).toFixed(3)),
      crm_mixed_rps: Number(mixed.rps.toFixed(0)),
    };
    const n = contacts.toLocaleString("en-US");
    const report = [
      `ANI lookup (the seed flow's \`contains(telephone1,'<digits>')\` query with \`$select=fullname,telephone1,contactid\`) against ${n} generated contacts (plus the demo set), 10% of the numbers unknown; every answer checked against the expected contact. Server-side time is the Web API's own \`Server-Timing\` (bearer-token check, limits, SQL, JSON), the service in a child process, one request at a time.`,
      "",
      "| | median | p99 | requests |",
      "|---|---:|---:|---:|",
      `| with the substring index | ${indexMedian.toFixed(3)} ms | ${indexP99.toFixed(3)} ms | ${lookups} |`,
      `| same query, index off (full scan) | ${scanMedian.toFixed(1)} ms | ${percentile(withoutIndex.server, 99).toFixed(1)} ms | ${scans} |`,
      `| client round trip, with the index (loopback HTTP) | ${percentile(withIndex.client, 50).toFixed(3)} ms | ${percentile(withIndex.client, 99).toFixed(3)} ms | ${lookups} |`,
      "",
      `Speed-up of the median over the scan: ×${figures.crm_ani_lookup_speedup_vs_scan}. Target: median under 1 ms server-side — ${indexMedian < 1 ? "met" : "NOT met"}.`,
      "",
      `Mixed load, ${concurrency} requests in flight for ${mixed.elapsed.toFixed(0)} s: 80% lookups, 10% case creates (POST incidents with a customer bind), 10% case updates (PATCH with If-Match: *): ${mixed.rps.toFixed(0)} requests/s (${mixed.lookups} lookups, ${mixed.creates} creates, ${mixed.updates} updates, ${mixed.errors} errors).`,
    ];
    return { figures, report };
  },
};

export default bench;
