/**
 * The keys the identity service signs with and verifies against. One server keeps one RSA key in
 * its data directory (FileKeyRing); servers sharing PostgreSQL keep theirs in the database
 * (shared-keys.ts), where a new one is made when the newest is old and the previous ones stay
 * published until every token they signed has expired. Tokens name their key (`kid`).
 */
import type { CryptoKey, JWK } from "jose";
import { loadIdentityKeys, type IdentityKeys } from "./keys.js";

export interface KeyRing {
  /** The key new tokens are signed with. */
  signing(): IdentityKeys;
  /** Every live public key (the JWKS). */
  publicJwks(): JWK[];
  /** The public key a token names (its `kid`); undefined when no live key has that id. */
  verifying(kid: string | undefined): Promise<CryptoKey | undefined>;
  close(): Promise<void>;
}

/** One key pair in `<data>/identity/`, made at first start (one server per data directory). */
export class FileKeyRing implements KeyRing {
  private constructor(private readonly keys: IdentityKeys) {}

  static async open(dataDir: string): Promise<FileKeyRing> {
    return new FileKeyRing(await loadIdentityKeys(dataDir));
  }

  signing(): IdentityKeys {
    return this.keys;
  }

  publicJwks(): JWK[] {
    return [this.keys.publicJwk];
  }

  async verifying(kid: string | undefined): Promise<CryptoKey | undefined> {
    return kid === undefined || kid === this.keys.kid ? this.keys.publicKey : undefined;
  }

  async close(): Promise<void> {}
}
