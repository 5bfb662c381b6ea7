/**
 * The people the embedded identity service knows: development users made from the environment's
 * (human) agents, plus a demo supervisor and a demo administrator. Their passwords are public on
 * purpose, like the development app's secret: they are printed in the serve banner so the demo
 * needs no setup. Anything shared points ccflow at a real OpenID Connect provider instead.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Role } from "./roles.js";

export interface IdentityUser {
  /** What the person types to sign in, and the `preferred_username` claim. */
  username: string;
  name: string;
  email?: string;
  roles: Role[];
  /** The agent this person is at the agent desktop (matched by id). */
  agentId?: string;
}

export interface DevelopmentUser extends IdentityUser {
  /** The public development password (shown in the banner). */
  password: string;
}

export const DEMO_SUPERVISOR: DevelopmentUser = { username: "sam", name: "Sam Rivera (supervisor)", email: "sam.rivera@ccflow.local", roles: ["supervisor", "caller"], password: "sam-dev-password" };
export const DEMO_ADMINISTRATOR: DevelopmentUser = { username: "admin", name: "Ada Admin", email: "admin@ccflow.local", roles: ["administrator", "supervisor", "caller"], password: "admin-dev-password" };

/** One development user per human agent: username = agent id, password `<id>-dev-password`. */
export function developmentUsers(agents: Array<{ id: string; name: string; email?: string }>): DevelopmentUser[] {
  const users: DevelopmentUser[] = agents.map((a) => ({
    username: a.id,
    name: a.name,
    ...(a.email ? { email: a.email } : {}),
    roles: ["agent", "caller"],
    agentId: a.id,
    password: `${a.id}-dev-password`,
  }));
  for (const extra of [DEMO_SUPERVISOR, DEMO_ADMINISTRATOR]) if (!users.some((u) => u.username === extra.username)) users.push(extra);
  return users;
}

/**
 * Passwords compared in constant time. They are development passwords held in memory (never
 * stored), so a per-process keyed hash is enough to avoid comparing the plain strings.
 */
export class UserDirectory {
  private readonly key = randomBytes(32);
  private readonly users = new Map<string, { user: IdentityUser; digest: Buffer }>();

  constructor(users: DevelopmentUser[]) {
    for (const { password, ...user } of users) this.users.set(user.username.toLowerCase(), { user, digest: this.digest(password) });
  }

  /** The user if the password is theirs; undefined otherwise (no hint which part was wrong). */
  check(username: string, password: string): IdentityUser | undefined {
    const entry = this.users.get(username.trim().toLowerCase());
    const given = this.digest(password);
    const ok = entry ? timingSafeEqual(given, entry.digest) : timingSafeEqual(given, given) && false;
    return ok ? entry!.user : undefined;
  }

  get(username: string): IdentityUser | undefined {
    return this.users.get(username.toLowerCase())?.user;
  }

  list(): IdentityUser[] {
    return [...this.users.values()].map((e) => e.user);
  }

  private digest(password: string): Buffer {
    return createHmac("sha256", this.key).update(password, "utf8").digest();
  }
}
