/**
 * A real server for tests: started in-process on loopback port 0 with a temporary data
 * directory, spoken to over real HTTP (undici fetch) and real WebSockets (undici WebSocket).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "undici";
import { environmentSchema, type Environment } from "../../src/environment/schema.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { FlowCatalog, type FlowSource } from "../../src/server/flows.js";
import { startServer, type RunningServer, type ServeOptions } from "../../src/server/server.js";
import { bearer, devToken } from "../helpers/api-auth.js";

/**
 * JSON as the tests read it: loosely typed on purpose, since each test states the shape it
 * expects with toMatchObject and friends.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  logs: string[];
  /** A request as the development app (every role); `headers` replace its Authorization when given one. */
  call<T = Loose>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** A WebSocket as the development app, unless other headers are given. */
  socket(path: string, headers?: Record<string, string>): Promise<TestSocket>;
  /** Every socket opened through `socket`, with its path, in order (socket-conformance.ts reads their messages). */
  readonly sockets: ReadonlyArray<{ path: string; socket: TestSocket }>;
  close(): Promise<void>;
}

export function environment(raw: Record<string, unknown> = {}): Environment {
  return { ...environmentSchema.parse(raw), baseDir: process.cwd() };
}

export async function startTestServer(options: {
  flows: Array<{ id?: string; definition: FlowDefinition; source?: FlowSource; name?: string }> | FlowCatalog;
  environment?: Record<string, unknown>;
  crm?: boolean;
  msPerChar?: number;
  httpsPort?: number | false;
  extra?: Partial<ServeOptions>;
}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "ccflow-server-"));
  const logs: string[] = [];
  const flows =
    options.flows instanceof FlowCatalog
      ? options.flows
      : new FlowCatalog(options.flows.map((f) => ({ ...(f.id ? { id: f.id } : {}), name: f.name ?? f.definition.name, source: f.source ?? "given", definition: f.definition })));
  const sockets: Array<{ path: string; socket: TestSocket }> = [];
  let server: RunningServer;
  try {
    server = await startServer({
      environment: environment(options.environment),
      flows,
      dataDir,
      port: 0,
      httpsPort: options.httpsPort ?? false,
      embeddedCrm: options.crm ?? false,
      msPerChar: options.msPerChar ?? 0,
      log: (level, message) => logs.push(`${level}: ${message}`),
      ...options.extra,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = server.url;
  return {
    server,
    url,
    dataDir,
    logs,
    sockets,
    async call(method, path, body, headers) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(headers?.authorization !== undefined ? {} : bearer(await devToken(url))), ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async socket(path, headers) {
      const s = await TestSocket.open(`${url.replace(/^http/, "ws")}${path}`, headers ?? bearer(await devToken(url)));
      sockets.push({ path, socket: s });
      return s;
    },
    async close() {
      for (const s of sockets) s.socket.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A WebSocket client that keeps every message and can wait for one that matches. */
export class TestSocket {
  readonly messages: Loose[] = [];
  closed = false;
  private waiters: Array<{ match: (m: Loose) => boolean; resolve: (m: Loose) => void; from: number }> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const m = JSON.parse(String(e.data));
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    ws.addEventListener("close", () => (this.closed = true));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const s = new TestSocket(ws);
      ws.addEventListener("open", () => resolve(s), { once: true });
      ws.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), { once: true });
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (already received or still to come) that matches. */
  next(match: (m: Loose) => boolean, what = "a matching message", timeoutMs = 15_000): Promise<Loose> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return this.wait(match, what, timeoutMs);
  }

  /** The next message from now on that matches. */
  wait(match: (m: Loose) => boolean, what = "a matching message", timeoutMs = 15_000): Promise<Loose> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got: ${this.messages.map((m) => m.type + (m.event ? `:${m.event.type}` : "")).slice(-30).join(", ")}`));
      }, timeoutMs);
      const done = (m: Loose) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ match, resolve: done, from: this.messages.length });
    });
  }

  close(): void {
    if (!this.closed) this.ws.close();
  }
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
