/**
 * A person removed with `ccflow users remove`, or given a new password with `ccflow users
 * set-password`, is signed out everywhere: the running server (a real `ccflow serve` process)
 * notices the change the CLI made to users.sqlite from another process, refuses their session
 * cookie at the next request, and closes their open WebSockets with 4401 within a few seconds.
 * Everyone else stays signed in.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../src/identity/user-store.js";
import { openSocket, signIn, type SignedIn } from "../helpers/api-auth.js";
import { repoRoot } from "../helpers/shared.js";
import { ServeProcess } from "../reliability/helpers/serve-process.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-credential-changes-"));
const data = join(dir, "data");
const server = new ServeProcess(["--no-crm", "--no-sip", "--data", data, "--env", "examples/environment.yaml", "--flow", "examples/flows/Dynamics_Priority_Routing_Flow.json"]);

beforeAll(async () => {
  const store = UserStore.open(data);
  await store.add({ username: "lee", name: "Lee Park", roles: ["supervisor"] }, "lees-password-1");
  await store.add({ username: "mo", name: "Mo Diaz", roles: ["supervisor"] }, "mos-password-01");
  store.close();
  await server.start();
}, 180_000);

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `ccflow users …` as its own process, on the server's data directory. */
function users(args: string[], stdin = ""): Promise<{ code: number; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(repoRoot, "bin/ccflow.js"), "users", ...args, "--data", data], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stderr }));
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

const supervisorSocket = (p: SignedIn) => openSocket(server.url, "/api/supervisor/ws", { cookie: p.cookie, origin: server.url });
const signedIn = async (p: SignedIn) => ((await (await p.fetch("/api/session")).json()) as { signedIn: boolean }).signedIn;

describe("sessions end when the person's credential changes, whoever changes it", { timeout: 120_000 }, () => {
  it("ccflow users remove: the person's socket closes with 4401 and their cookie opens nothing; others stay", async () => {
    const lee = await signIn(server.url, "lee", "lees-password-1");
    const sam = await signIn(server.url, "sam");
    const [leeSocket, samSocket] = await Promise.all([supervisorSocket(lee), supervisorSocket(sam)]);
    const leeClosed = closedWithin(leeSocket, 60_000);
    const samClosed = closedWithin(samSocket, 6_000);

    expect(await users(["remove", "lee"])).toMatchObject({ code: 0, stderr: "" });

    expect(await leeClosed).toEqual({ code: 4401, reason: "user removed" });
    expect(await signedIn(lee)).toBe(false);
    expect((await lee.fetch("/api/agents")).status).toBe(401);
    expect(await samClosed).toBeUndefined();
    expect(await signedIn(sam)).toBe(true);
    samSocket.close();
  });

  it("ccflow users set-password: the old session ends at once (request and socket); the new password signs in", async () => {
    const mo = await signIn(server.url, "mo", "mos-password-01");
    const socket = await supervisorSocket(mo);
    const closed = closedWithin(socket, 60_000);

    expect(await users(["set-password", "mo", "--password-stdin"], "mos-password-02\n")).toMatchObject({ code: 0, stderr: "" });

    expect(await signedIn(mo)).toBe(false);
    expect(await closed).toEqual({ code: 4401, reason: "password changed" });
    await expect(signIn(server.url, "mo", "mos-password-01")).rejects.toThrow(/refused: 401/);
    const again = await signIn(server.url, "mo", "mos-password-02");
    expect(await signedIn(again)).toBe(true);
    expect((await again.fetch("/api/agents")).status).toBe(200);
  });
});
