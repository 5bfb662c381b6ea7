/**
 * The identity service's private signing keys are encrypted before they go into PostgreSQL
 * (AES-256-GCM, node:crypto), so a copy of the database — a dump, a backup, a replica — opens no
 * token. The key that encrypts them comes from the environment (`CCFLOW_KEY_ENCRYPTION_KEY`, 32
 * bytes in base64 or hex: what every node of a cluster must share) or else from
 * `<data>/identity/key-encryption.key` (made at first use, mode 0600: one server, or nodes sharing
 * a data directory). A stored value names the key it was sealed with by a short fingerprint, so a
 * node holding another key says so instead of failing on a bad tag; the signing key's id is the
 * additional authenticated data, so rows cannot be swapped.
 *
 * Hand-written on node:crypto: envelope encryption of one field needs no library beyond it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensurePrivateFile } from "../util/private-file.js";

export const KEY_ENCRYPTION_ENV = "CCFLOW_KEY_ENCRYPTION_KEY";
const PREFIX = "aes-256-gcm:v1";

export interface KeyEncryptionKey {
  key: Buffer;
  /** Where it came from, for error messages (never the key itself). */
  source: string;
  /** A fingerprint naming the key in stored values (SHA-256, 8 bytes, hex). */
  id: string;
}

export class KeyEncryptionError extends Error {}

function fingerprint(key: Buffer): string {
  return createHash("sha256").update("ccflow key-encryption key").update(key).digest("hex").slice(0, 16);
}

function parseKey(text: string, source: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, "base64") : undefined;
  if (!key || key.length !== 32) throw new KeyEncryptionError(`${source} must hold a 256-bit key: 32 bytes in base64 (openssl rand -base64 32) or 64 hex digits`);
  return key;
}

/** The key from the environment when set, else the data directory's file (made now if absent). */
export function keyEncryptionKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): KeyEncryptionKey {
  const fromEnv = env[KEY_ENCRYPTION_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const key = parseKey(fromEnv, KEY_ENCRYPTION_ENV);
    return { key, source: KEY_ENCRYPTION_ENV, id: fingerprint(key) };
  }
  const file = path.join(dataDir, "identity", "key-encryption.key");
  ensurePrivateFile(file);
  let text = readFileSync(file, "utf8");
  if (text.trim() === "") {
    text = `${randomBytes(32).toString("base64")}\n`;
    writeFileSync(file, text, { mode: 0o600 });
  }
  const key = parseKey(text, file);
  return { key, source: file, id: fingerprint(key) };
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${PREFIX}:`);
}

/** `aes-256-gcm:v1:<key fingerprint>:<iv>:<tag>:<ciphertext>` (base64url parts). */
export function seal(kek: KeyEncryptionKey, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", kek.key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [PREFIX, kek.id, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(":");
}

export function unseal(kek: KeyEncryptionKey, value: string, aad: string, what: string): string {
  const parts = value.split(":");
  if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== PREFIX) throw new KeyEncryptionError(`${what} is not in a form this version reads`);
  const [, , id, iv, tag, body] = parts as [string, string, string, string, string, string];
  const advice = `every server on this database must use the same key: set ${KEY_ENCRYPTION_ENV} to the same value on each (docs/security.md)`;
  if (id !== kek.id) throw new KeyEncryptionError(`${what} was encrypted with another key (fingerprint ${id}) than this server's (${kek.id}, from ${kek.source}): ${advice}`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", kek.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new KeyEncryptionError(`${what} cannot be decrypted with this server's key (from ${kek.source}): it was altered, or moved from another row`);
  }
}
