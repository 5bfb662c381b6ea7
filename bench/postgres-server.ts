/**
 * A throwaway PostgreSQL 15 for the benchmark, started as the tests start theirs
 * (test/helpers/postgres.ts; tests are not built into dist/, so the few steps are repeated here):
 * initdb in a temporary directory, pg_ctl on a free loopback port, as the `postgres` OS user when
 * this runs as root (PostgreSQL refuses root), durability off. `stop` removes it.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../src/util/free-port.js";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

export function postgresInstalled(): boolean {
  return existsSync(path.join(BIN, "pg_ctl")) && existsSync(path.join(BIN, "initdb"));
}


async function tool(name: string, args: string[]): Promise<void> {
  const binary = path.join(BIN, name);
  if (process.getuid?.() === 0) await run("runuser", ["-u", "postgres", "--", binary, ...args], { timeout: 120_000 });
  else await run(binary, args, { timeout: 120_000 });
}

export async function startBenchPostgres(): Promise<{ url: string; pid(): number; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-pg-"));
  const data = path.join(dir, "data");
  if (process.getuid?.() === 0) {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  try {
    await tool("initdb", ["-D", data, "-U", "ccflow", "-A", "trust", "--locale=C", "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c shared_buffers=128MB", "-c max_wal_size=4GB"].join(" ");
    await tool("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "server.log"), "-w", "-t", "120", "start"]);
    return {
      url: `postgresql://ccflow@127.0.0.1:${port}/postgres`,
      /** The postmaster's process id (its backends are its children). */
      pid: () => Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]),
      async stop() {
        await tool("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
