/**
 * Users in PostgreSQL: with `--postgres`, the identity service's own users live in the database,
 * so `ccflow users … --postgres` (a process of its own) adds, re-passwords and removes them for
 * every server at once. Two real `ccflow serve` processes on one real PostgreSQL: a user added
 * once signs in through either; their session, made on one, is good on the other (it was ended
 * there as "password changed" when each server had its own users.sqlite); a new password or a
 * removal ends it on both, requests and sockets alike, and the new password signs in anywhere.
 * Without PostgreSQL the test skips with a notice.
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, signIn, type SignedIn } from "../helpers/api-auth.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { repoRoot } from "../helpers/shared.js";
import { ServeProcess } from "../reliability/helpers/serve-process.js";

/** The nodes of a cluster share the key their identity signing keys are encrypted with in PostgreSQL (docs/security.md). */
const SHARED_KEY = randomBytes(32).toString("base64");

if (!postgresAvailable()) console.info("notice: users in PostgreSQL are not tested: PostgreSQL 15 is not installed (apt-get install postgresql)");

describe.skipIf(!postgresAvailable())("users shared by two servers on one PostgreSQL", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-cluster-users-"));
  let db: TestPostgres | undefined;
  let url = "";
  let a: ServeProcess;
  let b: ServeProcess;

  beforeAll(async () => {
    db = await startPostgres();
    url = (await createDatabase(db.url, "users")).url;
    const node = (name: string) => new ServeProcess(["--no-crm", "--no-sip", "--postgres", url, "--data", join(dir, name), "--env", "examples/environment.yaml", "--flow", "examples/flows/Dynamics_Priority_Routing_Flow.json"], { CCFLOW_KEY_ENCRYPTION_KEY: SHARED_KEY });
    a = node("a");
    b = node("b");
    await Promise.all([a.start(), b.start()]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `ccflow users … --postgres <url>` as its own process. */
  function users(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [resolve(repoRoot, "bin/ccflow.js"), "users", ...args, "--postgres", url], { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", fail);
      child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  function closedWithin(ws: WebSocket, ms: number): Promise<{ code: number; reason: string } | undefined> {
    return new Promise((done) => {
      const timer = setTimeout(() => done(undefined), ms);
      ws.addEventListener("close", (e) => {
        clearTimeout(timer);
        done({ code: e.code, reason: e.reason });
      }, { once: true });
    });
  }

  const session = async (base: string, p: SignedIn) => ((await (await fetch(`${base}/api/session`, { headers: { cookie: p.cookie } })).json()) as { signedIn: boolean; user?: { name: string; roles: string[] } });

  it("ccflow users add --postgres: the user signs in through either server, and their session holds on both", async () => {
    const added = await users(["add", "kim", "--role", "supervisor,caller", "--name", "Kim Ito", "--password-stdin"], "kims-password-1");
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toContain("added kim (supervisor, caller) to PostgreSQL");
    const listed = await users(["list"]);
    expect(listed.stdout).toMatch(/kim\s+Kim Ito\s+supervisor,caller/);

    const onA = await signIn(a.url, "kim", "kims-password-1");
    const onB = await signIn(b.url, "kim", "kims-password-1");
    for (const p of [onA, onB]) for (const base of [a.url, b.url]) expect(await session(base, p)).toMatchObject({ signedIn: true, user: { name: "Kim Ito" } });
    // A socket on B of the session made on A stays open past several credential checks (every 2 s).
    const socket = await openSocket(b.url, "/api/supervisor/ws", { cookie: onA.cookie, origin: b.url });
    expect(await closedWithin(socket, 5_000)).toBeUndefined();
    socket.close();
    await expect(signIn(b.url, "kim", "wrong-password-1")).rejects.toThrow(/refused: 401/);
  });

  it("ccflow users set-password --postgres: the session ends on both servers (requests and sockets); the new password signs in anywhere", async () => {
    const kim = await signIn(a.url, "kim", "kims-password-1");
    const socket = await openSocket(b.url, "/api/supervisor/ws", { cookie: kim.cookie, origin: b.url });
    const closed = closedWithin(socket, 60_000);
    expect(await users(["set-password", "kim", "--password-stdin"], "kims-password-2")).toMatchObject({ code: 0, stderr: "" });
    expect(await closed).toEqual({ code: 4401, reason: "password changed" });
    for (const base of [a.url, b.url]) expect((await session(base, kim)).signedIn).toBe(false);
    await expect(signIn(a.url, "kim", "kims-password-1")).rejects.toThrow(/refused: 401/);
    const again = await signIn(b.url, "kim", "kims-password-2");
    expect((await session(a.url, again)).signedIn).toBe(true);
  });

  it("ccflow users remove --postgres: the session ends on both servers, and nobody signs in as them", async () => {
    const kim = await signIn(b.url, "kim", "kims-password-2");
    const socket = await openSocket(a.url, "/api/supervisor/ws", { cookie: kim.cookie, origin: a.url });
    const closed = closedWithin(socket, 60_000);
    expect(await users(["remove", "kim"])).toMatchObject({ code: 0, stderr: "" });
    expect(await closed).toEqual({ code: 4401, reason: "user removed" });
    for (const base of [a.url, b.url]) expect((await session(base, kim)).signedIn).toBe(false);
    await expect(signIn(b.url, "kim", "kims-password-2")).rejects.toThrow(/refused: 401/);
    expect((await users(["remove", "kim"])).stderr).toContain('no user "kim"');
  });
});
