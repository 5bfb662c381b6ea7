/**
 * An RSA signing key pair on disk: made at first use in `dir`, both files readable by the owner
 * only (the directory too), published as a JWK set whose key id is the JWK thumbprint. The CRM's
 * token service and the identity service each keep their own pair (each stands alone, so either
 * can be swapped for the real one); this is the one place that makes and reads such a pair.
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

/** Reads (or first makes) `<dir>/<name>.key.pem` and `<dir>/<name>.pub.pem`. */
export async function loadRsaSigningKeys(dir: string, name: string): Promise<SigningKeys> {
  const privatePath = path.join(dir, `${name}.key.pem`);
  const publicPath = path.join(dir, `${name}.pub.pem`);
  if (!existsSync(privatePath) || !existsSync(publicPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(privatePath, pair.privateKey, { mode: 0o600 });
    writeFileSync(publicPath, pair.publicKey, { mode: 0o600 });
    // writeFileSync's mode is filtered by the umask and ignored for a file that already existed.
    chmodSync(privatePath, 0o600);
    chmodSync(publicPath, 0o600);
  }
  const privateKey = await importPKCS8(readFileSync(privatePath, "utf8"), "RS256", { extractable: false });
  const publicKey = await importSPKI(readFileSync(publicPath, "utf8"), "RS256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, use: "sig", alg: "RS256" } };
}
