/**
 * Looks for secrets in whatever a run printed, logged or emitted: the client secret (and its
 * URL-encoded and Base64 forms), anything shaped like a JWT (every access token the CRM issues
 * is one), and the values of isSecure variables. Streams are scanned as they pass, so a
 * 10,000-call run need not keep its output.
 */
export const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

export class SecretScanner {
  private readonly needles: Array<{ what: string; value: string }> = [];
  readonly findings: string[] = [];
  scannedChars = 0;
  scannedChunks = 0;

  constructor(secrets: Record<string, string> = {}) {
    for (const [what, value] of Object.entries(secrets)) this.add(what, value);
  }

  add(what: string, value: string): void {
    if (value.length < 4) return;
    for (const v of new Set([value, encodeURIComponent(value), Buffer.from(value).toString("base64")])) this.needles.push({ what, value: v });
  }

  scan(text: string, where: string): void {
    this.scannedChars += text.length;
    this.scannedChunks++;
    if (this.findings.length >= 20) return;
    for (const n of this.needles) {
      const at = text.indexOf(n.value);
      if (at >= 0) this.findings.push(`${where}: ${n.what} at ${at}: …${text.slice(Math.max(0, at - 60), at)}[HERE]`);
    }
    const jwt = JWT.exec(text);
    if (jwt) this.findings.push(`${where}: a JWT: …${text.slice(Math.max(0, jwt.index - 60), jwt.index)}[HERE]`);
  }
}
