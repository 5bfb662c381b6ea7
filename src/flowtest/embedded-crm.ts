/**
 * A fresh embedded CRM per scenario, holding exactly the scenario's `crm:` records: its own
 * SQLite file in a temporary directory, the real Web API and token service on a loopback port
 * (plain HTTP: no certificate to generate), so the flow's connectors authenticate and query it
 * the way they query Dataverse. Records are written straight into the store, in file order, a
 * minute apart (so "newest first" means "last in the file"), with the same seeded numbering the
 * demo data uses — case numbers are the same on every run.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { request } from "undici";
import { createCrm, registerCrmRoutes, resolveCredentials } from "../crm/index.js";
import { seededRandom } from "../crm/demo-data.js";
import { loadSigningKeys } from "../crm/auth/keys.js";
import { DEV_ORGANIZATION } from "../crm/config.js";
import type { Row } from "../crm/store/types.js";
import type { TableDef } from "../crm/schema/types.js";
import { suggest } from "./expectations.js";
import type { FixtureRequest, FixtureResponse } from "../connectors/transport.js";
import type { ScenarioCrm } from "./run.js";
import type { CrmState } from "./schema.js";

/** A record the CRM cannot take, named by its place in the scenario. */
export class CrmRecordError extends Error {}

/**
 * Sends a fixture request on to a real server on loopback (the embedded CRM). Real sockets: the
 * virtual clock must not move while the server is working.
 */
export function forwardOverLoopback(req: FixtureRequest, tools: { clock: { track<T>(p: Promise<T>): Promise<T> }; signal: AbortSignal }): Promise<FixtureResponse> {
  return tools.clock.track(
    (async () => {
      const res = await request(req.url, { method: req.method as "GET", headers: req.headers, body: req.body, signal: tools.signal });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      return { status: res.statusCode, headers, body: await res.body.text() };
    })(),
  );
}

const TABLES: Array<[keyof CrmState, string]> = [
  ["accounts", "account"],
  ["contacts", "contact"],
  ["incidents", "incident"],
];

function toRow(table: TableDef, record: Record<string, unknown>, where: string, owners: Map<string, string>, at: number): Row {
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const lookups = new Map(table.lookups.map((l) => [l.name, l]));
  const row: Row = {};
  const input = { ...record };
  // `fullname` is computed in Dataverse; accept it and split it the way a person would type it.
  if (table.logicalName === "contact" && typeof input.fullname === "string" && input.firstname === undefined && input.lastname === undefined) {
    const [first, ...rest] = input.fullname.trim().split(/\s+/);
    input.firstname = rest.length ? first : null;
    input.lastname = rest.length ? rest.join(" ") : first;
  }
  delete input.fullname;
  for (const [key, value] of Object.entries(input)) {
    if (key === "statecode" || key === "statuscode") continue;
    const viaValue = /^_(.+)_value$/.exec(key)?.[1];
    const viaType = /^_(.+)_type$/.exec(key)?.[1];
    const lookup = lookups.get(viaValue ?? viaType ?? key);
    if (lookup) {
      if (viaType) {
        row[key] = String(value);
        continue;
      }
      if (typeof value !== "string") throw new CrmRecordError(`${where}.${key}: a lookup takes the id of a record, as a string`);
      const id = value.toLowerCase();
      row[`_${lookup.name}_value`] = id;
      if (lookup.targets.length > 1 && input[`_${lookup.name}_type`] === undefined) {
        const owner = owners.get(id);
        if (!owner || !lookup.targets.includes(owner)) {
          const kinds = lookup.targets.join(" or ");
          throw new CrmRecordError(`${where}.${key}: ${id} is not the id of ${/^[aeiou]/.test(kinds) ? "an" : "a"} ${kinds} loaded before this record`);
        }
        row[`_${lookup.name}_type`] = owner;
      }
      continue;
    }
    const column = columns.get(key);
    if (!column) {
      const known = new Set([...columns.keys(), ...lookups.keys()]);
      throw new CrmRecordError(`${where}: ${table.logicalName} has no column "${key}"${suggest(key, known)}`);
    }
    if (column.type === "datetime" && typeof value === "string") {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw new CrmRecordError(`${where}.${key}: not a date: ${JSON.stringify(value)}`);
      row[key] = ms;
    } else if (typeof value === "boolean") row[key] = value ? 1 : 0;
    else if (value === null || typeof value === "string" || typeof value === "number") row[key] = value;
    else throw new CrmRecordError(`${where}.${key}: must be text, a number, true/false or null`);
  }
  if (row.createdon === undefined) row.createdon = at;
  return row;
}

/**
 * Token-signing keys are made once per process and copied into each scenario's CRM: an RSA key
 * pair takes longer to generate than the rest of a scenario takes to run.
 */
let keyTemplate: Promise<string> | undefined;
function signingKeysDir(): Promise<string> {
  keyTemplate ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccflow-scenario-keys-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    await loadSigningKeys(dir);
    return join(dir, "keys");
  })();
  return keyTemplate;
}

/** Starts a CRM holding `state`; `now` dates the records (the scenario's start). */
export async function startScenarioCrm(state: CrmState, now: number): Promise<ScenarioCrm> {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-scenario-crm-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let crm;
  try {
    cpSync(await signingKeysDir(), join(dir, "keys"), { recursive: true });
    crm = await createCrm({ dataDir: dir, demoData: false });
  } catch (err) {
    cleanup();
    throw err;
  }
  const store = crm.store;
  const total = TABLES.reduce((n, [key]) => n + (state[key]?.length ?? 0), 0);
  let i = 0;
  try {
    await store.bulkLoad(
      async (tx) => {
        const owners = new Map<string, string>();
        for (const [key, logical] of TABLES) {
          const table = store.schema.table(logical);
          for (const [k, record] of (state[key] ?? []).entries()) {
            const where = `crm.${key}[${k}]`;
            const row = toRow(table, record, where, owners, now - (total - i++) * 60_000);
            const saved = await tx.insert(table, row, { userId: DEV_ORGANIZATION.pageUserId });
            const id = String(saved[table.primaryKey]);
            owners.set(id, logical);
            if (record.statecode !== undefined || record.statuscode !== undefined) {
              const change: Row = {};
              if (record.statecode !== undefined) change.statecode = record.statecode as number;
              if (record.statuscode !== undefined) change.statuscode = record.statuscode as number;
              await tx.update(table, id, change, { userId: DEV_ORGANIZATION.pageUserId });
            }
          }
        }
      },
      { random: seededRandom(20240108) },
    );
  } catch (err) {
    await crm.close();
    cleanup();
    if (err instanceof CrmRecordError) throw err;
    throw new CrmRecordError(`the CRM refused a record: ${(err as Error).message}`);
  }

  const app = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { maxParamLength: 32 * 1024 }, serverFactory: (handler) => http.createServer({ maxHeaderSize: 64 * 1024 }, handler) });
  registerCrmRoutes(app, crm);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  crm.addPublicBaseUrl(baseUrl);
  const credentials = resolveCredentials();
  const openCrm = crm;
  return {
    binding: { baseUrl, tenantId: credentials.tenantId, clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    forward: forwardOverLoopback,
    async close() {
      await app.close();
      await openCrm.close();
      cleanup();
    },
  };
}
