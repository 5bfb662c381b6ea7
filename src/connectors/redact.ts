/**
 * Keeps secrets (client secrets, passwords, access tokens, Basic credentials) out of every
 * message, log line and result the connector layer produces. Whatever text leaves this layer
 * goes through `redact`; a secret is also caught in its URL-encoded and Base64 forms.
 */

export const REDACTED = "[redacted]";
/** Configured secrets shorter than this are not searched for (see addVariants). */
export const MIN_SECRET_LENGTH = 4;
/** Access tokens shorter than this are not searched for. */
export const MIN_TOKEN_LENGTH = 8;

/** The logging surface the connector layer uses; a pino logger fits it. */
export interface ConnectorLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export class Redactor {
  private readonly fixed = new Set<string>();
  /** Short-lived values (access tokens), newest last; bounded so the set does not grow forever. */
  private readonly rolling: string[] = [];
  private patterns: string[] = [];

  constructor(
    secrets: Iterable<string> = [],
    private readonly rollingLimit = 64,
  ) {
    for (const s of secrets) this.addVariants(this.fixed, s, MIN_SECRET_LENGTH);
    this.rebuild();
  }

  private addVariants(into: Set<string> | string[], secret: string, minLength: number): void {
    // Shorter values would blank out ordinary words in every message (a 1-character test token
    // turned "timeout" into "[redacted]imeou[redacted]"); a credential that short protects nothing.
    if (secret.length < minLength) return;
    const variants = [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")];
    for (const v of variants) {
      if (into instanceof Set) into.add(v);
      else if (!into.includes(v)) into.push(v);
    }
  }

  private rebuild(): void {
    // Longest first so a secret containing another is replaced whole.
    this.patterns = [...new Set([...this.fixed, ...this.rolling])].sort((a, b) => b.length - a.length);
    this.generation++;
  }

  private generation = 0;

  /** Changes whenever the set of secrets does, so a caller may keep redacted text until then. */
  get version(): number {
    return this.generation;
  }

  /** A long-lived secret (configuration). */
  addSecret(secret: string): void {
    this.addVariants(this.fixed, secret, MIN_SECRET_LENGTH);
    this.rebuild();
  }

  /** A short-lived secret (an access token); the oldest ones are forgotten past the limit. */
  addToken(token: string): void {
    this.addVariants(this.rolling, token, MIN_TOKEN_LENGTH);
    while (this.rolling.length > this.rollingLimit * 3) this.rolling.shift();
    this.rebuild();
  }

  redact(text: string): string {
    let out = text;
    for (const p of this.patterns) if (out.includes(p)) out = out.split(p).join(REDACTED);
    // Whatever follows a Bearer/Basic scheme is a credential even if we never saw it — unless it
    // reads like a word ("Basic authentication"): a credential has a digit or symbol, or mixed case.
    return out.replace(/\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/g, (m, scheme: string, value: string) =>
      /[0-9._~+/=-]/.test(value) || (/[a-z]/.test(value.slice(1)) && /[A-Z]/.test(value.slice(1))) ? `${scheme} ${REDACTED}` : m,
    );
  }

  /** Redacts every string inside a plain value (for log objects). */
  redactValue<T>(value: T): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === "object" && !(value instanceof Error)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = /^(authorization|client_secret|password|access_token)$/i.test(k) ? REDACTED : this.redactValue(v);
      return out as T;
    }
    if (value instanceof Error) return this.redact(value.message) as T;
    return value;
  }
}

/** A logger that redacts before writing. */
export function redactingLogger(logger: ConnectorLogger | undefined, redactor: Redactor): ConnectorLogger {
  const wrap =
    (level: keyof ConnectorLogger) =>
    (obj: object, msg?: string): void => {
      if (!logger) return;
      logger[level](redactor.redactValue(obj), msg === undefined ? undefined : redactor.redact(msg));
    };
  return { debug: wrap("debug"), info: wrap("info"), warn: wrap("warn") };
}
