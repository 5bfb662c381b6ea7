/**
 * `ccflow serve` as a real process (compiled code): started on a free port with its own data
 * directory, driven over its HTTP API, stopped with a signal; everything it printed is kept.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { repoRoot } from "../../helpers/shared.js";
import { ensureBuilt } from "./dist.js";
import { clientToken, DEV_APP } from "../../helpers/api-auth.js";

export class ServeProcess {
  private child?: ChildProcess;
  url = "";
  stdout = "";
  stderr = "";
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    private readonly args: string[],
    private readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    await ensureBuilt();
    this.stdout = "";
    this.stderr = "";
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/ccflow.js"), "serve", "--port", "0", "--no-https", ...this.args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: "1", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    const started = Date.now();
    while (!/Ready in/.test(this.stdout)) {
      if (child.exitCode !== null) throw new Error(`ccflow serve exited (${child.exitCode}): ${this.stderr.slice(-1500)}`);
      if (Date.now() - started > 60_000) throw new Error(`ccflow serve did not get ready in 60 s: ${this.stdout.slice(-1500)} ${this.stderr.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const m = /API\s+(http:\/\/[^\s/]+)/.exec(this.stdout);
    if (!m) throw new Error(`no API URL in the banner: ${this.stdout.slice(0, 1500)}`);
    this.url = m[1]!;
  }

  private tokens = new Map<string, Promise<string>>();

  /** The development app's API token (with this server's client secret, when the test overrides it). */
  token(): Promise<string> {
    let t = this.tokens.get(this.url);
    if (!t) {
      t = clientToken(this.url, DEV_APP.clientId, this.env.CCFLOW_CLIENT_SECRET ?? DEV_APP.clientSecret);
      this.tokens.set(this.url, t);
    }
    return t;
  }

  async api<T = unknown>(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${await this.token()}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Sends a signal and does not wait (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.child || this.child.exitCode !== null) return (await this.exit) ?? { code: null, signal: null };
    this.child.kill(signal);
    return this.exit!;
  }
}
