/**
 * The HttpGateway: performs an http-request-v2 request through its connector.
 *
 * - URL: the connector's resource domain + the rendered path, joined with exactly one `/`, then
 *   `httpQueryParameters` as `k=encodeURIComponent(v)`; a request without a connector uses the
 *   rendered URL as is. Characters illegal in a URL are percent-encoded, nothing else is touched.
 * - One deadline (`timeoutMs`, on the Clock passed to `execute`) covers the token fetch, every
 *   attempt and every backoff. Retries (`retryAttempts` more attempts) on network errors, 5xx
 *   and 429 — a 429 waits `Retry-After` when that fits in the deadline, else it is returned.
 *   A 401 on an OAuth connector drops the token, fetches a new one and tries once more.
 * - Any HTTP status resolves; a timeout, a transport failure, a refused token or a bad
 *   configuration rejects with HttpFailure. No secret reaches a result, an error or a log.
 */
import { EventEmitter } from "node:events";
import { whenAborted } from "../engine/abort.js";
import { SystemClock, startTimer, type Clock, type ClockTimer } from "../engine/clock.js";
import { HttpFailure, type HttpGateway, type HttpRequestSpec, type HttpResult } from "./types.js";
import type { ConnectorConfig } from "./config.js";
import { encodeIllegalUrlCharacters } from "./escaping.js";
import { type ConnectorLogger, Redactor, redactingLogger } from "./redact.js";
import { TokenCache, TokenError } from "./token-cache.js";
import { createFixtureTransport, createUndiciTransport, type FixtureHandler, type Transport, TransportError, type TransportRequest, toTransportError } from "./transport.js";

export interface HttpGatewayOptions {
  connectors: readonly ConnectorConfig[];
  /** Clock for token expiry (default: system time). Deadlines use the clock given to `execute`. */
  clock?: Clock;
  logger?: ConnectorLogger;
  /** Where requests go (default: undici keep-alive pools). */
  transport?: Transport;
  /** Shorthand for `transport: createFixtureTransport(fixtures)`: no sockets at all. */
  fixtures?: FixtureHandler;
  /** Random numbers in [0, 1) for backoff jitter (default Math.random). */
  random?: () => number;
  /** Backoff before retry n (1-based): base·2^(n-1), capped, times a jitter in [0.5, 1). */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Token cache tuning (see TokenCacheOptions). */
  token?: { refreshAheadMs?: number; expiryMarginMs?: number; requestTimeoutMs?: number };
}

export interface ConnectorHttpGateway extends HttpGateway {
  /** The token cache of an OAuth connector, by id or name. */
  tokenCache(connector: string): TokenCache | undefined;
  connector(idOrName: string): ConnectorConfig | undefined;
  /** Redacts secrets from a text (for callers that print gateway data). */
  redact(text: string): string;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
/** Headers the transport owns; a flow cannot set them. */
const RESERVED_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer", "proxy-connection"]);

const CONTENT_TYPES: Record<string, string> = {
  json: "application/json",
  "application/json": "application/json",
  form: "application/x-www-form-urlencoded",
  "form-url-encoded": "application/x-www-form-urlencoded",
  "form-urlencoded": "application/x-www-form-urlencoded",
  "x-www-form-urlencoded": "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded": "application/x-www-form-urlencoded",
  xml: "application/xml",
  "application/xml": "application/xml",
  "text/xml": "text/xml",
  yaml: "application/yaml",
  "application/yaml": "application/yaml",
  "application/x-yaml": "application/yaml",
  "text/yaml": "application/yaml",
  toml: "application/toml",
  "application/toml": "application/toml",
  graphql: "application/graphql",
  "application/graphql": "application/graphql",
  text: "text/plain",
  "text/plain": "text/plain",
  html: "text/html",
  "text/html": "text/html",
};

/**
 * The Content-Type to send for an exported `httpContentType` (`Application/JSON` →
 * `application/json`, `FORM` → form-url-encoded, ...). Parameters (`; charset=...`) are kept.
 * Unknown types are passed through lower-cased; empty gives undefined.
 */
export function normalizeContentType(exported: string | undefined): string | undefined {
  if (!exported || !exported.trim()) return undefined;
  const [type, ...params] = exported.split(";");
  const key = type!.trim().toLowerCase().replace(/\s+/g, "");
  const base = CONTENT_TYPES[key] ?? key;
  const rest = params.map((p) => p.trim()).filter(Boolean);
  return rest.length > 0 ? `${base}; ${rest.join("; ")}` : base;
}

/** Resource domain + path with exactly one `/` between them. */
export function joinUrl(base: string, path: string): string {
  if (path === "") return base;
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** Appends query parameters as `k=encodeURIComponent(v)`, with `?`, `&` or nothing as fits. */
export function appendQuery(url: string, query: ReadonlyArray<readonly [string, string]>): string {
  if (query.length === 0) return url;
  const hashAt = url.indexOf("#");
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const hash = hashAt >= 0 ? url.slice(hashAt) : "";
  const pairs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  const sep = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${sep}${pairs}${hash}`;
}

/** Seconds or an HTTP date → ms to wait, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

class DeadlineExceeded extends Error {
  constructor() {
    super("deadline exceeded");
  }
}

class CallerAborted extends Error {
  constructor() {
    super("aborted");
  }
}

/**
 * One activity's deadline on the Clock, merged with the contact's abort signal. The abort is
 * kept as plain state plus, on demand, an AbortSignal (token waits, backoff, fixtures) or an
 * EventEmitter (undici): in a profile an AbortSignal handed to undici cost as much CPU as the
 * rest of the request path, an EventEmitter almost nothing. The timer is a clock timer and the
 * contact's signal is watched through `whenAborted`, so a request that finishes in time creates
 * no AbortController and touches no EventTarget.
 */
class Deadline {
  readonly at: number;
  private reason: Error | undefined;
  private controller: AbortController | undefined;
  private emitter: EventEmitter | undefined;
  private readonly timer: ClockTimer;
  private readonly unwatch: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    timeoutMs: number,
    outer: AbortSignal | undefined,
  ) {
    this.at = clock.now() + timeoutMs;
    this.timer = startTimer(clock, Math.max(0, timeoutMs), () => this.fire(new DeadlineExceeded()));
    if (outer) this.unwatch = whenAborted(outer, () => this.fire(new CallerAborted()));
  }

  private fire(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.emitter?.emit("abort");
  }

  /** Whether the deadline passed or the caller went away. */
  get aborted(): boolean {
    return this.reason !== undefined;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get abortEmitter(): EventEmitter {
    // Only handed out while not aborted (checked just before each send).
    if (!this.emitter) this.emitter = new EventEmitter();
    return this.emitter;
  }

  get timedOut(): boolean {
    return this.reason instanceof DeadlineExceeded;
  }

  get callerAborted(): boolean {
    return this.reason instanceof CallerAborted;
  }

  remaining(): number {
    return this.at - this.clock.now();
  }

  dispose(): void {
    this.timer.cancel();
    this.unwatch?.();
  }
}

export function createHttpGateway(options: HttpGatewayOptions): ConnectorHttpGateway {
  const clock = options.clock ?? new SystemClock();
  const random = options.random ?? Math.random;
  const baseMs = options.backoff?.baseMs ?? 100;
  const maxMs = options.backoff?.maxMs ?? 2_000;
  const transport = options.transport ?? (options.fixtures ? createFixtureTransport(options.fixtures) : createUndiciTransport());
  const redactor = new Redactor(options.connectors.flatMap((c) => c.secrets));
  const logger = redactingLogger(options.logger, redactor);
  const logging = options.logger !== undefined;
  const byId = new Map<string, ConnectorConfig>();
  const byName = new Map<string, ConnectorConfig>();
  for (const c of options.connectors) {
    byId.set(c.id, c);
    byName.set(c.name.toLowerCase(), c);
  }
  const caches = new Map<string, TokenCache>();
  for (const c of options.connectors) {
    if (c.type === "oauth2-client-credentials") {
      caches.set(c.id, new TokenCache({ connector: c, transport, clock, logger, redactor, ...options.token }));
    }
    if (c.type === "basic") redactor.addSecret(Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64"));
  }

  const lookup = (idOrName: string) => byId.get(idOrName) ?? byName.get(idOrName.toLowerCase());

  const backoff = (retry: number) => Math.round(Math.min(maxMs, baseMs * 2 ** (retry - 1)) * (0.5 + random() * 0.5));

  async function execute(spec: HttpRequestSpec, execClock: Clock): Promise<HttpResult> {
    const started = execClock.now();
    // On a virtual clock real sockets take no clock time; report whichever of the two is longer.
    const realStarted = performance.now();
    const elapsed = () => Math.max(execClock.now() - started, Math.round(performance.now() - realStarted));
    const method = spec.method.trim().toUpperCase();
    const connector = spec.connectorId !== undefined ? lookup(spec.connectorId) : undefined;
    let attempts = 0;
    const fail = (kind: ConstructorParameters<typeof HttpFailure>[0], message: string, url: string): HttpFailure =>
      new HttpFailure(kind, redactor.redact(message), redactor.redact(url), elapsed(), attempts);

    if (spec.connectorId !== undefined && !connector) {
      throw fail("config", `connector ${spec.connectorId} is not defined in the environment`, spec.target);
    }
    let url = connector ? joinUrl(connector.resourceDomain, spec.target) : spec.target.trim();
    url = appendQuery(encodeIllegalUrlCharacters(url), spec.query);
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http");
      // What goes on the wire: the WHATWG serialisation undici sends (it encodes `'` in queries).
      url = parsed.href;
    } catch {
      throw fail("config", `not a valid http(s) URL: ${JSON.stringify(url.slice(0, 300))}`, url);
    }
    const shownUrl = redactor.redact(url);
    if (!METHODS.has(method)) throw fail("config", `unsupported HTTP method ${JSON.stringify(spec.method)}`, url);

    const headers = new Map<string, [string, string]>();
    const setHeader = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
    for (const [name, value] of Object.entries(connector?.headers ?? {})) setHeader(name, value);
    for (const [name, value] of Object.entries(spec.headers)) {
      const n = name.trim();
      if (n === "" || RESERVED_HEADERS.has(n.toLowerCase())) continue;
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(n)) throw fail("config", `invalid header name ${JSON.stringify(n)}`, url);
      if (/[\r\n\0]/.test(value)) throw fail("config", `header ${n} contains a line break`, url);
      setHeader(n, value);
    }
    const hasBody = spec.body !== undefined && spec.body !== "" && method !== "GET" && method !== "HEAD";
    if (hasBody && !headers.has("content-type")) {
      const ct = normalizeContentType(spec.contentType);
      if (ct) setHeader("Content-Type", ct);
    }
    if (!hasBody) headers.delete("content-type");
    if (connector?.type === "basic") {
      headers.delete("authorization");
      setHeader("Authorization", `Basic ${Buffer.from(`${connector.username ?? ""}:${connector.password ?? ""}`).toString("base64")}`);
    }

    const cache = connector ? caches.get(connector.id) : undefined;
    const deadline = new Deadline(execClock, Math.max(0, spec.timeoutMs), spec.signal);
    const describeTimeout = () => `timeout after ${spec.timeoutMs} ms calling ${shownUrl}`;
    const interrupted = (): HttpFailure | undefined => {
      if (deadline.timedOut) return fail("timeout", describeTimeout(), url);
      if (deadline.callerAborted) return fail("aborted", `aborted calling ${shownUrl}`, url);
      return undefined;
    };
    let retriesLeft = Math.max(0, Math.floor(spec.retryAttempts));
    let refreshed = false;
    let retryNo = 0;

    const log = (level: "debug" | "warn", fields: object, msg: string) => {
      if (logging) logger[level]({ activity: spec.activity, connector: connector?.name, method, url: shownUrl, ...fields }, msg);
    };

    /** Waits before another attempt, if that fits in the deadline. */
    const waitForRetry = async (ms: number): Promise<boolean> => {
      if (retriesLeft <= 0 || execClock.now() + ms >= deadline.at) return false;
      retriesLeft--;
      await execClock.sleep(ms, deadline.signal);
      return true;
    };

    try {
      for (;;) {
        const aborted = interrupted();
        if (aborted) throw aborted;
        attempts++;

        let token: string | undefined;
        if (cache) {
          try {
            token = cache.peek() ?? (await cache.get(deadline.signal));
          } catch (err) {
            const stop = interrupted();
            if (stop) throw stop;
            const tokenErr = err instanceof TokenError ? err : new TokenError(String((err as Error)?.message ?? err), true);
            log("warn", { attempt: attempts }, tokenErr.message);
            if (tokenErr.transient && (await waitForRetry(backoff(++retryNo)))) continue;
            throw fail("token", tokenErr.message, url);
          }
        }

        // The token wait may have used up the deadline.
        const late = interrupted();
        if (late) throw late;

        const sendHeaders: Record<string, string> = {};
        for (const [name, value] of headers.values()) sendHeaders[name] = value;
        if (token !== undefined) {
          for (const k of Object.keys(sendHeaders)) if (k.toLowerCase() === "authorization") delete sendHeaders[k];
          sendHeaders.Authorization = `Bearer ${token}`;
        }

        let res;
        const attemptStarted = execClock.now();
        try {
          const request: TransportRequest = {
            url,
            method,
            headers: sendHeaders,
            body: hasBody ? spec.body : undefined,
            get signal() {
              return deadline.signal;
            },
            abortEmitter: deadline.abortEmitter,
            timeoutMs: deadline.remaining(),
            ca: connector?.ca,
            connectorId: connector?.id,
          };
          res = await transport.send(request, execClock);
        } catch (err) {
          const stop = interrupted();
          if (stop) throw stop;
          const te = err instanceof TransportError ? err : toTransportError(err);
          if (te.code === "UND_ERR_HEADERS_TIMEOUT" || te.code === "UND_ERR_BODY_TIMEOUT") throw fail("timeout", describeTimeout(), url);
          log("warn", { attempt: attempts, code: te.code, ms: execClock.now() - attemptStarted }, `${te.message} calling ${shownUrl}`);
          if (te.code !== "TOO_LARGE" && (await waitForRetry(backoff(++retryNo)))) continue;
          throw fail("network", `${te.message} calling ${shownUrl}`, url);
        }

        log("debug", { attempt: attempts, status: res.status, ms: execClock.now() - attemptStarted }, `${method} ${shownUrl} → ${res.status}`);

        if (res.status === 401 && cache && token !== undefined && !refreshed) {
          refreshed = true;
          cache.invalidate(token);
          continue;
        }
        if (res.status >= 500 && (await waitForRetry(backoff(++retryNo)))) continue;
        if (res.status === 429) {
          const wait = parseRetryAfter(res.headers["retry-after"], Date.now()) ?? backoff(++retryNo);
          if (await waitForRetry(wait)) continue;
        }
        return {
          status: res.status,
          // The response is the server's data, passed on as is: our secrets are never sent in a
          // form a server would echo, and redacting a short password from data would corrupt it.
          headers: res.headers,
          body: res.body,
          url: shownUrl,
          ms: elapsed(),
          attempts,
          connectorName: connector?.name,
        };
      }
    } catch (err) {
      if (err instanceof HttpFailure) throw err;
      throw interrupted() ?? fail("network", `${(err as Error)?.message ?? String(err)} calling ${shownUrl}`, url);
    } finally {
      deadline.dispose();
    }
  }

  return {
    execute,
    describe(connectorId) {
      const c = lookup(connectorId);
      return c ? { name: c.name, baseUrl: c.resourceDomain } : undefined;
    },
    tokenCache(id) {
      const c = lookup(id);
      return c ? caches.get(c.id) : undefined;
    },
    connector: lookup,
    redact: (text) => redactor.redact(text),
    async close() {
      await transport.close?.();
    },
  };
}
