/**
 * A real Redis server for tests: `redis-server` on a free loopback port with its data in a
 * temporary directory (append-only file on, so a restart keeps the state), stopped and removed at
 * the end. Tests that need it skip with a notice when the binary is absent (`redisAvailable`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { freePort } from "../../src/util/free-port.js";

export const REDIS_SERVER = "/usr/bin/redis-server";

export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Kills the server (SIGKILL: no save on the way out) and keeps its data directory. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}


async function ping(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.quit().catch(() => {});
  }
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-redis-"));
  let child: ChildProcess | undefined;
  let port = 0;
  let log = "";

  const launch = async (): Promise<void> => {
    log = "";
    child = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes", "--daemonize", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) break;
      if (await ping(url)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on port ${port}: ${log.slice(-500)}`);
  };

  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    try {
      await launch();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    halt: kill,
    resume: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
