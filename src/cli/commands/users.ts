/**
 * `ccflow users add|list|remove|set-password`: the embedded identity service's own users, kept in
 * `<data>/identity/users.sqlite` beside the development users, or with `--postgres <url>` in that
 * database (servers run with the same `--postgres` share them). A running `ccflow serve` on the
 * same data directory or database sees a change at the next sign-in. Passwords are read from stdin
 * (`--password-stdin`, so they stay out of the shell history and the process list) or made up and
 * printed once.
 */
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { defaultDataDir } from "../../crm/config.js";
import { ROLES } from "../../identity/roles.js";
import { IdentityPostgres } from "../../identity/postgres-store.js";
import { PostgresUsers } from "../../identity/postgres-users.js";
import { SqliteUsers, type UserBackend } from "../../identity/user-backend.js";
import { MIN_PASSWORD_LENGTH, UserStoreError, checkPassword, checkRoles, checkUsername } from "../../identity/user-store.js";
import { parsePostgresUrl } from "../postgres-url.js";

async function readPassword(fromStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: randomBytes(15).toString("base64url"), generated: true };
  if (process.stdin.isTTY) throw new UserStoreError("--password-stdin reads the password from a pipe, e.g. `printf '%s' \"$PW\" | ccflow users add …`");
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return { password: checkPassword(text.replace(/\r?\n$/, "")), generated: false };
}

/** Runs one subcommand with the store open; a UserStoreError becomes one line on stderr and exit code 1. */
async function withStore(where: { data?: string; postgres?: string }, what: string, work: (store: UserBackend) => Promise<void>): Promise<void> {
  let store: UserBackend | undefined;
  let db: IdentityPostgres | undefined;
  try {
    if (where.postgres !== undefined) {
      db = await IdentityPostgres.open(parsePostgresUrl(where.postgres));
      store = new PostgresUsers(db);
    } else {
      store = SqliteUsers.open(where.data ?? defaultDataDir());
    }
    await work(store);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ccflow: users ${what}: ${message}\n`);
    process.exitCode = 1;
  } finally {
    await store?.close();
    await db?.close();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").map((v) => v.trim()).filter(Boolean)];
}

export function register(program: Command): void {
  const users = program.command("users").description("people who may sign in to the embedded identity service (besides the development users)");
  const dataOption = ["--data <dir>", "data directory (default: $CCFLOW_DATA or ./.data)"] as const;
  const postgresOption = ["--postgres <url>", "the users of the servers run with this --postgres database (postgresql://user:password@host:port/db), instead of the data directory's"] as const;

  users
    .command("add <username>")
    .description("add a person; the password comes from stdin (--password-stdin) or is made up and printed once")
    .requiredOption("--role <role>", `a role (repeat or separate with commas): ${ROLES.join(", ")}`, collect, [])
    .option("--name <name>", "display name (default: the user name)")
    .option("--email <email>", "e-mail address")
    .option("--agent <id>", "the agent this person is at the agent desktop")
    .option("--password-stdin", `read the password from stdin (at least ${MIN_PASSWORD_LENGTH} characters)`)
    .option(...dataOption)
    .option(...postgresOption)
    .action(async (username: string, opts: { role: string[]; name?: string; email?: string; agent?: string; passwordStdin?: boolean; data?: string; postgres?: string }) => {
      await withStore(opts, "add", async (store) => {
        checkUsername(username);
        const roles = checkRoles(opts.role);
        const { password, generated } = await readPassword(opts.passwordStdin);
        const user = await store.add({ username, name: opts.name ?? username, roles, ...(opts.email ? { email: opts.email } : {}), ...(opts.agent ? { agentId: opts.agent } : {}) }, password);
        process.stdout.write(`added ${user.username} (${user.roles.join(", ")}) to ${store.location}\n`);
        if (generated) process.stdout.write(`password: ${password}\n(shown once; change it with: ccflow users set-password ${user.username} --password-stdin)\n`);
      });
    });

  users
    .command("list")
    .description("list the stored users (not the development users, which the serve banner prints)")
    .option(...dataOption)
    .option(...postgresOption)
    .action(async (opts: { data?: string; postgres?: string }) => {
      await withStore(opts, "list", async (store) => {
        const all = await store.list();
        if (all.length === 0) {
          process.stdout.write(`no users in ${store.location} (add one with: ccflow users add <name> --role agent)\n`);
          return;
        }
        const rows = all.map((u) => [u.username, u.name, u.roles.join(","), u.agentId ?? "", u.updatedAt.slice(0, 19).replace("T", " ")]);
        const head = ["USER", "NAME", "ROLES", "AGENT", "CHANGED (UTC)"];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()}\n`);
      });
    });

  users
    .command("remove <username>")
    .description("remove a stored user (their sessions end at once, on every server using the same users)")
    .option(...dataOption)
    .option(...postgresOption)
    .action(async (username: string, opts: { data?: string; postgres?: string }) => {
      await withStore(opts, "remove", async (store) => {
        await store.remove(username);
        process.stdout.write(`removed ${username}\n`);
      });
    });

  users
    .command("set-password <username>")
    .description("give a stored user a new password (from stdin with --password-stdin, or made up and printed once)")
    .option("--password-stdin", `read the password from stdin (at least ${MIN_PASSWORD_LENGTH} characters)`)
    .option(...dataOption)
    .option(...postgresOption)
    .action(async (username: string, opts: { passwordStdin?: boolean; data?: string; postgres?: string }) => {
      await withStore(opts, "set-password", async (store) => {
        if (!(await store.find(username))) throw new UserStoreError(`no user "${username}" (ccflow users list shows them)`);
        const { password, generated } = await readPassword(opts.passwordStdin);
        await store.setPassword(username, password);
        process.stdout.write(`new password set for ${username}\n`);
        if (generated) process.stdout.write(`password: ${password}\n(shown once)\n`);
      });
    });
}
