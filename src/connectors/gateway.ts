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
 *   Auth and retry are undici interceptors (`interceptors/`) composed over the transport's
 *   dispatcher, one chain per connector.
 * - Any HTTP status resolves; a timeout, a transport failure, a refused token or a bad
 *   configuration rejects with HttpFailure. No secret reaches a result, an error or a log.
 */
import { whenAborted } from "../time/abort.js";
import { SystemClock, startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import { HttpFailure, type HttpFailureKind, type HttpGateway, type HttpRequestSpec, type HttpResult } from "./types.js";
import type { ConnectorConfig } from "./config.js";
import { encodeIllegalUrlCharacters, encodeQueryComponent } from "./escaping.js";
import { type ConnectorLogger, Redactor, redactingLogger } from "./redact.js";
import { TokenCache, TokenError } from "./token-cache.js";
import type { Dispatcher } from "undici";
import { basicAuth, bearerAuth } from "./interceptors/auth.js";
import type { ConnectorDispatchOptions, ConnectorExchange } from "./interceptors/exchange.js";
import { retryInterceptor } from "./interceptors/retry.js";
import { DueQueue, type Due } from "../time/due-queue.js";
import { createFixtureTransport, createUndiciTransport, dispatcherOf, type FixtureHandler, ResponseCollector, splitUrl, type Transport, TransportError, type TransportResponse, toTransportError } from "./transport.js";

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

/**
 * Appends query parameters with `?`, `&` or nothing as fits: `k=encodeURIComponent(v)`, or with
 * `as-rendered`, each kept as written but for what a query value cannot hold as data.
 */
export function appendQuery(url: string, query: ReadonlyArray<readonly [string, string]>, encoding: "strict" | "as-rendered" = "strict"): string {
  if (query.length === 0) return url;
  const hashAt = url.indexOf("#");
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const hash = hashAt >= 0 ? url.slice(hashAt) : "";
  const encode = encoding === "as-rendered" ? encodeQueryComponent : encodeURIComponent;
  const pairs = query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
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

/** A request's URL as sent (whole, and as undici's origin and path) and as shown in traces and logs. */
interface TargetUrl {
  url: string;
  origin: string;
  path: string;
  /** `origin` and `path` joined. */
  sent: string;
  shown: string;
  /** The redactor's version `shown` was made with. */
  version: number;
}

/** What every request of one gateway shares. */
interface GatewayCore {
  redactor: Redactor;
  logger: ConnectorLogger;
  logging: boolean;
  /** The transport's dispatcher with each connector's auth and the retry composed over it, by connector id. */
  dispatchers: Map<string, Dispatcher>;
  /** The same with retry only, for requests without a connector. */
  plain: Dispatcher;
  /** The queue timing this gateway's request deadlines on `clock`. */
  deadlinesOn(clock: Clock): DueQueue;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LINE_BREAK = /[\r\n\0]/;

/** The name `headers` holds `lower` under, in whatever case, or undefined. */
function headerNamed(headers: Record<string, string>, lower: string): string | undefined {
  for (const name in headers) if (name.length === lower.length && name.toLowerCase() === lower) return name;
  return undefined;
}

/** Sets a header, replacing one of the same name in another case. */
function putHeader(headers: Record<string, string>, name: string, value: string): void {
  const existing = headerNamed(headers, name.toLowerCase());
  if (existing !== undefined && existing !== name) delete headers[existing];
  headers[name] = value;
}

/**
 * One `execute`: its URL, headers, deadline, attempts and retries; the exchange the interceptors
 * read (`ConnectorExchange`); and the end of the handler chain, collecting the response
 * (`ResponseCollector`). One object per request rather than a request, a deadline, an exchange
 * handler and a promise adapter, each with closures: a request's allocations were a visible
 * share of an engine call's (BENCHMARKS.md §15a).
 *
 * The deadline is a clock timer merged with the contact's abort signal, kept as plain state plus
 * callbacks, and an AbortSignal only on demand (token waits, backoff, fixtures that ask): in a
 * profile an AbortSignal handed to undici cost as much CPU as the rest of the request path. The
 * contact's signal is watched through `whenAborted`, so a request that finishes in time creates no
 * AbortController and touches no EventTarget.
 */
class RequestRun extends ResponseCollector implements ConnectorExchange, Due {
  attempts = 0;
  tokenRefreshed = false;
  /** Its headers are built per request (`headers`): auth sets its header in them. */
  readonly ownHeaders = true;
  private readonly started: number;
  private readonly realStarted: number;
  private attemptStarted = 0;
  private url = "";
  /** What the dispatch's origin and path make (Exchange.requestUrl). */
  requestUrl = "";
  private shownUrl = "";
  private method = "";
  private retriesLeft: number;
  readonly ca: string | undefined;
  readonly connectorId: string | undefined;
  private resolve: ((result: HttpResult) => void) | undefined = undefined;
  private reject: ((err: unknown) => void) | undefined = undefined;
  // The deadline (dueAt, dueSlot: see time/due-queue.ts):
  dueAt = 0;
  dueSlot = -1;
  /** The queue timing the deadline (else `timer` does). */
  private deadlines: DueQueue | undefined = undefined;
  private reason: Error | undefined = undefined;
  private abortController: AbortController | undefined = undefined;
  private timer: ClockTimer | undefined = undefined;
  private unwatchCaller: (() => void) | undefined = undefined;
  private abortCallbacks: Array<() => void> | undefined = undefined;

  constructor(
    private readonly core: GatewayCore,
    private readonly spec: HttpRequestSpec,
    readonly clock: Clock,
    private readonly connector: ConnectorConfig | undefined,
  ) {
    super();
    this.started = clock.now();
    // On a virtual clock real sockets take no clock time; report whichever of the two is longer.
    this.realStarted = performance.now();
    this.retriesLeft = Math.max(0, Math.floor(spec.retryAttempts));
    this.ca = connector?.ca;
    this.connectorId = connector?.id;
  }

  elapsed(): number {
    return Math.max(this.clock.now() - this.started, Math.round(performance.now() - this.realStarted));
  }

  fail(kind: HttpFailureKind, message: string, url: string): HttpFailure {
    const r = this.core.redactor;
    return new HttpFailure(kind, r.redact(message), r.redact(url), this.elapsed(), this.attempts);
  }

  private describeTimeout(): string {
    return `timeout after ${this.spec.timeoutMs} ms calling ${this.shownUrl}`;
  }

  // --- the deadline ---

  private startDeadline(timeoutMs: number, outer: AbortSignal | undefined): void {
    const clock = this.clock;
    const at = (this.dueAt = clock.now() + timeoutMs);
    const deadlines = this.core.deadlinesOn(clock);
    if (deadlines.add(this, at)) this.deadlines = deadlines;
    else this.timer = startTimer(clock, Math.max(0, timeoutMs), () => this.fire(new DeadlineExceeded()));
    if (outer) this.unwatchCaller = whenAborted(outer, () => this.fire(new CallerAborted()));
  }

  /** The deadline passed, told by the gateway's queue of deadlines. */
  comeDue(): void {
    this.deadlines = undefined;
    this.fire(new DeadlineExceeded());
  }

  /** The deadline passed or the caller went away: the exchange in flight stops first, then whatever else waits on the abort. */
  private fire(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.abortController?.abort(reason);
    if (this.resolve && !this.done) this.abortExchange();
    const callbacks = this.abortCallbacks;
    this.abortCallbacks = undefined;
    if (callbacks) for (const f of callbacks) f();
  }

  private disposeDeadline(): void {
    if (this.deadlines) {
      this.deadlines.remove(this);
      this.deadlines = undefined;
    }
    this.timer?.cancel();
    this.unwatchCaller?.();
  }

  // --- the exchange, as the transport and the interceptors see it ---

  get signal(): AbortSignal {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.reason) this.abortController.abort(this.reason);
    }
    return this.abortController.signal;
  }

  /** Calls `callback` once on abort (a plain callback: no signal, no emitter). Returns the remover. */
  onAbort(callback: () => void): () => void {
    if (this.reason) {
      callback();
      return () => undefined;
    }
    (this.abortCallbacks ??= []).push(callback);
    return () => {
      const list = this.abortCallbacks;
      const i = list?.indexOf(callback) ?? -1;
      // copyWithin, not splice: splice returns a new array of what it removed, one per request.
      if (i >= 0) list!.copyWithin(i, i + 1).length--;
    };
  }

  /** The real-time cap of the attempt being sent: what is left of the deadline. */
  get timeoutMs(): number {
    return this.dueAt - this.clock.now();
  }

  interrupted(): HttpFailure | undefined {
    const reason = this.reason;
    if (reason === undefined) return undefined;
    if (reason instanceof DeadlineExceeded) return this.fail("timeout", this.describeTimeout(), this.url);
    if (reason instanceof CallerAborted) return this.fail("aborted", `aborted calling ${this.shownUrl}`, this.url);
    return undefined;
  }

  beginAttempt(): void {
    this.attempts++;
    this.attemptStarted = this.clock.now();
  }

  claimRetry(ms: number): boolean {
    if (this.retriesLeft <= 0 || this.clock.now() + ms >= this.dueAt) return false;
    this.retriesLeft--;
    return true;
  }

  sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.signal);
  }

  noteResponse(status: number): void {
    if (this.core.logging) this.log("debug", { attempt: this.attempts, status, ms: this.clock.now() - this.attemptStarted }, `${this.method} ${this.shownUrl} → ${status}`);
  }

  noteFailure(err: Error): void {
    if (!this.core.logging) return;
    if (err instanceof TokenError) return this.log("warn", { attempt: this.attempts }, err.message);
    const te = err instanceof TransportError ? err : toTransportError(err);
    if (te.code === "UND_ERR_HEADERS_TIMEOUT" || te.code === "UND_ERR_BODY_TIMEOUT") return;
    this.log("warn", { attempt: this.attempts, code: te.code, ms: this.clock.now() - this.attemptStarted }, `${te.message} calling ${this.shownUrl}`);
  }

  private log(level: "debug" | "warn", fields: object, msg: string): void {
    if (this.core.logging) this.core.logger[level]({ activity: this.spec.activity, connector: this.connector?.name, method: this.method, url: this.shownUrl, ...fields }, msg);
  }

  /**
   * The headers to send: the connector's, then the activity's (a name given again in any case
   * replaces the earlier one), then the body's Content-Type when none was given. A record and one
   * pass, not a Map of pairs and a closure per request: most requests carry two or three headers.
   */
  private headers(url: string, hasBody: boolean): Record<string, string> {
    const { connector, spec } = this;
    const out: Record<string, string> = {};
    const fromConnector = connector?.headers;
    if (fromConnector) for (const name in fromConnector) putHeader(out, name, fromConnector[name]!);
    for (const name in spec.headers) {
      const value = spec.headers[name]!;
      const n = name.trim();
      if (n === "" || RESERVED_HEADERS.has(n.toLowerCase())) continue;
      if (!HEADER_NAME.test(n)) throw this.fail("config", `invalid header name ${JSON.stringify(n)}`, url);
      if (LINE_BREAK.test(value)) throw this.fail("config", `header ${n} contains a line break`, url);
      putHeader(out, n, value);
    }
    const contentType = headerNamed(out, "content-type");
    if (!hasBody) {
      if (contentType !== undefined) delete out[contentType];
    } else if (contentType === undefined) {
      const ct = normalizeContentType(spec.contentType);
      if (ct) out["Content-Type"] = ct;
    }
    return out;
  }

  /** What a failed exchange means for the activity. */
  private failure(err: unknown): HttpFailure {
    const stop = this.interrupted();
    if (stop) return stop;
    if (err instanceof HttpFailure) return err;
    if (err instanceof TokenError) return this.fail("token", err.message, this.url);
    const te = err instanceof TransportError ? err : toTransportError(err);
    if (te.code === "UND_ERR_HEADERS_TIMEOUT" || te.code === "UND_ERR_BODY_TIMEOUT") return this.fail("timeout", this.describeTimeout(), this.url);
    return this.fail("network", `${te.message} calling ${this.shownUrl}`, this.url);
  }

  // --- the end of the chain (ResponseCollector) ---

  protected finished(): void {
    this.disposeDeadline();
  }

  protected succeeded(res: TransportResponse): void {
    this.resolve!({
      status: res.status,
      // The response is the server's data, passed on as is: our secrets are never sent in a
      // form a server would echo, and redacting a short password from data would corrupt it.
      headers: res.headers,
      body: res.body,
      url: this.shownUrl,
      ms: this.elapsed(),
      attempts: this.attempts,
      connectorName: this.connector?.name,
    });
  }

  protected failed(err: unknown): void {
    this.reject!(this.failure(err));
  }

  perform(target: TargetUrl): Promise<HttpResult> {
    const { spec, connector, core } = this;
    const url = target.url;
    this.url = url;
    this.requestUrl = target.sent;
    this.shownUrl = target.shown;
    const method = (this.method = normalizeMethod(spec.method));
    if (!METHODS.has(method)) return Promise.reject(this.fail("config", `unsupported HTTP method ${JSON.stringify(spec.method)}`, url));

    const hasBody = spec.body !== undefined && spec.body !== "" && method !== "GET" && method !== "HEAD";
    let sendHeaders: Record<string, string>;
    try {
      sendHeaders = this.headers(url, hasBody);
    } catch (err) {
      return Promise.reject(err);
    }
    const result = settledBy(this);
    try {
      this.startDeadline(Math.max(0, spec.timeoutMs), spec.signal);
      // The caller was gone before the request left.
      if (this.reason) {
        this.abortExchange();
        return result;
      }
      const dispatcher = (connector && core.dispatchers.get(connector.id)) || core.plain;
      const options: ConnectorDispatchOptions = { origin: target.origin, path: target.path, method: method as Dispatcher.HttpMethod, headers: sendHeaders, body: hasBody ? spec.body : undefined, exchange: this };
      dispatcher.dispatch(options, this);
    } catch (err) {
      this.onResponseError(undefined, toTransportError(err));
    }
    return result;
  }

  /** Takes the promise's settling functions (settledBy). */
  settleWith(resolve: (result: HttpResult) => void, reject: (err: unknown) => void): void {
    this.resolve = resolve;
    this.reject = reject;
  }
}

/**
 * The promise `run` settles: one executor shared by all requests (a closure per request over the
 * request's state cost as much as the rest of `perform`'s allocations).
 */
let opening: RequestRun | undefined;
function takeSettlers(resolve: (result: HttpResult) => void, reject: (err: unknown) => void): void {
  opening!.settleWith(resolve, reject);
}
function settledBy(run: RequestRun): Promise<HttpResult> {
  opening = run;
  try {
    return new Promise<HttpResult>(takeSettlers);
  } finally {
    opening = undefined;
  }
}

/** A connector's authentication as an interceptor, or undefined for one without. */
function authInterceptor(connector: ConnectorConfig, cache: TokenCache | undefined): Dispatcher.DispatcherComposeInterceptor | undefined {
  if (cache) return bearerAuth(cache);
  if (connector.type === "basic") return basicAuth(connector.username ?? "", connector.password ?? "");
  return undefined;
}

/** `get` → `GET`; a method already in its normal form (what an HTTP Request's compiled step sends) is used as it is. */
function normalizeMethod(raw: string): string {
  return METHODS.has(raw) ? raw : raw.trim().toUpperCase();
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

  function buildUrl(spec: HttpRequestSpec, connector: ConnectorConfig | undefined): string {
    const url = connector ? joinUrl(connector.resourceDomain, spec.target) : spec.target.trim();
    return appendQuery(encodeIllegalUrlCharacters(url), spec.query, spec.queryEncoding);
  }

  /** What goes on the wire: the WHATWG serialisation undici sends (it encodes `'` in queries). */
  function wireUrl(raw: string): string | undefined {
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
      return parsed.href;
    } catch {
      return undefined;
    }
  }

  function execute(spec: HttpRequestSpec, execClock: Clock): Promise<HttpResult> {
    const connector = spec.connectorId !== undefined ? lookup(spec.connectorId) : undefined;
    const run = new RequestRun(core, spec, execClock, connector);
    if (spec.connectorId !== undefined && !connector) {
      return Promise.reject(run.fail("config", `connector ${spec.connectorId} is not defined in the environment`, spec.target));
    }
    // The request's memo (kept by its sender) holds the URL built for the last target: the same
    // few URLs come back call after call.
    const memo = spec.query.length === 0 ? spec.urlMemo : undefined;
    const connectorId = connector?.id;
    if (memo && memo.owner === core && memo.target === spec.target && memo.connectorId === connectorId && memo.url !== undefined && memo.sent !== undefined) {
      if (memo.version !== redactor.version) {
        memo.shown = redactor.redact(memo.url);
        memo.version = redactor.version;
      }
      // A filled memo has every field of a TargetUrl: passed as it is, not copied per request
      // (perform reads it before its first await, so another call refilling the memo cannot change it).
      return run.perform(memo as TargetUrl);
    }
    const raw = buildUrl(spec, connector);
    const url = wireUrl(raw);
    if (url === undefined) return Promise.reject(run.fail("config", `not a valid http(s) URL: ${JSON.stringify(raw.slice(0, 300))}`, raw));
    const shown = redactor.redact(url);
    const { origin, path } = splitUrl(url);
    const sent = `${origin}${path}`;
    if (memo) {
      memo.owner = core;
      memo.target = spec.target;
      memo.connectorId = connectorId;
      memo.url = url;
      memo.origin = origin;
      memo.path = path;
      memo.sent = sent;
      memo.shown = shown;
      memo.version = redactor.version;
    }
    return run.perform({ url, origin, path, sent, shown, version: redactor.version });
  }

  const base = dispatcherOf(transport);
  const retry = retryInterceptor({ backoff, retryAfter: (value) => parseRetryAfter(value, Date.now()) });
  const dispatchers = new Map<string, Dispatcher>();
  for (const c of options.connectors) dispatchers.set(c.id, base.compose([authInterceptor(c, caches.get(c.id)), retry].filter((i) => i !== undefined)));
  // One queue per clock the gateway's requests run on (a runtime has one; tests may use several).
  const queues = new WeakMap<Clock, DueQueue>();
  let lastClock: Clock | undefined;
  let lastQueue: DueQueue | undefined;
  const deadlinesOn = (on: Clock): DueQueue => {
    if (on === lastClock) return lastQueue!;
    let queue = queues.get(on);
    if (!queue) queues.set(on, (queue = new DueQueue(on)));
    lastClock = on;
    lastQueue = queue;
    return queue;
  };
  const core: GatewayCore = { redactor, logger, logging, dispatchers, plain: base.compose(retry), deadlinesOn };

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
