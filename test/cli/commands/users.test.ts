/**
 * `ccflow users` from an administrator's side: add a person with roles (password from stdin, or
 * made up and shown once), list them, give a new password, remove them; every mistake is one
 * clear line and exit code 1, and the password is kept only as a scrypt hash.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserStore } from "../../../src/identity/user-store.js";
import { repoRoot } from "../../helpers/shared.js";

const bin = resolve(repoRoot, "bin/ccflow.js");
const dir = mkdtempSync(join(tmpdir(), "ccflow-users-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ccflow(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, "users", ...args, "--data", dir], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

async function passwordWorks(username: string, password: string): Promise<boolean> {
  const store = UserStore.open(dir);
  try {
    return Boolean(await store.check(username, password));
  } finally {
    store.close();
  }
}

describe("ccflow users", { timeout: 240_000 }, () => {
  it("adds a person with roles and a password read from stdin, and lists them", async () => {
    const added = await ccflow(["add", "kim", "--role", "agent,caller", "--name", "Kim Ito", "--agent", "kim", "--password-stdin"], "kims-password-1\n");
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toContain("added kim (agent, caller)");
    expect(added.stdout).not.toContain("kims-password-1");
    expect(await passwordWorks("kim", "kims-password-1")).toBe(true);
    const listed = await ccflow(["list"]);
    expect(listed.stdout).toMatch(/^USER\s+NAME\s+ROLES\s+AGENT/);
    expect(listed.stdout).toMatch(/kim\s+Kim Ito\s+agent,caller\s+kim/);
    expect(readFileSync(join(dir, "identity", "users.sqlite"), "latin1")).not.toContain("kims-password-1");
  });

  it("makes up a password and shows it once when none is piped in", async () => {
    const added = await ccflow(["add", "lee", "--role", "supervisor"]);
    expect(added.code).toBe(0);
    const password = /password: (\S+)/.exec(added.stdout)?.[1];
    expect(password).toMatch(/^[\w-]{20}$/);
    expect(await passwordWorks("lee", password!)).toBe(true);
  });

  it("gives a new password, after which the old one fails", async () => {
    expect((await ccflow(["set-password", "kim", "--password-stdin"], "kims-password-2")).code).toBe(0);
    expect(await passwordWorks("kim", "kims-password-1")).toBe(false);
    expect(await passwordWorks("kim", "kims-password-2")).toBe(true);
  });

  it("says plainly what is wrong, with exit code 1", async () => {
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [["add", "zed", "--role", "boss"], undefined, /^ccflow: users add: unknown role "boss": the roles are agent, supervisor, caller, administrator\n$/],
      [["add", "zed", "--role", "agent", "--password-stdin"], "short", /^ccflow: users add: the password is too short: at least 10 characters\n$/],
      [["set-password", "nobody"], undefined, /^ccflow: users set-password: no user "nobody" \(ccflow users list shows them\)\n$/],
    ];
    for (const [args, stdin, message] of cases) {
      const r = await ccflow(args, stdin);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    // The same checks, without a process each (the CLI prints these messages as above).
    const store = UserStore.open(dir);
    try {
      await expect(store.add({ username: "kim", name: "K", roles: ["agent"] }, "a-long-password")).rejects.toThrow('user "kim" already exists (change the password with: ccflow users set-password kim)');
      await expect(store.add({ username: "no body", name: "N", roles: ["agent"] }, "a-long-password")).rejects.toThrow(/user name "no body" is not allowed/);
      await expect(store.add({ username: "zed", name: "Z", roles: [] }, "a-long-password")).rejects.toThrow("a user needs at least one role (--role; the roles are agent, supervisor, caller, administrator)");
      expect(() => store.remove("nobody")).toThrow('no user "nobody"');
    } finally {
      store.close();
    }
  });

  it("removes a person", async () => {
    expect((await ccflow(["remove", "lee"])).stdout).toBe("removed lee\n");
    expect((await ccflow(["list"])).stdout).not.toMatch(/^lee\s/m);
  });
});
