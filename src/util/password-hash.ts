/**
 * Password and client-secret hashes: scrypt with a per-hash random salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64). Hashing runs on libuv's thread pool (async crypto.scrypt):
 * one check costs tens of milliseconds of CPU, which on the event loop would hold every other
 * request of the server while a burst of token requests or sign-ins is checked.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

const PARAMS = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
/** scrypt needs 128·N·r bytes; this leaves room for the parameters above and rejects absurd stored ones. */
const MAX_MEMORY = 64 * 1024 * 1024;

function scryptAsync(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, PARAMS.keylen, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p, maxmem: MAX_MEMORY });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** True when `secret` hashes to `stored`; false for a wrong secret or a stored value that is not a scrypt hash. */
export async function verifyPassword(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  if (expected.length === 0) return false;
  let actual: Buffer;
  try {
    actual = await scryptAsync(secret, Buffer.from(salt, "base64"), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: MAX_MEMORY });
  } catch {
    return false;
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
