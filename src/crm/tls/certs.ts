/**
 * The service's own certificate authority and HTTPS certificate, created at first start in
 * `<data>/tls/` (`ca.pem` is what clients trust, e.g. through NODE_EXTRA_CA_CERTS). The server
 * certificate is re-issued by the same CA when the set of host names it must cover changes.
 * Keys come from node:crypto (fast, native); node-forge builds and signs the X.509 certificates.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import forge from "node-forge";

export interface TlsMaterial {
  caPath: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  hostnames: string[];
}

const CA_NAME = "ccflow Development CA";

function newKeyPair(): { privatePem: string; publicPem: string } {
  const pair = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privatePem: pair.privateKey, publicPem: pair.publicKey };
}

function serial(): string {
  // Positive, 16 bytes: the high bit cleared.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}

function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function createCa(dir: string): { certPem: string; keyPem: string } {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const subject = [
    { name: "commonName", value: CA_NAME },
    { name: "organizationName", value: "ccflow" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeFileSync(path.join(dir, "ca.pem"), certPem);
  writeSecret(path.join(dir, "ca-key.pem"), keys.privatePem);
  return { certPem, keyPem: keys.privatePem };
}

function altNames(names: string[]): Array<{ type: number; value?: string; ip?: string }> {
  return names.map((name) => (/^[\d.]+$/.test(name) || name.includes(":") ? { type: 7, ip: name } : { type: 2, value: name }));
}

function createServerCert(dir: string, ca: { certPem: string; keyPem: string }, names: string[]): { certPem: string; keyPem: string } {
  const keys = newKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 397 * 86_400_000);
  cert.setSubject([{ name: "commonName", value: names[0] ?? "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: altNames(names) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeFileSync(path.join(dir, "server.pem"), certPem);
  writeSecret(path.join(dir, "server-key.pem"), keys.privatePem);
  writeFileSync(path.join(dir, "server-names.json"), JSON.stringify(names));
  return { certPem, keyPem: keys.privatePem };
}

/** Host names from URLs (org URLs and their `.api.` variants), deduplicated, always with localhost. */
export function certificateHostnames(extra: string[] = []): string[] {
  const names = new Set(["localhost", "127.0.0.1", "::1", hostname().toLowerCase()]);
  for (const item of extra) {
    try {
      names.add(new URL(item).hostname.replace(/^\[|\]$/g, "").toLowerCase());
    } catch {
      if (item) names.add(item.toLowerCase());
    }
  }
  return [...names];
}

export function ensureTls(dataDir: string, hostnames: string[]): TlsMaterial {
  const dir = path.join(dataDir, "tls");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caPath = path.join(dir, "ca.pem");
  const ca = existsSync(caPath) && existsSync(path.join(dir, "ca-key.pem"))
    ? { certPem: readFileSync(caPath, "utf8"), keyPem: readFileSync(path.join(dir, "ca-key.pem"), "utf8") }
    : createCa(dir);
  const namesFile = path.join(dir, "server-names.json");
  let server: { certPem: string; keyPem: string } | undefined;
  if (existsSync(path.join(dir, "server.pem")) && existsSync(path.join(dir, "server-key.pem")) && existsSync(namesFile)) {
    const existing = JSON.parse(readFileSync(namesFile, "utf8")) as string[];
    const certPem = readFileSync(path.join(dir, "server.pem"), "utf8");
    const cert = forge.pki.certificateFromPem(certPem);
    const fresh = cert.validity.notAfter.getTime() > Date.now() + 7 * 86_400_000;
    const signedByCa = cert.issuer.getField("CN")?.value === CA_NAME && forge.pki.certificateFromPem(ca.certPem).verify(cert);
    if (fresh && signedByCa && hostnames.every((n) => existing.includes(n))) {
      server = { certPem, keyPem: readFileSync(path.join(dir, "server-key.pem"), "utf8") };
    }
  }
  server ??= createServerCert(dir, ca, hostnames);
  return { caPath, caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem, hostnames };
}
