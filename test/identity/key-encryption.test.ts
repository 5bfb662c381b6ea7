/**
 * The identity service's signing keys in PostgreSQL are encrypted (AES-256-GCM): a copy of the
 * table holds no usable private key. The key that encrypts them is the data directory's
 * `identity/key-encryption.key` (made 0600 at first use) or `CCFLOW_KEY_ENCRYPTION_KEY`, which
 * every node of a cluster shares. A server with another key, or none, refuses to start with an
 * error saying what to set; rows written in clear by an earlier version are encrypted in place
 * and keep signing. On a real PostgreSQL; skips with a notice without it.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, importSPKI, jwtVerify } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService, type IdentityClient } from "../../src/identity/service.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../helpers/postgres.js";

if (!postgresAvailable()) console.info("notice: the encryption of signing keys in PostgreSQL is not tested: PostgreSQL 15 is not installed (apt-get install postgresql)");

const APP: IdentityClient & { clientSecret: string } = { clientId: "app", clientSecret: "app-secret-for-tests", displayName: "App", roles: ["supervisor"], clientCredentials: true, redirectOrigins: () => [] };
const ISSUER = "http://balancer.test/identity";

describe.skipIf(!postgresAvailable())("identity signing keys encrypted in PostgreSQL", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-key-encryption-"));
  let db: TestPostgres | undefined;
  const open: IdentityService[] = [];
  let n = 0;

  beforeAll(async () => {
    db = await startPostgres();
  }, 120_000);

  afterAll(async () => {
    for (const s of open) await s.close();
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const service = async (postgresUrl: string, env: NodeJS.ProcessEnv = {}, dataDir = join(dir, `node-${++n}`)) => {
    const s = await IdentityService.create({ dataDir, postgresUrl, env });
    open.push(s);
    s.setIssuer(ISSUER);
    s.registerClient(APP);
    return s;
  };

  async function rows(url: string): Promise<Array<{ kid: string; private_pem: string; public_pem: string }>> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ kid: string; private_pem: string; public_pem: string }>("SELECT kid, private_pem, public_pem FROM ccflow_identity_keys ORDER BY created_at")).rows;
    } finally {
      await client.end();
    }
  }

  async function sql(url: string, text: string, values: unknown[]): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  it("store no private key in clear, under a key the data directory keeps with mode 0600", async () => {
    const { url } = await createDatabase(db!.url, "kek");
    const dataDir = join(dir, "single");
    const a = await service(url, {}, dataDir);
    const [row] = await rows(url);
    expect(row!.private_pem).toMatch(/^aes-256-gcm:v1:[0-9a-f]{16}:/);
    expect(row!.private_pem).not.toContain("PRIVATE KEY");
    const keyFile = join(dataDir, "identity", "key-encryption.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(row!.private_pem).not.toContain(readFileSync(keyFile, "utf8").trim());
    // Signing works, and a restart on the same data directory reads the key back.
    const token = await a.appToken(a.client("app")!);
    const again = await service(url, {}, dataDir);
    expect((await again.verifyAccessToken(token)).client_id).toBe("app");
    expect(await again.appToken(again.client("app")!)).toBeTruthy();
  });

  it("are shared by nodes given the same CCFLOW_KEY_ENCRYPTION_KEY, and refused with a clear error by a node with another key or none", async () => {
    const { url } = await createDatabase(db!.url, "kek");
    const env = { CCFLOW_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64") };
    const a = await service(url, env);
    const b = await service(url, env);
    expect((await b.verifyAccessToken(await a.appToken(a.client("app")!))).client_id).toBe("app");
    // Another key: the node says whose key the rows need and what to set.
    await expect(service(url, { CCFLOW_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64") })).rejects.toThrow(
      /identity signing key \S+ \(table ccflow_identity_keys\) was encrypted with another key \(fingerprint [0-9a-f]{16}\) than this server's \([0-9a-f]{16}, from CCFLOW_KEY_ENCRYPTION_KEY\): every server on this database must use the same key: set CCFLOW_KEY_ENCRYPTION_KEY/,
    );
    // None: a data directory of its own makes its own key, which is not the cluster's.
    await expect(service(url, {})).rejects.toThrow(/was encrypted with another key .* from .*key-encryption\.key\): every server on this database must use the same key/);
    // A value that is not a 256-bit key.
    await expect(service(url, { CCFLOW_KEY_ENCRYPTION_KEY: "hunter2" })).rejects.toThrow(/CCFLOW_KEY_ENCRYPTION_KEY must hold a 256-bit key: 32 bytes in base64 \(openssl rand -base64 32\) or 64 hex digits/);
  });

  it("refuse a stored key that was altered or moved to another row", async () => {
    const { url } = await createDatabase(db!.url, "kek");
    const env = { CCFLOW_KEY_ENCRYPTION_KEY: randomBytes(32).toString("hex") };
    await service(url, env);
    const [row] = await rows(url);
    const parts = row!.private_pem.split(":");
    const body = Buffer.from(parts[5]!, "base64url");
    body[10] = body[10]! ^ 1;
    parts[5] = body.toString("base64url");
    await sql(url, "UPDATE ccflow_identity_keys SET private_pem = $1 WHERE kid = $2", [parts.join(":"), row!.kid]);
    await expect(service(url, env)).rejects.toThrow(/cannot be decrypted with this server's key \(from CCFLOW_KEY_ENCRYPTION_KEY\): it was altered, or moved from another row/);
    // The sealed value of one key id put under another id (AES-GCM's additional data is the key id).
    await sql(url, "UPDATE ccflow_identity_keys SET private_pem = $1, kid = $2 WHERE kid = $3", [row!.private_pem, "another-kid", row!.kid]);
    await expect(service(url, env)).rejects.toThrow(/identity signing key another-kid .*cannot be decrypted/);
  });

  it("encrypt in place the keys an earlier version stored in clear, which go on signing and verifying", async () => {
    const { url } = await createDatabase(db!.url, "kek");
    // The table as an earlier version left it: one key, its private half in clear.
    const seed = await service(url, { CCFLOW_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
    await seed.close();
    open.splice(open.indexOf(seed), 1);
    await sql(url, "DELETE FROM ccflow_identity_keys", []);
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    const jwk = await exportJWK(await importSPKI(pair.publicKey, "RS256", { extractable: true }));
    const kid = await calculateJwkThumbprint(jwk);
    await sql(url, "INSERT INTO ccflow_identity_keys (kid, private_pem, public_pem, created_at) VALUES ($1, $2, $3, $4)", [kid, pair.privateKey, pair.publicKey, Date.now()]);

    const env = { CCFLOW_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64") };
    const a = await service(url, env);
    const [row] = await rows(url);
    expect(row!.kid).toBe(kid);
    expect(row!.private_pem).toMatch(/^aes-256-gcm:v1:/);
    expect(row!.private_pem).not.toContain("PRIVATE KEY");
    // The same key signs: a token verifies with the public key the earlier version published.
    const token = await a.appToken(a.client("app")!);
    const { protectedHeader } = await jwtVerify(token, await importSPKI(pair.publicKey, "RS256"), { issuer: ISSUER });
    expect(protectedHeader.kid).toBe(kid);
    // A second node with the cluster's key reads the encrypted row.
    const b = await service(url, env);
    expect((await b.verifyAccessToken(token)).client_id).toBe("app");
  });
});
