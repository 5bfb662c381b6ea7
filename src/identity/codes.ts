/**
 * Authorization codes between the sign-in page and the token endpoint. Each is used once and
 * lives a minute. One server keeps them in memory; servers sharing PostgreSQL keep them in the
 * database (postgres-store.ts), so a sign-in finished through another node than the one that
 * showed the page can redeem its code. Codes are stored by their SHA-256, never as given.
 */
import { createHash } from "node:crypto";
import type { IdentityUser } from "./users.js";

export interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  user: IdentityUser;
  expiresAt: number;
}

export interface CodeStore {
  put(code: string, pending: PendingCode, now: number): Promise<void>;
  /** The code's grant, removed so it cannot be used again; undefined when unknown, used or expired. */
  take(code: string, now: number): Promise<PendingCode | undefined>;
  close(): Promise<void>;
}

export function codeKey(code: string): string {
  return createHash("sha256").update(code, "utf8").digest("base64url");
}

const MAX_CODES = 10_000;

export class MemoryCodeStore implements CodeStore {
  private readonly codes = new Map<string, PendingCode>();

  async put(code: string, pending: PendingCode, now: number): Promise<void> {
    for (const [k, p] of this.codes) if (p.expiresAt <= now) this.codes.delete(k);
    while (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    this.codes.set(codeKey(code), pending);
  }

  async take(code: string, now: number): Promise<PendingCode | undefined> {
    const key = codeKey(code);
    const p = this.codes.get(key);
    this.codes.delete(key);
    return p && p.expiresAt > now ? p : undefined;
  }

  async close(): Promise<void> {}
}
