/**
 * The signing keys of servers sharing PostgreSQL (postgres-store.ts). Every node signs with the
 * newest key and publishes every live one in its JWKS, so a token signed anywhere verifies
 * everywhere. Rotation: when the newest key is older than `rotateMs`, the first node to notice
 * adds a new one (under a lock: one key, however many nodes notice together); the older keys stay
 * published until every token they may have signed has expired (`retireMs` after a newer key
 * appeared: the tokens' lifetime plus a node's refresh interval), then they are deleted. Nodes
 * read the table every `refreshMs`, and at once when a token names a key they do not know.
 * The private keys are stored encrypted (key-encryption.ts); a row written in clear by an earlier
 * version is encrypted in place when it is read.
 */
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, type CryptoKey, type JWK } from "jose";
import { isSealed, seal, unseal, type KeyEncryptionKey } from "./key-encryption.js";
import type { KeyRing } from "./key-ring.js";
import type { IdentityKeys } from "./keys.js";
import type { IdentityPostgres, StoredKey } from "./postgres-store.js";

const generate = promisify(generateKeyPair);

export interface SharedKeyOptions {
  now?: () => number;
  /** A new key when the newest is this old. Default 30 days. */
  rotateMs?: number;
  /** How often the key table is read again. Default 60 s. */
  refreshMs?: number;
  /** How long a key stays published after a newer one appeared. Default: tokens' lifetime + 2 refreshes + 5 min. */
  retireMs?: number;
  /** Lifetime of the tokens the keys sign, in seconds. */
  tokenSeconds: number;
  /** What the private keys are encrypted with in the table. */
  encryption: KeyEncryptionKey;
}

/** At most one read of the table for unknown key ids in this long (a forged kid cannot make every request query). */
const UNKNOWN_KID_REFRESH_MS = 5_000;

async function newKey(now: number): Promise<StoredKey> {
  const pair = await generate("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  const jwk = await exportJWK(await importSPKI(pair.publicKey, "RS256", { extractable: true }));
  return { kid: await calculateJwkThumbprint(jwk), privatePem: pair.privateKey, publicPem: pair.publicKey, createdAt: now };
}

/** What the stored private key is bound to (AES-GCM's additional data): its own key id. */
const aad = (kid: string) => `ccflow identity signing key ${kid}`;

async function load(row: StoredKey, kek: KeyEncryptionKey): Promise<IdentityKeys & { createdAt: number }> {
  const publicKey = await importSPKI(row.publicPem, "RS256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  const privatePem = isSealed(row.privatePem) ? unseal(kek, row.privatePem, aad(row.kid), `identity signing key ${row.kid} (table ccflow_identity_keys)`) : row.privatePem;
  return { kid: row.kid, privateKey: await importPKCS8(privatePem, "RS256", { extractable: false }), publicKey, publicJwk: { ...jwk, kid: row.kid, use: "sig", alg: "RS256" }, createdAt: row.createdAt };
}

export class SharedKeyRing implements KeyRing {
  /** Live keys, newest first. */
  private keys: Array<IdentityKeys & { createdAt: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly rotateMs: number;
  private readonly retireMs: number;
  private readonly kek: KeyEncryptionKey;
  private lastUnknownRefresh = 0;
  private refreshing: Promise<void> | undefined;

  private constructor(
    private readonly db: IdentityPostgres,
    options: SharedKeyOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.kek = options.encryption;
    this.rotateMs = options.rotateMs ?? 30 * 24 * 3600_000;
    const refreshMs = options.refreshMs ?? 60_000;
    this.retireMs = options.retireMs ?? options.tokenSeconds * 1000 + 2 * refreshMs + 5 * 60_000;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshMs);
    this.timer.unref();
  }

  static async open(db: IdentityPostgres, options: SharedKeyOptions): Promise<SharedKeyRing> {
    const ring = new SharedKeyRing(db, options);
    try {
      await ring.refresh();
    } catch (err) {
      clearInterval(ring.timer);
      throw err;
    }
    return ring;
  }

  /** Reads the table; adds a key when there is none or the newest is due for rotation; drops retired ones. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readTable().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async readTable(): Promise<void> {
    let rows = await this.db.keys();
    const now = this.now();
    const newest = rows[0]?.createdAt;
    if (newest === undefined || newest + this.rotateMs <= now) {
      const key = await newKey(now);
      await this.db.addKeyUnlessNewer(newest ?? Number.MIN_SAFE_INTEGER, { ...key, privatePem: seal(this.kek, key.privatePem, aad(key.kid)) });
      rows = await this.db.keys();
    }
    // Rows from before the keys were encrypted: encrypted now (whichever node reads them first).
    for (const row of rows) if (!isSealed(row.privatePem)) await this.db.replacePrivateKey(row.kid, row.privatePem, seal(this.kek, row.privatePem, aad(row.kid)));
    // A key is retired once a newer one has been around for retireMs.
    const live: StoredKey[] = [];
    const retired: string[] = [];
    rows.forEach((row, i) => {
      const newer = i > 0 ? rows[i - 1]! : undefined;
      if (newer && newer.createdAt + this.retireMs <= now) retired.push(row.kid);
      else live.push(row);
    });
    await this.db.dropKeys(retired);
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = await Promise.all(live.map((row) => known.get(row.kid) ?? load(row, this.kek)));
  }

  signing(): IdentityKeys {
    const key = this.keys[0];
    if (!key) throw new Error("identity: no signing key (the key table could not be read)");
    return key;
  }

  publicJwks(): JWK[] {
    return this.keys.map((k) => k.publicJwk);
  }

  async verifying(kid: string | undefined): Promise<CryptoKey | undefined> {
    const find = () => (kid === undefined ? this.keys[0] : this.keys.find((k) => k.kid === kid))?.publicKey;
    const found = find();
    if (found || kid === undefined) return found;
    // A key another node has just made: read the table again, at most every few seconds.
    if (this.now() - this.lastUnknownRefresh < UNKNOWN_KID_REFRESH_MS) return undefined;
    this.lastUnknownRefresh = this.now();
    await this.refresh().catch(() => undefined);
    return find();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
