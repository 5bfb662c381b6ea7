/** The RSA key the CRM's token service signs with, kept in `<data>/keys/` (see util/signing-keys.ts). */
import path from "node:path";
import { loadRsaSigningKeys, type SigningKeys } from "../../util/signing-keys.js";

export type { SigningKeys };

export function loadSigningKeys(dataDir: string): Promise<SigningKeys> {
  return loadRsaSigningKeys(path.join(dataDir, "keys"), "token-signing");
}
