/**
 * A real `ccflow serve` restarted under live calls. Callers wait in the Customer Care queue (the
 * demo environment's agents are people who have not signed in) and two more are still in the
 * IVR when SIGTERM arrives. Today (no persistence of calls yet):
 *  - every one of them is ended with the reason `shutdown`: the log says so per call and in
 *    total, and each call's event stream — what the softphone and the supervisor follow — ends
 *    with `ended: shutdown`;
 *  - the process exits 0;
 *  - after the restart the queue is empty and the old calls are unknown: a restart drops calls,
 *    it does not forget them silently.
 * The run prints no client secret (set through CCFLOW_CLIENT_SECRET) and no access token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordFigures } from "./helpers/figures.js";
import { SecretScanner } from "./helpers/secret-scan.js";
import { ServeProcess } from "./helpers/serve-process.js";

/** `ws` comes with @fastify/websocket; it ships no types, so only what is used is typed here. */
interface Socket {
  on(event: "message", fn: (data: Buffer) => void): void;
  on(event: "open" | "close", fn: () => void): void;
  on(event: "error", fn: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)("ws") as new (url: string, options?: { headers?: Record<string, string> }) => Socket;

const tmp = mkdtempSync(path.join(tmpdir(), "ccflow-serve-restart-"));
const SECRET = `serve-restart-secret-${process.pid}`;
const server = new ServeProcess(["--data", path.join(tmp, "data"), "--env", "examples/environment.yaml", "--flow", "examples/flows/Dynamics_Priority_Routing_Flow.json"], { CCFLOW_CLIENT_SECRET: SECRET });
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

interface CallSummary {
  interactionId: string;
  state: string;
}

const QUEUED = ["+15557770123", "+15557770124", "+15557770125", "+15557770126"];
const IN_IVR = ["+15557770127", "+15557770128"];

describe("ccflow serve stopped with calls in progress", () => {
  it("ends every call with reason shutdown in the log and in each call's event stream, and forgets none", { timeout: 180_000 }, async () => {
    await server.start();
    const streams = new Map<string, { messages: Array<Record<string, unknown>>; closed: Promise<void> }>();
    const place = async (ani: string) => {
      const { status, body } = await server.api<CallSummary>("POST", "/api/calls", { ani });
      expect(status).toBe(201);
      // Follow the call as the supervisor does (observe: listening does not hang up).
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/calls/${body.interactionId}/ws?observe=1`, { headers: { authorization: `Bearer ${await server.token()}` } });
      const messages: Array<Record<string, unknown>> = [];
      const closed = new Promise<void>((resolve) => {
        ws.on("close", () => resolve());
        ws.on("error", () => resolve());
      });
      ws.on("message", (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
      streams.set(body.interactionId, { messages, closed });
      return body.interactionId;
    };

    const queued = [];
    for (const ani of QUEUED) queued.push(await place(ani));
    // Unknown callers hear one sentence and are queued.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { body } = await server.api<Array<{ waiting: Array<{ interactionId: string }> }>>("GET", "/api/queues");
      const waiting = body.flatMap((q) => q.waiting.map((w) => w.interactionId));
      if (queued.every((id) => waiting.includes(id))) break;
      if (Date.now() > deadline) throw new Error(`callers not queued after 90 s; waiting: ${JSON.stringify(waiting)}; log: ${server.stdout.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const inIvr = [];
    for (const ani of IN_IVR) inIvr.push(await place(ani));
    for (const id of inIvr) expect((await server.api<CallSummary>("GET", `/api/calls/${id}`)).body.state).toBe("ivr");

    const exit = await server.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    const all = [...queued, ...inIvr];
    // The log: one line per call with its reason, the count, and the stop.
    for (const [i, id] of all.entries()) {
      const ani = [...QUEUED, ...IN_IVR][i]!;
      expect(server.stdout).toContain(`call ${id.slice(0, 8)} from ${ani} ended (shutdown)`);
    }
    expect(server.stdout).toMatch(new RegExp(`ended ${all.length} contacts \\(shutdown\\)`));
    expect(server.stdout).toMatch(new RegExp(`stopped \\(${all.length} contacts ended with reason shutdown\\)`));
    // Each call's stream: the ended event with its reason, after PhoneContactEnded ran.
    for (const id of all) {
      const stream = streams.get(id)!;
      await stream.closed;
      const events = stream.messages.filter((m) => m.type === "event").map((m) => m.event as { type: string; reason?: string; name?: string });
      expect(events.at(-1), id).toEqual(expect.objectContaining({ type: "ended", reason: "shutdown" }));
      expect(events.some((e) => e.type === "event" && e.name === "ContactEnded"), id).toBe(true);
      expect(stream.messages.some((m) => m.type === "ended" && m.reason === "shutdown"), id).toBe(true);
    }
    const firstRun = server.stdout + server.stderr;

    // Restarted on the same data: no call survived, none is half-alive.
    await server.start();
    const { body: queues } = await server.api<Array<{ queuedNow: number }>>("GET", "/api/queues");
    expect(queues.reduce((n, q) => n + q.queuedNow, 0)).toBe(0);
    expect((await server.api("GET", `/api/calls/${queued[0]}`)).status).toBe(404);
    expect((await server.stop("SIGTERM")).code).toBe(0);

    const scanner = new SecretScanner({ "client secret": SECRET });
    scanner.scan(firstRun, "first run output");
    scanner.scan(server.stdout + server.stderr, "second run output");
    for (const s of streams.values()) scanner.scan(JSON.stringify(s.messages), "call event stream");
    expect(scanner.findings).toEqual([]);
    recordFigures("restart-server", { callsQueued: queued.length, callsInIvr: inIvr.length, endedWithShutdown: all.length, exitCode: exit.code, afterRestartQueued: 0 });
  });
});
