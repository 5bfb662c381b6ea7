/**
 * People beyond the development users, and sessions that outlive a restart:
 * - a person added to the data directory's user store (as `ccflow users add` does) signs in on the
 *   real page with their roles; a new password counts at the next sign-in, on the running server;
 * - a signed-in person stays signed in when the server restarts on the same data directory (their
 *   CSRF token too), and the server still ends the session at its idle deadline, whatever the
 *   cookie says;
 * - the session file holds no session id and no password: a copy of it opens nothing.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../src/identity/user-store.js";
import { signIn } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { startSecurityServer } from "./helpers.js";

const dataDir = mkdtempSync(join(tmpdir(), "ccflow-users-sessions-"));
let now = Date.now();
let t: TestServer | undefined;

function start(): Promise<TestServer> {
  return startSecurityServer({ extra: { dataDir, auth: { sessions: { idleSeconds: 600, maxSeconds: 3600, now: () => now } } } });
}

beforeAll(async () => {
  const store = UserStore.open(dataDir);
  await store.add({ username: "kim", name: "Kim Ito", roles: ["supervisor"] }, "kims-own-password-1");
  await store.add({ username: "ana", name: "Ana (stored)", roles: ["agent"], agentId: "ana" }, "anas-stored-password");
  store.close();
  t = await start();
});

afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("users of the data directory", () => {
  it("sign in with their own password and roles; a wrong password is refused", async () => {
    const kim = await signIn(t!.url, "kim", "kims-own-password-1");
    expect(kim.user).toMatchObject({ name: "Kim Ito", roles: ["supervisor"] });
    expect((await kim.fetch("/api/agents")).status).toBe(200);
    await expect(signIn(t!.url, "kim", "kims-own-password-2")).rejects.toThrow(/refused: 401/);
  });

  it("replace a development user of the same name: the development password no longer works, and the banner leaves it out", async () => {
    await expect(signIn(t!.url, "ana")).rejects.toThrow(/refused: 401/);
    const ana = await signIn(t!.url, "ana", "anas-stored-password");
    expect(ana.user).toMatchObject({ name: "Ana (stored)", roles: ["agent"], agentId: "ana" });
    const banner = t!.server.context.signIn;
    expect(banner.users.map((u) => u.username)).not.toContain("ana");
    expect(banner.users.map((u) => u.username)).toContain("ben");
    expect(banner.storedUsers).toBe(2);
  });

  it("take a new password at the next sign-in, without a restart", async () => {
    const store = UserStore.open(dataDir);
    await store.setPassword("kim", "kims-new-password-1");
    store.close();
    await expect(signIn(t!.url, "kim", "kims-own-password-1")).rejects.toThrow(/refused: 401/);
    expect((await signIn(t!.url, "kim", "kims-new-password-1")).user.name).toBe("Kim Ito");
  });

  it("are kept as scrypt hashes in a file only its owner may read", () => {
    const file = join(dataDir, "identity", "users.sqlite");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file, "latin1");
    expect(bytes).toContain("scrypt$");
    expect(bytes).not.toContain("kims-new-password-1");
  });
});

describe("sessions", () => {
  it("survive a restart of the server on the same data directory, CSRF token included", async () => {
    const ben = await signIn(t!.url, "ben");
    await t!.close();
    t = await start();
    const session = (await (await fetch(`${t.url}/api/session`, { headers: { cookie: ben.cookie } })).json()) as { signedIn: boolean; user?: { name: string } };
    expect(session).toMatchObject({ signedIn: true, user: { name: "Ben Okafor" } });
    const change = await fetch(`${t.url}/api/agents/ben/login`, { method: "POST", headers: { cookie: ben.cookie, "x-csrf-token": ben.csrfToken, origin: t.url, "content-type": "application/json" }, body: "{}" });
    expect(change.status).toBeLessThan(300);
  });

  it("end at the idle deadline, enforced by the server however long the cookie would live (and after a restart)", async () => {
    const ben = await signIn(t!.url, "ben");
    now += 300_000;
    expect((await (await fetch(`${t!.url}/api/session`, { headers: { cookie: ben.cookie } })).json()) as object).toMatchObject({ signedIn: true });
    await t!.close();
    t = await start();
    now += 601_000;
    expect((await (await fetch(`${t.url}/api/session`, { headers: { cookie: ben.cookie } })).json()) as object).toMatchObject({ signedIn: false });
    const refused = await fetch(`${t.url}/api/agents/ben`, { headers: { cookie: ben.cookie } });
    expect(refused.status).toBe(401);
  });

  it("are kept in a file that holds no session id and that only its owner may read", async () => {
    const kim = await signIn(t!.url, "kim", "kims-new-password-1");
    const id = /ccflow_session=([^;]+)/.exec(kim.cookie)![1]!;
    const file = join(dataDir, "sessions.sqlite");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file, "latin1") + (safeRead(`${file}-wal`) ?? "");
    expect(bytes).toContain("Kim Ito");
    expect(bytes).not.toContain(id);
  });
});

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return undefined;
  }
}
