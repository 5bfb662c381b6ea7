/**
 * PostgreSQL 15 for the benchmark, started as the tests start theirs (test/helpers/postgres.ts;
 * tests are not built into dist/, so the few steps are repeated here): initdb, pg_ctl on a free
 * loopback port with its Unix-domain socket in the server's own directory, as the `postgres` OS user
 * when this runs as root (PostgreSQL refuses root), durability off.
 *
 * Two kinds: a throwaway server (`startBenchPostgres`, removed by `stop`), and a cached one
 * (`startCachedBenchPostgres`) whose data directory outlives the run, so that a data set which took
 * minutes to seed (1,000,000 contacts: 1,242 s at load 23) is seeded once and later runs go straight
 * to the measurement, as the CRM benchmark reuses its SQLite file.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../src/util/free-port.js";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

export function postgresInstalled(): boolean {
  return existsSync(path.join(BIN, "pg_ctl")) && existsSync(path.join(BIN, "initdb"));
}

async function tool(name: string, args: string[], timeout = 120_000): Promise<void> {
  const binary = path.join(BIN, name);
  if (process.getuid?.() === 0) await run("runuser", ["-u", "postgres", "--", binary, ...args], { timeout });
  else await run(binary, args, { timeout });
}

/** Hands `dir` to the `postgres` OS user when we are root (the server runs as that user then). */
async function ownForPostgres(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  chownSync(dir, uid, gid);
}

export interface BenchPostgres {
  /** Over loopback TCP. */
  url: string;
  /** The same database over the server's Unix-domain socket (`host=` names the socket's directory). */
  socketUrl: string;
  /** The postmaster's process id (its backends are its children). */
  pid(): number;
  stop(): Promise<void>;
}

/** Starts the server on an initialised data directory `dir/data`; its socket and log go in `dir`. */
async function startOn(dir: string, settings: string[]): Promise<Omit<BenchPostgres, "stop"> & { halt(): Promise<void> }> {
  const data = path.join(dir, "data");
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", ...settings].join(" ");
  await tool("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "server.log"), "-w", "-t", "300", "start"], 330_000);
  return {
    url: `postgresql://ccflow@127.0.0.1:${port}/postgres`,
    socketUrl: `postgresql:///postgres?host=${encodeURIComponent(dir)}&port=${port}&user=ccflow`,
    pid: () => Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]),
    // A fast stop (a checkpoint, then exit) leaves a cached directory ready to start again without recovery.
    halt: () => tool("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "300", "stop"], 330_000).catch(() => undefined),
  };
}

async function initdb(dir: string): Promise<void> {
  await tool("initdb", ["-D", path.join(dir, "data"), "-U", "ccflow", "-A", "trust", "--locale=C", "-E", "UTF8", "--no-sync"]);
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-pg-"));
  await ownForPostgres(dir);
  try {
    await initdb(dir);
    const server = await startOn(dir, ["-c shared_buffers=128MB", "-c max_wal_size=4GB"]);
    return {
      ...server,
      async stop() {
        await server.halt();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const READY = "ready.json";

/**
 * A PostgreSQL server on a data directory kept under the system's temporary directory (beside the
 * CRM benchmark's SQLite data set) as `<prefix>-<key>`. The first run initialises it and calls
 * `seed` (without one, a missing data set is an error); only when that finished is the directory marked ready, so an interrupted seed is thrown
 * away and done again next time. Later runs with the same key start the server on it and skip the
 * seed. Directories with the prefix and another key (older generator or schema) are removed: each
 * holds gigabytes. `stop` stops the server and keeps the directory.
 */
export async function startCachedBenchPostgres(
  prefix: string,
  key: string,
  seed: ((server: BenchPostgres) => Promise<void>) | undefined,
  log: (line: string) => void,
  /** `-c name=value` settings of this start (the cache keeps the data, not the configuration). */
  settings: string[] = ["-c shared_buffers=256MB"],
): Promise<BenchPostgres & { dir: string; reused: boolean }> {
  const dir = path.join(tmpdir(), `${prefix}-${key}`);
  if (!seed && !existsSync(path.join(dir, READY))) throw new Error(`no seeded PostgreSQL data set in ${dir}`);
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(`${prefix}-`) && name !== path.basename(dir)) {
      log(`  removing an outdated PostgreSQL data set: ${path.join(tmpdir(), name)}`);
      rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
    }
  }
  const reused = existsSync(path.join(dir, READY));
  if (!reused) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    await ownForPostgres(dir);
    await initdb(dir);
  }
  const server = await startOn(dir, ["-c max_wal_size=4GB", ...settings]);
  const handle = { ...server, dir, reused, stop: () => server.halt() };
  if (!reused && seed) {
    try {
      await seed(handle);
      writeFileSync(path.join(dir, READY), `${JSON.stringify({ key, seededAt: new Date().toISOString() })}\n`);
    } catch (err) {
      await server.halt();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  return handle;
}
