/**
 * One OAuth 2.0 client-credentials token per connector, shared by every call through it.
 *
 * - Reused until shortly before it expires (on the injected Clock); inside the refresh window a
 *   caller still gets the current token while one background request fetches the next.
 * - Single-flight: however many callers find no usable token, one token request is made and
 *   they all wait on it, each only as long as its own deadline allows.
 * - `invalidate(token)` after a 401 drops that token (and only that one, so a burst of 401s on
 *   an old token does not throw away the fresh one).
 * - Failures name the connector and the endpoint's error (`invalid_client: AADSTS7000215: ...`),
 *   never the secret.
 */
import type { Clock } from "../time/clock.js";
import type { ConnectorConfig } from "./config.js";
import { type ConnectorLogger, Redactor } from "./redact.js";
import { type Transport, TransportError } from "./transport.js";

export class TokenError extends Error {
  constructor(
    message: string,
    /** Worth another try (network failure, 5xx, 429); false for a refused credential. */
    readonly transient: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "TokenError";
  }
}

export interface TokenCacheOptions {
  connector: ConnectorConfig;
  transport: Transport;
  clock: Clock;
  logger?: ConnectorLogger;
  redactor?: Redactor;
  /** Start a background refresh this long before expiry (default 5 min, at most half the lifetime). */
  refreshAheadMs?: number;
  /** Stop handing out a token this long before expiry (default 30 s, at most a tenth of the lifetime). */
  expiryMarginMs?: number;
  /** Lifetime assumed when the endpoint sends no `expires_in` (default 1 h). */
  defaultLifetimeMs?: number;
  /** Real-time cap on one token request (default 30 s). */
  requestTimeoutMs?: number;
}

interface Token {
  value: string;
  expiresAt: number;
  refreshAt: number;
  usableUntil: number;
}

export interface TokenStats {
  /** Token requests sent. */
  requests: number;
  /** Token requests that failed. */
  failures: number;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]!.trim();
}

/** Raises with the signal's reason when it aborts first. */
function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

export class TokenCache {
  private current: Token | undefined;
  private inflight: Promise<Token> | undefined;
  private backgroundBlockedUntil = 0;
  private readonly redactor: Redactor;
  readonly stats: TokenStats = { requests: 0, failures: 0 };

  constructor(private readonly options: TokenCacheOptions) {
    const c = options.connector;
    if (c.type !== "oauth2-client-credentials" || !c.tokenUrl || !c.clientId || c.clientSecret === undefined) {
      throw new Error(`connector "${c.name}" is not an OAuth 2.0 client-credentials connector`);
    }
    this.redactor = options.redactor ?? new Redactor(c.secrets);
  }

  get connectorName(): string {
    return this.options.connector.name;
  }

  get tokenUrl(): string {
    return this.options.connector.tokenUrl!;
  }

  /**
   * The cached token when it is usable, else undefined (then call `get`). Inside the refresh
   * window it starts the background refresh.
   */
  peek(): string | undefined {
    const now = this.options.clock.now();
    const cur = this.current;
    if (!cur || now >= cur.usableUntil) return undefined;
    if (now >= cur.refreshAt && !this.inflight && now >= this.backgroundBlockedUntil) {
      this.fetch().catch(() => {
        // Keep serving the current token; try again a little later rather than on every call.
        this.backgroundBlockedUntil = this.options.clock.now() + 10_000;
      });
    }
    return cur.value;
  }

  /**
   * A usable access token. Waits (at most until `signal` aborts) when none is cached; the token
   * request itself carries on for the other waiters.
   */
  async get(signal?: AbortSignal): Promise<string> {
    const cached = this.peek();
    if (cached !== undefined) return cached;
    const token = await raceSignal(this.inflight ?? this.fetch(), signal);
    return token.value;
  }

  /** Drops `token` (or whatever is cached, without an argument) so the next call fetches anew. */
  invalidate(token?: string): void {
    if (!this.current) return;
    if (token === undefined || this.current.value === token) this.current = undefined;
  }

  /** Time left on the cached token in ms, or undefined (for `connector test`). */
  remainingMs(): number | undefined {
    return this.current ? this.current.expiresAt - this.options.clock.now() : undefined;
  }

  private fetch(): Promise<Token> {
    const flight = this.request().then(
      (t) => {
        this.current = t;
        return t;
      },
      (err: unknown) => {
        this.stats.failures++;
        throw err;
      },
    );
    this.inflight = flight;
    const clear = () => {
      if (this.inflight === flight) this.inflight = undefined;
    };
    flight.then(clear, clear);
    return flight;
  }

  private async request(): Promise<Token> {
    const { connector: c, transport, clock, logger } = this.options;
    const url = c.tokenUrl!;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (c.scope) form.set("scope", c.scope);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (c.clientAuth === "client_secret_basic") {
      // RFC 6749 §2.3.1: both parts form-encoded before Base64.
      const user = encodeURIComponent(c.clientId!);
      const pass = encodeURIComponent(c.clientSecret!);
      const basic = Buffer.from(`${user}:${pass}`).toString("base64");
      this.redactor.addSecret(basic);
      headers.authorization = `Basic ${basic}`;
    } else {
      form.set("client_id", c.clientId!);
      form.set("client_secret", c.clientSecret!);
    }

    const controller = new AbortController();
    const capMs = this.options.requestTimeoutMs ?? 30_000;
    const cap = setTimeout(() => controller.abort(new TransportError("TIMEOUT", `no answer within ${capMs} ms`)), capMs);
    cap.unref?.();
    const started = clock.now();
    this.stats.requests++;
    let res;
    try {
      res = await transport.send({ url, method: "POST", headers, body: form.toString(), signal: controller.signal, timeoutMs: capMs, ca: c.ca, connectorId: c.id }, clock);
    } catch (err) {
      const reason = controller.signal.aborted ? (controller.signal.reason as Error) : (err as Error);
      const message = this.redactor.redact(`connector ${c.name}: token request to ${url} failed: ${reason?.message ?? String(reason)}`);
      logger?.warn({ connector: c.name, tokenUrl: url, ms: clock.now() - started }, message);
      throw new TokenError(message, true);
    } finally {
      clearTimeout(cap);
    }

    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(res.body);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }

    if (res.status < 200 || res.status > 299) {
      const error = typeof body?.error === "string" ? body.error : undefined;
      const description = typeof body?.error_description === "string" ? firstLine(body.error_description) : undefined;
      let detail = [error, description].filter(Boolean).join(": ");
      if (!detail) detail = res.body.trim() ? firstLine(res.body).slice(0, 200) : "no error description";
      const message = this.redactor.redact(`connector ${c.name}: token endpoint ${url} answered ${res.status}: ${detail}`);
      logger?.warn({ connector: c.name, tokenUrl: url, status: res.status, ms: clock.now() - started }, message);
      throw new TokenError(message, res.status >= 500 || res.status === 429, res.status);
    }

    const value = body?.access_token;
    if (typeof value !== "string" || value === "") {
      const message = `connector ${c.name}: token endpoint ${url} answered ${res.status} without an access_token`;
      logger?.warn({ connector: c.name, tokenUrl: url, status: res.status }, message);
      throw new TokenError(message, false, res.status);
    }
    this.redactor.addToken(value);

    const rawExpires = body?.expires_in;
    const seconds = typeof rawExpires === "number" ? rawExpires : typeof rawExpires === "string" ? Number(rawExpires) : NaN;
    const lifetime = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : (this.options.defaultLifetimeMs ?? 3_600_000);
    const obtained = clock.now();
    const refreshAhead = Math.min(this.options.refreshAheadMs ?? 300_000, lifetime / 2);
    const margin = Math.min(this.options.expiryMarginMs ?? 30_000, lifetime / 10);
    logger?.info({ connector: c.name, tokenUrl: url, ms: obtained - started, expiresInS: Math.round(lifetime / 1000) }, `connector ${c.name}: token obtained`);
    return {
      value,
      expiresAt: obtained + lifetime,
      refreshAt: obtained + lifetime - refreshAhead,
      usableUntil: obtained + lifetime - margin,
    };
  }
}
