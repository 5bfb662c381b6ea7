/** The identity service's RSA signing key, kept in `<data>/identity/` (see util/signing-keys.ts). */
import path from "node:path";
import { loadRsaSigningKeys, type SigningKeys } from "../util/signing-keys.js";

export type IdentityKeys = SigningKeys;

export function loadIdentityKeys(dataDir: string): Promise<IdentityKeys> {
  return loadRsaSigningKeys(path.join(dataDir, "identity"), "signing");
}
