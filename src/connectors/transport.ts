/**
 * How a request leaves the process. The gateway and the token cache speak to a Transport; the
 * default one is undici over keep-alive pools, and a fixture transport routes requests to an
 * in-process handler (for `ccflow test` and unit tests) without any socket.
 *
 * Every transport is also an undici Dispatcher (`dispatcherOf`): the gateway composes its auth
 * and retry interceptors over it (`connectors/interceptors/`). The undici transport's dispatcher
 * is its keep-alive Agents; any other transport (fixtures, a test's stub) is adapted by
 * `SendDispatcher`, which plays its answer to the handler as undici would.
 *
 * The undici transport marks its work with `clock.track` so a VirtualClock does not jump ahead
 * while a real socket is in flight. The fixture transport does not: its handler waits on the
 * clock itself (`clock.sleep(...)`), which a VirtualClock must be free to advance.
 */
import { Agent, Dispatcher } from "undici";
import { SystemClock, type Clock } from "../time/clock.js";

export interface TransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborted at the activity's deadline or when the contact hangs up (may be created on access). */
  readonly signal: AbortSignal;
  /**
   * The same abort as a plain callback, when the caller offers it: cheaper than the signal, which
   * is then made only if a fixture asks for it. Calls `callback` once on abort; returns the remover.
   */
  onAbort?(callback: () => void): () => void;
  /** Real-time cap in ms for this exchange (the remaining deadline), for socket-level timeouts. */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) to trust for this request. */
  ca?: string;
  /** Connector the request belongs to, for fixtures and logs. */
  connectorId?: string;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Transport {
  send(req: TransportRequest, clock: Clock): Promise<TransportResponse>;
  /**
   * The dispatcher under this transport, taking `ExchangeDispatchOptions`; interceptors compose
   * over it. A transport without one is adapted (`dispatcherOf`).
   */
  readonly dispatcher?: Dispatcher;
  close?(): Promise<void>;
}

/**
 * What a transport's dispatcher needs to know of an exchange beyond undici's dispatch options:
 * the clock it runs on, its abort, its real-time cap and its CA. Carried as `opts.exchange`.
 */
export interface Exchange extends Pick<TransportRequest, "signal" | "onAbort" | "timeoutMs" | "ca" | "connectorId"> {
  readonly clock: Clock;
  /** The dispatch's `origin` and `path` as one string, when the caller keeps it made (a dispatcher that needs it whole then does not join them per request). */
  readonly requestUrl?: string;
}

export interface ExchangeDispatchOptions extends Dispatcher.DispatchOptions {
  exchange: Exchange;
  headers: Record<string, string>;
  body?: string;
}

/** A failure below HTTP: the request got no response. */
export class TransportError extends Error {
  constructor(
    /** `ECONNRESET`, `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`, `TIMEOUT`, `TOO_LARGE`... */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

const DESCRIPTIONS: Record<string, string> = {
  ECONNRESET: "connection reset by the server",
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed while sending",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
  UND_ERR_CONNECT_TIMEOUT: "connect timeout",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "response body stalled",
  CERT_HAS_EXPIRED: "TLS certificate expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS certificate chain is not trusted (use the connector's caFile)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate cannot be verified (use the connector's caFile)",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host name",
};

/** Turns whatever a socket library threw into a TransportError with a readable message. */
export function toTransportError(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : "ENETWORK";
  const description = DESCRIPTIONS[code] ?? (typeof e?.message === "string" && e.message ? e.message : "network error");
  return new TransportError(code, code === "ENETWORK" || description.includes(code) ? description : `${description} (${code})`);
}

/** A network error for fixtures to throw: `throw networkError("ECONNRESET")`. */
export function networkError(code = "ECONNRESET"): TransportError {
  const description = DESCRIPTIONS[code] ?? "network error";
  return new TransportError(code, `${description} (${code})`);
}

const utf8 = new TextDecoder("utf-8");
const EMPTY = Buffer.alloc(0);

function decoderFor(contentType: string | undefined): TextDecoder {
  // Most answers name no charset: no capture, no match object for them.
  if (contentType === undefined || !/charset/i.test(contentType)) return utf8;
  const charset = /charset="?([^";\s]+)/i.exec(contentType)?.[1];
  if (!charset || /^utf-?8$/i.test(charset)) return utf8;
  try {
    return new TextDecoder(charset);
  } catch {
    return utf8;
  }
}

/**
 * Watches a request's abort: through its plain callback when it offers one (the cheapest: no
 * EventTarget is touched), else through its AbortSignal. Returns the remover. Both transports
 * watch the abort this one way.
 */
export function watchAbort(req: Pick<TransportRequest, "signal" | "onAbort">, callback: () => void): () => void {
  if (req.onAbort) return req.onAbort(callback);
  const signal = req.signal;
  if (signal.aborted) {
    callback();
    return () => undefined;
  }
  signal.addEventListener("abort", callback, { once: true });
  return () => signal.removeEventListener("abort", callback);
}

/**
 * The end of every handler chain: collects one exchange's response. Written against undici's
 * controller API (`onRequestStart` … `onResponseError`): the controller is the one way to stop
 * the exchange, whether the abort comes before the request is on a socket or while the body
 * streams in. Headers come out lower-cased, repeated ones joined with `, `; the body is decoded by
 * its charset (UTF-8 without one). It fails with whatever error the chain hands it (the
 * transports hand TransportErrors; the interceptors may hand a TokenError or the deadline's).
 * What is done with the outcome is the subclass's: ExchangeHandler settles a promise, and the
 * gateway's request (which is its own exchange and handler) its activity's result.
 */
export abstract class ResponseCollector implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private abortReason: TransportError | undefined = undefined;
  private responseStatus = 0;
  private responseHeaders: Record<string, string> | undefined = undefined;
  /** The body: its one chunk (a fixture's answer, most small bodies), or the chunks in order. */
  private chunk: Buffer | undefined = undefined;
  private chunks: Buffer[] | undefined = undefined;
  private settled = false;

  /** Whether the exchange already ended (an abort before dispatch ends it at once). */
  get done(): boolean {
    return this.settled;
  }

  /** The exchange's abort: stops it through its controller, and ends it as a failure. */
  protected abortExchange(): void {
    this.abortReason = new TransportError("ABORTED", "request aborted");
    this.controller?.abort(this.abortReason);
    this.endWith(this.abortReason);
  }

  /** Called once, as the exchange ends either way, before `succeeded` or `failed`. */
  protected abstract finished(): void;
  protected abstract succeeded(res: TransportResponse): void;
  protected abstract failed(err: unknown): void;

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again for each attempt (a retry, a request retried on a fresh socket): the newest controller wins.
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    this.responseStatus = statusCode;
    // A dispatcher hands each response a headers record of its own (undici parses one per
    // response; the fixture and send-only dispatchers make one): one already in the form kept
    // is kept as it is, not copied.
    this.responseHeaders = isHeaderRecord(headers) ? headers : headersOf(headers);
    // A retry after a hang-up mid-body starts the response over.
    this.chunk = undefined;
    this.chunks = undefined;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks) this.chunks.push(chunk);
    else if (this.chunk) this.chunks = [this.chunk, chunk];
    else this.chunk = chunk;
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.finished();
    const headers = this.responseHeaders ?? {};
    const bytes = this.chunks ? Buffer.concat(this.chunks) : (this.chunk ?? EMPTY);
    let body: string;
    try {
      body = decoderFor(headers["content-type"]).decode(bytes);
    } catch (err) {
      return this.failed(toTransportError(err));
    }
    this.succeeded({ status: this.responseStatus, headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.endWith(err);
  }

  private endWith(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.finished();
    this.failed(err);
  }
}

/** A ResponseCollector settling a promise (exchangeOver). */
class ExchangeHandler extends ResponseCollector {
  // An abort that already happened fires during watchAbort, before its remover is assigned.
  private unwatch: (() => void) | undefined;

  constructor(
    exchange: Pick<Exchange, "signal" | "onAbort">,
    private readonly resolve: (res: TransportResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    super();
    this.unwatch = watchAbort(exchange, () => this.abortExchange());
  }

  protected finished(): void {
    this.unwatch?.();
  }

  protected succeeded(res: TransportResponse): void {
    this.resolve(res);
  }

  protected failed(err: unknown): void {
    this.reject(err);
  }
}

/** One exchange through `dispatcher`, its response collected (see ExchangeHandler). */
export function exchangeOver(dispatcher: Dispatcher, opts: ExchangeDispatchOptions): Promise<TransportResponse> {
  return new Promise<TransportResponse>((resolve, reject) => {
    const handler = new ExchangeHandler(opts.exchange, resolve, reject);
    if (handler.done) return;
    try {
      dispatcher.dispatch(opts, handler);
    } catch (err) {
      handler.onResponseError(undefined, toTransportError(err));
    }
  });
}

/** A request's URL as undici's origin and path; a URL that does not parse is a TransportError. */
export function splitUrl(url: string): { origin: string; path: string } {
  let target: URL;
  try {
    target = new URL(url);
  } catch (err) {
    throw toTransportError(err);
  }
  return { origin: target.origin, path: `${target.pathname}${target.search}` };
}

/** A TransportRequest as dispatch options. */
function optionsOf(req: TransportRequest, clock: Clock): ExchangeDispatchOptions {
  const { origin, path } = splitUrl(req.url);
  const exchange: Exchange = {
    clock,
    get signal() {
      return req.signal;
    },
    onAbort: req.onAbort ? (cb) => req.onAbort!(cb) : undefined,
    timeoutMs: req.timeoutMs,
    ca: req.ca,
    connectorId: req.connectorId,
  };
  return { origin, path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body, exchange };
}

/** Whether `parsed` is already what headersOf makes of it: names lower-cased, each value one string, no `__proto__`. */
function isHeaderRecord(parsed: Record<string, string | string[] | undefined>): parsed is Record<string, string> {
  for (const name in parsed) {
    if (typeof parsed[name] !== "string" || name === "__proto__" || name.toLowerCase() !== name) return false;
  }
  return true;
}

/**
 * undici's parsed headers as one object of strings: names lower-cased (undici already does), a
 * repeated header's values joined with `, `, and `__proto__` kept as data.
 */
function headersOf(parsed: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawName in parsed) {
    const v = parsed[rawName];
    if (v === undefined) continue;
    const name = rawName.toLowerCase();
    const value = Array.isArray(v) ? v.join(", ") : v;
    if (Object.hasOwn(out, name)) out[name] = `${out[name]}, ${value}`;
    else if (name === "__proto__") Object.defineProperty(out, name, { value, enumerable: true, configurable: true, writable: true });
    else out[name] = value;
  }
  return out;
}

export interface UndiciTransportOptions {
  /** Largest response body read, in bytes (default 10 MiB). */
  maxResponseBytes?: number;
  /** Sockets per origin (default 64). */
  connections?: number;
  /** Idle keep-alive time in ms (default 30 s). */
  keepAliveTimeoutMs?: number;
}

/**
 * Between undici's Agent and the handler chain, one per exchange: turns what undici reports into
 * a TransportError (an oversized body into `TOO_LARGE`), so every layer above sees one kind of
 * network failure, and marks the exchange as real-world work on a VirtualClock, which must not
 * jump ahead while a socket is in flight (only the socket: a retry's backoff waits on that clock).
 */
class SocketHandler implements Dispatcher.DispatchHandler {
  private finish: (() => void) | undefined;

  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly maxBytes: number,
    clock: Clock,
  ) {
    if (!(clock instanceof SystemClock)) void clock.track(new Promise<void>((done) => (this.finish = done)));
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.finish?.();
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error): void {
    this.finish?.();
    // The Agent's maxResponseSize stops an oversized body while it streams in.
    const e = (err as { code?: string })?.code === "UND_ERR_RES_EXCEEDED_MAX_SIZE" ? new TransportError("TOO_LARGE", `response body larger than ${this.maxBytes} bytes`) : toTransportError(err);
    this.handler.onResponseError?.(controller, e);
  }
}

/** undici's keep-alive Agents, one per CA set, as one Dispatcher taking ExchangeDispatchOptions. */
class AgentsByCa extends Dispatcher {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly options: UndiciTransportOptions & { maxResponseBytes: number }) {
    super();
  }

  private agentFor(ca: string | undefined): Agent {
    const key = ca ?? "";
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        maxResponseSize: this.options.maxResponseBytes,
        connections: this.options.connections ?? 64,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 30_000,
        keepAliveMaxTimeout: 600_000,
        ...(ca ? { connect: { ca } } : {}),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const exchange = (options as ExchangeDispatchOptions).exchange;
    const socketHandler = new SocketHandler(handler, this.options.maxResponseBytes, exchange.clock);
    // Socket-level timeouts only bound real time (a VirtualClock does not move while a socket is
    // in flight); the deadline proper is on the Clock.
    const cap = exchange.timeoutMs;
    const realCap = cap !== undefined ? Math.max(1, Math.ceil(cap)) : undefined;
    try {
      return this.agentFor(exchange.ca).dispatch({ ...options, headersTimeout: realCap, bodyTimeout: realCap }, socketHandler);
    } catch (err) {
      socketHandler.onResponseError(undefined as unknown as Dispatcher.DispatchController, err as Error);
      return false;
    }
  }

  override async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.close().catch(() => undefined)));
  }

  override async destroy(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.destroy().catch(() => undefined)));
  }
}

/** The default transport: undici with one keep-alive Agent (a Pool per origin) per CA set. */
export function createUndiciTransport(options: UndiciTransportOptions = {}): Transport {
  const dispatcher = new AgentsByCa({ ...options, maxResponseBytes: options.maxResponseBytes ?? 10 * 1024 * 1024 });
  return {
    dispatcher,
    send(req, clock) {
      let opts: ExchangeDispatchOptions;
      try {
        opts = optionsOf(req, clock);
      } catch (err) {
        return Promise.reject(err);
      }
      return exchangeOver(dispatcher, opts);
    },
    close: () => dispatcher.close(),
  };
}

/** The trailers and dispatch context a send-only transport hands on: none, one shared object. */
const NONE: Record<string, never> = Object.freeze({});

/**
 * One dispatch through a send-only transport: the request the transport sees and the controller
 * the handler holds, in one object (the engine benchmark makes two of these per call; a literal
 * with getters and closures per request cost several times the send itself).
 */
class SendExchange implements TransportRequest, Dispatcher.DispatchController {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly ca: string | undefined;
  readonly connectorId: string | undefined;
  private readonly exchange: Exchange;
  private abortReason: Error | null = null;
  private abortCallbacks: Array<() => void> | undefined;

  constructor(opts: ExchangeDispatchOptions) {
    const exchange = opts.exchange;
    this.exchange = exchange;
    this.url = `${opts.origin as string}${opts.path}`;
    this.method = opts.method;
    this.headers = opts.headers;
    this.body = opts.body;
    this.timeoutMs = exchange.timeoutMs;
    this.ca = exchange.ca;
    this.connectorId = exchange.connectorId;
  }

  get signal(): AbortSignal {
    return this.exchange.signal;
  }

  /** The exchange's own abort (its deadline), or the controller's, whichever comes first. */
  onAbort(callback: () => void): () => void {
    if (this.abortReason) {
      callback();
      return () => undefined;
    }
    (this.abortCallbacks ??= []).push(callback);
    const unwatch = watchAbort(this.exchange, callback);
    return () => {
      unwatch();
      const list = this.abortCallbacks;
      const i = list?.indexOf(callback) ?? -1;
      // copyWithin, not splice: splice returns a new array of what it removed, one per request.
      if (i >= 0) list!.copyWithin(i, i + 1).length--;
    };
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }

  get paused(): boolean {
    return false;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    const callbacks = this.abortCallbacks;
    this.abortCallbacks = undefined;
    if (callbacks) for (const f of callbacks) f();
  }

  pause(): void {}

  resume(): void {}

  run(transport: Pick<Transport, "send">, handler: Dispatcher.DispatchHandler): void {
    handler.onRequestStart?.(this, NONE);
    if (this.abortReason) return;
    transport.send(this, this.exchange.clock).then(
      (res) => {
        if (this.abortReason) return;
        // A copy: a send-only transport (a test's stub) may answer every request with one record.
        handler.onResponseStart?.(this, res.status, { ...res.headers }, "");
        if (res.body !== "") handler.onResponseData?.(this, Buffer.from(res.body, "utf8"));
        handler.onResponseEnd?.(this, NONE);
      },
      (err: unknown) => handler.onResponseError?.(this, err instanceof Error ? err : toTransportError(err)),
    );
  }
}

/**
 * Any Transport as a Dispatcher: each dispatch is one `send`, its answer played to the handler as
 * undici plays a response (start, one chunk, end), or its failure as a response error. The text
 * of an answer goes on as UTF-8. An abort through the controller stops the send.
 */
export class SendDispatcher extends Dispatcher {
  constructor(private readonly transport: Pick<Transport, "send" | "close">) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    new SendExchange(options as ExchangeDispatchOptions).run(this.transport, handler);
    return true;
  }

  override async close(): Promise<void> {
    await this.transport.close?.();
  }

  override async destroy(): Promise<void> {
    await this.transport.close?.();
  }
}

/** The dispatcher under a transport: its own, or the transport adapted. */
export function dispatcherOf(transport: Transport): Dispatcher {
  return transport.dispatcher ?? new SendDispatcher(transport);
}

// --- fixtures ---------------------------------------------------------------------------------

export interface FixtureRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connectorId?: string;
}

export interface FixtureResponse {
  status: number;
  headers?: Record<string, string>;
  /** Text, or a value sent as JSON (with `content-type: application/json` unless given). */
  body?: unknown;
}

/**
 * An in-process endpoint: answers a request, possibly after `tools.clock.sleep(ms, tools.signal)`,
 * or throws `networkError("ECONNRESET")` to act as a broken connection. A handler that sleeps
 * past the activity's deadline produces the timeout path.
 */
export type FixtureHandler = (req: FixtureRequest, tools: { clock: Clock; signal: AbortSignal }) => Promise<FixtureResponse> | FixtureResponse;

/** A canned answer as scenarios' `http:` entries and the environment's `http.routes` write it. */
export interface CannedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delaySeconds?: number;
  failure?: "timeout" | "reset" | "refused";
}

const NEVER_MS = 24 * 3600 * 1000;

/** Plays a canned answer on the call's clock: its delay, then its failure or its response. */
export async function playCannedAnswer(answer: CannedAnswer, tools: { clock: Clock; signal: AbortSignal }): Promise<FixtureResponse> {
  if (answer.delaySeconds) await tools.clock.sleep(answer.delaySeconds * 1000, tools.signal);
  switch (answer.failure) {
    case "timeout":
      await tools.clock.sleep(NEVER_MS, tools.signal);
      throw networkError("ETIMEDOUT");
    case "reset":
      throw networkError("ECONNRESET");
    case "refused":
      throw networkError("ECONNREFUSED");
  }
  return { status: answer.status ?? 200, headers: answer.headers, body: answer.body };
}

export function createFixtureTransport(handler: FixtureHandler): Transport {
  return {
    send(req, clock) {
      return new Promise<TransportResponse>((resolve, reject) => new FixtureExchange(handler, req, clock, resolve, reject).start());
    },
    dispatcher: new FixtureDispatcher(handler),
  };
}

const SETTLED = Promise.resolve();

/** The request a fixture handler sees: its own copy of the headers, which it may change. */
function fixtureRequestOf(req: Pick<TransportRequest, "url" | "method" | "headers" | "body" | "connectorId">): FixtureRequest {
  return { url: req.url, method: req.method, headers: { ...req.headers }, body: req.body, connectorId: req.connectorId };
}

/** A fixture's answer as a transport's response: header names lower-cased, a non-text body as JSON. */
function responseOf(res: FixtureResponse): TransportResponse {
  const headers: Record<string, string> = {};
  if (res.headers) for (const k in res.headers) headers[k.toLowerCase()] = res.headers[k]!;
  let body: string;
  if (res.body === undefined || res.body === null) body = "";
  else if (typeof res.body === "string") body = res.body;
  else {
    body = JSON.stringify(res.body);
    headers["content-type"] ??= "application/json";
  }
  return { status: res.status, headers, body };
}

/**
 * The fixture transport as a Dispatcher: each dispatch asks the handler and plays its answer to
 * the dispatch handler as undici plays a response (start, one chunk, end), or its failure as a
 * response error; an abort (the exchange's, or through the controller) as a response error too.
 * Without the promise and the two adapters a dispatch through `SendDispatcher` costs (the engine
 * benchmark makes two of these per call).
 */
class FixtureDispatcher extends Dispatcher {
  /** Dispatches whose handler runs in the next microtask, in order (see `later`). */
  private pending: FixtureDispatch[] = [];
  private scheduled = false;
  private readonly drain = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    // Dispatched while these run: they run here too, after them (still after their dispatch returned).
    for (let i = 0; i < pending.length; i++) pending[i]!.run();
    pending.length = 0;
  };

  constructor(private readonly handler: FixtureHandler) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    new FixtureDispatch(this.handler, options as ExchangeDispatchOptions, handler, this).start();
    return true;
  }

  /**
   * Runs `dispatch`'s fixture after this turn, as a request would answer. One microtask for every
   * dispatch of a turn rather than a closure, a reaction and a promise per dispatch (the engine
   * benchmark makes two per call).
   */
  later(dispatch: FixtureDispatch): void {
    this.pending.push(dispatch);
    if (this.scheduled) return;
    this.scheduled = true;
    SETTLED.then(this.drain);
  }

  override async close(): Promise<void> {}

  override async destroy(): Promise<void> {}
}

/**
 * One dispatch to a fixture handler: the request the handler sees (made when it runs), the
 * controller the dispatch handler holds, and the handler's tools (`clock`, and `signal`, the
 * exchange's, made only if the handler reads it), in one object.
 *
 * The controller is the one way to stop it: the chain above aborts it as undici's own
 * dispatchers are aborted (the gateway's request aborts its controller at the deadline or when
 * the caller hangs up), so it does not watch the exchange's abort besides. A fixture that waits
 * on `tools.signal` is woken by the exchange's abort itself.
 */
class FixtureDispatch implements Dispatcher.DispatchController {
  readonly clock: Clock;
  private readonly exchange: Exchange;
  private abortReason: Error | null = null;
  private settled = false;

  constructor(
    private readonly fixture: FixtureHandler,
    private readonly opts: ExchangeDispatchOptions,
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly dispatcher: FixtureDispatcher,
  ) {
    this.exchange = opts.exchange;
    this.clock = opts.exchange.clock;
  }

  get signal(): AbortSignal {
    return this.exchange.signal;
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }

  get paused(): boolean {
    return false;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.stopped(reason);
  }

  pause(): void {}

  resume(): void {}

  start(): void {
    this.handler.onRequestStart?.(this, NONE);
    if (this.abortReason) return;
    // The handler runs after dispatch returns, as a request would (see FixtureExchange.start).
    this.dispatcher.later(this);
  }

  /** Aborted through the controller: the dispatch handler hears it as an error, after this turn. */
  private stopped(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const err = reason instanceof Error ? reason : toTransportError(reason);
    SETTLED.then(() => this.handler.onResponseError?.(this, err));
  }

  run(): void {
    if (this.settled) return;
    const opts = this.opts;
    const exchange = this.exchange;
    const req = fixtureRequestOf({ url: exchange.requestUrl ?? `${opts.origin as string}${opts.path}`, method: opts.method, headers: opts.headers, body: opts.body, connectorId: exchange.connectorId });
    let out: Promise<FixtureResponse> | FixtureResponse;
    try {
      out = this.fixture(req, this);
    } catch (err) {
      return this.failed(err);
    }
    if (typeof (out as Promise<FixtureResponse>)?.then === "function") {
      (out as Promise<FixtureResponse>).then(
        (res) => this.answer(res),
        (err: unknown) => this.failed(err),
      );
    } else this.answer(out as FixtureResponse);
  }

  private failed(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const signal = this.exchange.signal;
    const reason = signal.aborted ? signal.reason : toTransportError(err);
    this.handler.onResponseError?.(this, reason instanceof Error ? reason : toTransportError(reason));
  }

  private answer(res: FixtureResponse): void {
    if (this.settled) return;
    let response: TransportResponse;
    try {
      response = responseOf(res);
    } catch (err) {
      return this.failed(err);
    }
    this.settled = true;
    const handler = this.handler;
    handler.onResponseStart?.(this, response.status, response.headers, "");
    if (response.body !== "") handler.onResponseData?.(this, Buffer.from(response.body, "utf8"));
    handler.onResponseEnd?.(this, NONE);
  }
}

/**
 * One request to a fixture handler. Its state lives in one object rather than in a handful of
 * closures per request: the engine benchmark makes two of these per call. It is also the
 * handler's tools (`clock`, `signal`): the request's AbortSignal is made only if the handler
 * reads it.
 */
class FixtureExchange {
  private settled = false;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly handler: FixtureHandler,
    private readonly req: TransportRequest,
    readonly clock: Clock,
    private readonly resolve: (res: TransportResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  get signal(): AbortSignal {
    return this.req.signal;
  }

  start(): void {
    const req = this.req;
    // The abort is watched through the request's plain callback when it offers one: its
    // AbortSignal is then created only if the handler asks for it (`tools.signal`).
    this.unwatch = watchAbort(req, () => this.aborted());
    if (this.settled) return;
    // The handler runs after send returns, as a request would (a then on a settled promise is
    // the cheap microtask: Node wraps queueMicrotask callbacks in an AsyncResource).
    SETTLED.then(() => this.run());
  }

  private aborted(): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(this.req.signal.reason);
  }

  private run(): void {
    const fixtureReq = fixtureRequestOf(this.req);
    let out: Promise<FixtureResponse> | FixtureResponse;
    try {
      out = this.handler(fixtureReq, this);
    } catch (err) {
      return this.failed(err);
    }
    if (typeof (out as Promise<FixtureResponse>)?.then === "function") {
      (out as Promise<FixtureResponse>).then(
        (res) => this.answer(res),
        (err: unknown) => this.failed(err),
      );
    } else this.answer(out as FixtureResponse);
  }

  private failed(err: unknown): void {
    this.unwatch?.();
    if (this.settled) return;
    this.settled = true;
    this.reject(this.req.signal.aborted ? this.req.signal.reason : toTransportError(err));
  }

  private answer(res: FixtureResponse): void {
    if (this.settled) return this.unwatch?.();
    let response: TransportResponse;
    try {
      response = responseOf(res);
    } catch (err) {
      return this.failed(err);
    }
    this.unwatch?.();
    this.settled = true;
    this.resolve(response);
  }
}
