/**
 * A real PostgreSQL server for tests: initdb in a temporary directory, started on a free loopback
 * port with pg_ctl, stopped and removed at the end. PostgreSQL refuses to run as root, and CI runs
 * as root, so there the server runs as the `postgres` OS user (runuser) on a directory it owns.
 * Durability settings are off (fsync, synchronous_commit): the tests exercise behaviour, not disks.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../src/util/free-port.js";

const run = promisify(execFile);

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";

export function postgresAvailable(): boolean {
  return existsSync(path.join(POSTGRES_BIN, "pg_ctl")) && existsSync(path.join(POSTGRES_BIN, "initdb"));
}

export interface TestPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
  port: number;
  dir: string;
  /** Stops the server (fast shutdown: clients are disconnected) and keeps its data. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}


function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: 0, gid: 0 };
}

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const binary = path.join(POSTGRES_BIN, tool);
  const asRoot = owner() !== undefined;
  const { stdout } = asRoot ? await run("runuser", ["-u", "postgres", "--", binary, ...args], { timeout: 60_000 }) : await run(binary, args, { timeout: 60_000 });
  return stdout;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-pg-"));
  const data = path.join(dir, "data");
  if (owner()) {
    const ids = await postgresIds();
    chownSync(dir, ids.uid, ids.gid);
  }
  const user = "ccflow";
  try {
    await pgTool("initdb", ["-D", data, "-U", user, "-A", "trust", "--locale=C", "-E", "UTF8", "--no-sync"]);
    // Another process may take the port between the probe and the start: try a few.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=400",
        "-c shared_buffers=32MB",
      ].join(" ");
      const start = () => pgTool("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
      try {
        await start();
      } catch (err) {
        lastError = err;
        continue;
      }
      return {
        url: `postgresql://${user}@127.0.0.1:${port}/postgres`,
        port,
        dir,
        async halt() {
          await pgTool("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
        },
        async resume() {
          await start();
        },
        async stop() {
          await pgTool("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

let databases = 0;

/** A new, empty database on the server at `adminUrl`: its URL, and how to drop it. */
export async function createDatabase(adminUrl: string, prefix = "crm"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
