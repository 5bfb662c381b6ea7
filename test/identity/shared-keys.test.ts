/**
 * Two identity services on one real PostgreSQL, as two nodes run with `--postgres`: they sign
 * with one shared key, each verifies what the other signed, and when the key is due for rotation
 * the first to notice adds one key (not one each); the old key stays in both JWKS until the tokens
 * it signed have expired, then goes. Authorization codes are shared too, and redeemed once.
 * Without PostgreSQL the test skips with a notice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService, type IdentityClient } from "../../src/identity/service.js";
import type { SharedKeyRing } from "../../src/identity/shared-keys.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../helpers/postgres.js";

if (!postgresAvailable()) console.info("notice: the identity service's shared keys are not tested: PostgreSQL 15 is not installed (apt-get install postgresql)");

const DAY = 24 * 3600_000;

describe.skipIf(!postgresAvailable())("identity services sharing PostgreSQL", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-shared-keys-"));
  let db: TestPostgres | undefined;
  let url = "";
  let clock = Date.UTC(2026, 11, 7, 1, 0, 0);
  const now = () => clock;
  // Nodes of a cluster share the key the signing keys are encrypted with in the table.
  const key = randomBytes(32).toString("base64");
  let a: IdentityService;
  let b: IdentityService;
  const app: IdentityClient & { clientSecret: string } = { clientId: "app", clientSecret: "app-secret-for-tests", displayName: "App", roles: ["supervisor"], clientCredentials: true, redirectOrigins: () => ["http://127.0.0.1:1"] };

  beforeAll(async () => {
    db = await startPostgres();
    url = (await createDatabase(db.url, "identity")).url;
    const node = async (name: string) => {
      const s = await IdentityService.create({ dataDir: join(dir, name), postgresUrl: url, now, keyRotationMs: 30 * DAY, env: { CCFLOW_KEY_ENCRYPTION_KEY: key } });
      s.setIssuer("http://balancer.test/identity");
      s.registerClient(app);
      return s;
    };
    // Started together: one key is made, not two.
    [a, b] = await Promise.all([node("a"), node("b")]);
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const kid = (token: string) => (JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;

  it("sign with one key and accept each other's tokens", async () => {
    expect(a.keys.publicJwks().map((k) => k.kid)).toEqual(b.keys.publicJwks().map((k) => k.kid));
    expect(a.keys.publicJwks()).toHaveLength(1);
    const fromA = await a.appToken(a.client("app")!);
    expect((await b.verifyAccessToken(fromA)).client_id).toBe("app");
    const fromB = await b.appToken(b.client("app")!);
    expect(kid(fromB)).toBe(kid(fromA));
    expect((await a.verifyAccessToken(fromB)).roles).toEqual(["supervisor"]);
  });

  it("redeem a code issued by the other, once", async () => {
    const verifier = "v".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const code = await a.issueCode({ clientId: "app", redirectUri: "http://127.0.0.1:1/cb", codeChallenge: challenge, user: { username: "kim", name: "Kim", roles: ["agent"] } });
    expect((await b.redeemCode(code, b.client("app")!, "http://127.0.0.1:1/cb", verifier)).user.username).toBe("kim");
    await expect(a.redeemCode(code, a.client("app")!, "http://127.0.0.1:1/cb", verifier)).rejects.toThrow(/unknown, used or expired/);
  });

  it("rotate the key: one new key for both, the old one published until its tokens have expired", async () => {
    // Ten minutes before the key is 30 days old: a token that will outlive the rotation.
    clock += 30 * DAY - 10 * 60_000;
    const before = await a.appToken(a.client("app")!);
    const oldKid = kid(before);
    clock += 20 * 60_000;
    await Promise.all([(a.keys as SharedKeyRing).refresh(), (b.keys as SharedKeyRing).refresh()]);
    const kidsA = a.keys.publicJwks().map((k) => k.kid);
    expect(kidsA).toHaveLength(2);
    expect(b.keys.publicJwks().map((k) => k.kid)).toEqual(kidsA);
    const after = await b.appToken(b.client("app")!);
    expect(kid(after)).not.toBe(oldKid);
    expect(kidsA[0]).toBe(kid(after));
    // Both tokens verify on both nodes.
    for (const s of [a, b]) for (const t of [before, after]) expect((await s.verifyAccessToken(t)).client_id).toBe("app");
    // Once every token the old key signed has expired (an hour, plus the refresh margin), it is gone.
    clock += 2 * 3600_000;
    await (a.keys as SharedKeyRing).refresh();
    await (b.keys as SharedKeyRing).refresh();
    expect(a.keys.publicJwks().map((k) => k.kid)).toEqual([kid(after)]);
    expect(b.keys.publicJwks().map((k) => k.kid)).toEqual([kid(after)]);
  });

  it("learn at once of a key another node made (a token naming an unknown key reads the table again)", async () => {
    clock += 31 * DAY;
    await (a.keys as SharedKeyRing).refresh();
    const fresh = await a.appToken(a.client("app")!);
    expect(b.keys.publicJwks().map((k) => k.kid)).not.toContain(kid(fresh));
    expect((await b.verifyAccessToken(fresh)).client_id).toBe("app");
    expect(b.keys.publicJwks().map((k) => k.kid)).toContain(kid(fresh));
  });
});
