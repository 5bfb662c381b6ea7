/**
 * The RSA key the token service signs with: created at first start in `<data>/keys/`, readable
 * only by the owner, published as a JWK set. The key id is the JWK thumbprint.
 */
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, type CryptoKey, type JWK } from "jose";

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function loadSigningKeys(dataDir: string): Promise<SigningKeys> {
  const dir = path.join(dataDir, "keys");
  const privatePath = path.join(dir, "token-signing.key.pem");
  const publicPath = path.join(dir, "token-signing.pub.pem");
  if (!existsSync(privatePath) || !existsSync(publicPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(privatePath, pair.privateKey, { mode: 0o600 });
    writeFileSync(publicPath, pair.publicKey, { mode: 0o600 });
    chmodSync(privatePath, 0o600);
    chmodSync(publicPath, 0o600);
  }
  const privateKey = await importPKCS8(readFileSync(privatePath, "utf8"), "RS256", { extractable: false });
  const publicKey = await importSPKI(readFileSync(publicPath, "utf8"), "RS256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, use: "sig", alg: "RS256" } };
}
