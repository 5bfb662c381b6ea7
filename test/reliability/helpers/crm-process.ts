/**
 * The embedded CRM as a child process on a fixed port: start it, stop it politely (SIGTERM), kill
 * it (SIGKILL, as `kill -9` would) and start it again on the same port and data directory.
 * Everything it prints is kept for the secrets scan.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "./dist.js";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "crm-child.mjs");

export interface CrmProcessOptions {
  dataDir: string;
  /** Fixed port (0 on the first start picks one; restarts reuse it). */
  port?: number;
  /** Service-protection limits (the fault run raises them so only injected faults throttle). */
  limits?: Record<string, number>;
  logLevel?: string;
  /** CCFLOW_CLIENT_SECRET and friends for the CRM (default: none, the development credentials). */
  env?: Record<string, string>;
}

export class CrmProcess {
  private child?: ChildProcess;
  private port: number;
  httpUrl = "";
  /** Everything the CRM processes printed (stdout and stderr), across restarts. */
  readonly output: string[] = [];
  starts = 0;

  constructor(private readonly options: CrmProcessOptions) {
    this.port = options.port ?? 0;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    await ensureBuilt();
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...this.options, port: this.port })], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.starts++;
    child.stderr!.setEncoding("utf8").on("data", (d: string) => this.output.push(d));
    const ready = await new Promise<{ httpUrl: string }>((resolve, reject) => {
      let buffer = "";
      const onData = (d: string) => {
        this.output.push(d);
        buffer += d;
        const line = buffer.split("\n").find((l) => l.startsWith("{") && l.includes('"ready"'));
        if (line) {
          child.stdout!.off("data", onData);
          child.stdout!.on("data", (more: string) => this.output.push(more));
          resolve(JSON.parse(line) as { httpUrl: string });
        }
      };
      child.stdout!.setEncoding("utf8").on("data", onData);
      child.once("exit", (code, signal) => reject(new Error(`the CRM process exited before it was ready (code ${code}, signal ${signal}): ${this.output.join("").slice(-2000)}`)));
    });
    this.httpUrl = ready.httpUrl;
    this.port = Number(new URL(ready.httpUrl).port);
  }

  /** Ends the process with `signal` and waits until it is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await gone;
    this.child = undefined;
  }

  async restart(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await this.stop(signal);
    await this.start();
  }
}
