/**
 * No acknowledged case write is lost. The embedded CRM runs in a process of its own while eight
 * writers stream creates (contacts, and cases linked to them) and updates (each record's title
 * or job title moved forward one acknowledged value at a time) through the Web API; the process
 * is killed with SIGKILL at a random moment, as `kill -9` would. Then:
 *  - the database file, opened as the killed process left it, passes `PRAGMA integrity_check`;
 *  - after a restart on the same data directory every acknowledged create is there with what
 *    was written, and every acknowledged update shows its value (or the value of the one
 *    update that was in flight when the process died);
 *  - the CRM takes writes again, and the file still passes the integrity check.
 * Three rounds by default, twenty with CCFLOW_LONG=1.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { CrmProcess } from "./helpers/crm-process.js";
import { recordFigures } from "./helpers/figures.js";
import { BASE_SEED, LONG, Rng } from "./helpers/random.js";

const ROUNDS = LONG ? 20 : 3;
const WRITERS = 8;

const tmp = mkdtempSync(path.join(tmpdir(), "ccflow-durability-"));
const dataDir = path.join(tmp, "crm");
const crm = new CrmProcess({ dataDir, limits: { requestsPerWindow: 1e9, executionTimeMs: 1e12, maxConcurrent: 10_000 } });
afterAll(async () => {
  await crm.stop("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

async function token(): Promise<string> {
  const res = await fetch(`${crm.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: `${crm.httpUrl}/.default` }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function api(bearer: string, method: string, pathAndQuery: string, body?: unknown): Promise<Response> {
  return fetch(`${crm.httpUrl}/api/data/v9.2/${pathAndQuery}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

interface Record_ {
  set: "contacts" | "incidents";
  id: string;
  /** The field written at creation and its value. */
  created: Record<string, unknown>;
  /** The field updates move, its last acknowledged value, and a value sent but never acknowledged. */
  field: string;
  acked: string;
  inFlight?: string;
}

function integrity(file: string): string {
  const db = new Database(file);
  try {
    return (db.pragma("integrity_check") as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

const figures = { rounds: 0, acknowledgedCreates: 0, acknowledgedUpdates: 0, failedWhenKilled: 0, verifiedRecords: 0, integrityChecks: [] as string[], killAfterMs: [] as number[] };

describe("CRM durability under kill -9", () => {
  it(`keeps every acknowledged write through ${ROUNDS} SIGKILLs mid-stream, and the file stays sound`, { timeout: LONG ? 3600_000 : 600_000 }, async () => {
    const rng = Rng.seeded(BASE_SEED + 20);
    await crm.start();
    const records: Record_[] = [];
    let serial = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const bearer = await token();
      let stop = false;
      let failures = 0;
      const writer = async (w: number) => {
        const mine: Record_[] = [];
        while (!stop) {
          const n = ++serial;
          try {
            if (mine.length === 0 || rng.chance(0.5)) {
              // A create: a contact, or a case for one of this writer's contacts.
              const contact = mine.find((r) => r.set === "contacts");
              const isCase = contact !== undefined && rng.chance(0.5);
              const created = isCase
                ? { title: `durability case ${n}`, description: `round ${round} writer ${w} #${n}`, "customerid_contact@odata.bind": `/contacts(${contact.id})` }
                : { firstname: "Dura", lastname: `Bility-${n}`, telephone1: `+1555${String(n).padStart(7, "0")}`, jobtitle: "v0" };
              const res = await api(bearer, "POST", isCase ? "incidents" : "contacts", created);
              if (res.status !== 204) throw new Error(`create answered ${res.status}: ${await res.text()}`);
              const id = /\(([0-9a-f-]{36})\)/.exec(res.headers.get("odata-entityid") ?? "")![1]!;
              const rec: Record_ = { set: isCase ? "incidents" : "contacts", id, created, field: isCase ? "title" : "jobtitle", acked: isCase ? `durability case ${n}` : "v0" };
              mine.push(rec);
              records.push(rec);
              figures.acknowledgedCreates++;
            } else {
              const rec = rng.pick(mine);
              const value = `v${n}`;
              rec.inFlight = value;
              const res = await api(bearer, "PATCH", `${rec.set}(${rec.id})`, { [rec.field]: value });
              if (res.status !== 204) throw new Error(`update answered ${res.status}: ${await res.text()}`);
              rec.acked = value;
              rec.inFlight = undefined;
              figures.acknowledgedUpdates++;
            }
          } catch (err) {
            // Only the kill may fail a write: the process is gone, the socket reset or refused.
            if (!stop) throw err;
            failures++;
            return;
          }
        }
      };
      const createsBefore = figures.acknowledgedCreates;
      const updatesBefore = figures.acknowledgedUpdates;
      let writerFailed = false;
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w).catch((err: unknown) => { writerFailed = true; throw err; }));
      // The kill waits for a round's worth of acknowledged writes, so a busy machine makes the
      // round longer rather than emptier; then it comes at a random moment of the stream.
      const started = Date.now();
      while (figures.acknowledgedCreates - createsBefore < 50 || figures.acknowledgedUpdates - updatesBefore < 20) {
        if (writerFailed) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const killAfter = rng.int(2000);
      await new Promise((r) => setTimeout(r, killAfter));
      figures.killAfterMs.push(Date.now() - started);
      stop = true;
      await crm.stop("SIGKILL");
      await Promise.all(writers);
      figures.failedWhenKilled += failures;

      // The file as the killed process left it (WAL included) is sound.
      const afterKill = integrity(path.join(dataDir, "crm.sqlite"));
      figures.integrityChecks.push(`after kill ${round + 1}: ${afterKill}`);
      expect(afterKill).toBe("ok");

      await crm.start();
      const reader = await token();
      const missing: string[] = [];
      for (const rec of records) {
        const res = await api(reader, "GET", `${rec.set}(${rec.id})`);
        if (res.status !== 200) {
          missing.push(`${rec.set}(${rec.id}) → ${res.status}`);
          continue;
        }
        const row = (await res.json()) as Record<string, unknown>;
        for (const [k, v] of Object.entries(rec.created)) {
          if (k.includes("@odata.bind") || k === rec.field) continue;
          if (row[k] !== v) missing.push(`${rec.set}(${rec.id}).${k} is ${JSON.stringify(row[k])}, acknowledged ${JSON.stringify(v)}`);
        }
        const allowed = [rec.acked, ...(rec.inFlight ? [rec.inFlight] : [])];
        if (!allowed.includes(row[rec.field] as string)) missing.push(`${rec.set}(${rec.id}).${rec.field} is ${JSON.stringify(row[rec.field])}, acknowledged ${JSON.stringify(rec.acked)}`);
        // Whatever was in flight is settled now: the value read is the one to expect from here on.
        rec.acked = row[rec.field] as string;
        rec.inFlight = undefined;
      }
      expect(missing.slice(0, 10)).toEqual([]);
      figures.verifiedRecords = records.length;
      figures.rounds++;
    }

    // Still a working CRM: it takes a write, and the file is sound after a clean stop.
    const bearer = await token();
    const res = await api(bearer, "POST", "contacts", { firstname: "After", lastname: "Kills" });
    expect(res.status).toBe(204);
    await crm.stop("SIGTERM");
    const final = integrity(path.join(dataDir, "crm.sqlite"));
    figures.integrityChecks.push(`after a clean stop: ${final}`);
    expect(final).toBe("ok");
    expect(figures.acknowledgedCreates).toBeGreaterThanOrEqual(ROUNDS * 50);
    expect(figures.acknowledgedUpdates).toBeGreaterThanOrEqual(ROUNDS * 20);
  });

  afterAll(() => recordFigures("durability", { seed: BASE_SEED, long: LONG, writers: WRITERS, ...figures }));
});
