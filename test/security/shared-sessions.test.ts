/**
 * Two `ccflow serve` processes (real ones, each with its own data directory) run with `--postgres`
 * on one real PostgreSQL, as two nodes behind one address would: a person signed in through one
 * is signed in on the other — the same cookie, the same CSRF token — and signing out on one ends
 * the session on both, closing the other's sockets (4401). Without PostgreSQL the test skips with a
 * notice.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, signIn } from "../helpers/api-auth.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { ServeProcess } from "../reliability/helpers/serve-process.js";

/** The nodes of a cluster share the key their identity signing keys are encrypted with in PostgreSQL (docs/security.md). */
const SHARED_KEY = randomBytes(32).toString("base64");

if (!postgresAvailable()) console.info("notice: sessions shared through PostgreSQL are not tested: PostgreSQL 15 is not installed (apt-get install postgresql)");

describe.skipIf(!postgresAvailable())("sign-in sessions shared by two servers on one PostgreSQL", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-shared-sessions-"));
  let db: TestPostgres | undefined;
  let a: ServeProcess;
  let b: ServeProcess;

  beforeAll(async () => {
    db = await startPostgres();
    const url = (await createDatabase(db.url, "sessions")).url;
    const node = (name: string) => new ServeProcess(["--no-crm", "--no-sip", "--postgres", url, "--data", join(dir, name), "--env", "examples/environment.yaml", "--flow", "examples/flows/Dynamics_Priority_Routing_Flow.json"], { CCFLOW_KEY_ENCRYPTION_KEY: SHARED_KEY });
    a = node("a");
    b = node("b");
    await a.start();
    await b.start();
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request to `base` with Ana's cookie (and, for a change, her CSRF token and that server's Origin). */
  const as = (cookie: string, csrf: string) => (base: string, path: string, method = "GET", body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(method === "GET" ? {} : { "x-csrf-token": csrf, origin: base, "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("a session made on one server is accepted by the other, CSRF token included", async () => {
    const ana = await signIn(a.url, "ana");
    const send = as(ana.cookie, ana.csrfToken);
    const there = (await (await send(b.url, "/api/session")).json()) as { signedIn: boolean; user?: { name: string; agentId?: string } };
    expect(there).toMatchObject({ signedIn: true, user: { agentId: "ana" } });
    const login = await send(b.url, "/api/agents/ana/login", "POST", {});
    expect(login.status, await login.clone().text()).toBeLessThan(300);
    expect((await send(b.url, "/api/agents/ana")).status).toBe(200);
    // Her token from one server's session is not a pass for someone else's desk on the other.
    expect((await send(b.url, "/api/agents/ben/login", "POST", {})).status).toBe(403);
  });

  it("signing out on one server ends the session on both and closes the other's sockets with 4401", async () => {
    const ana = await signIn(a.url, "ana");
    const send = as(ana.cookie, ana.csrfToken);
    const socket: WebSocket = await openSocket(b.url, "/api/agents/ana/ws", { cookie: ana.cookie, origin: b.url });
    const closed = new Promise<{ code: number; reason: string } | undefined>((done) => {
      const timer = setTimeout(() => done(undefined), 20_000);
      socket.addEventListener("close", (e) => {
        clearTimeout(timer);
        done({ code: e.code, reason: e.reason });
      }, { once: true });
    });
    expect((await send(a.url, "/auth/logout", "POST", {})).status).toBe(200);
    expect(await closed).toEqual({ code: 4401, reason: "signed out" });
    expect(((await (await send(b.url, "/api/session")).json()) as { signedIn: boolean }).signedIn).toBe(false);
    expect((await send(b.url, "/api/agents/ana")).status).toBe(401);
  });
});
