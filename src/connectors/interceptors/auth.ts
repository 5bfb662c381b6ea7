/**
 * A connector's authentication, as undici interceptors composed over the transport's dispatcher
 * (inside the retry, so each attempt asks for a usable token):
 *
 * - `bearerAuth(cache)`: OAuth 2.0 client credentials. Sends `Authorization: Bearer` with the
 *   cache's token, waiting for one (within the exchange's deadline) when none is cached. A 401 on
 *   a token drops that token and tries once more with a fresh one; a second 401 is the answer.
 * - `basicAuth(user, password)`: `Authorization: Basic` on every request.
 *
 * Either replaces an `Authorization` header the flow set. undici ships no auth interceptor: its
 * interceptors cover retry, redirect, cache, DNS and decompression.
 */
import type { Dispatcher } from "undici";
import { type TokenCache, TokenError } from "../token-cache.js";
import { toTransportError } from "../transport.js";
import { type ConnectorExchange, connectorExchange, RelayController } from "./exchange.js";

/** The request's headers with `value` as its one Authorization header, whatever its case was. */
function withAuthorization(headers: Dispatcher.DispatchOptions["headers"], value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const given = (headers ?? {}) as Record<string, string>;
  for (const name in given) if (name.toLowerCase() !== "authorization") out[name] = given[name]!;
  out.Authorization = value;
  return out;
}

/**
 * The options to send with `value` as the one Authorization header. The gateway's exchange owns
 * its headers record (a new one per request, see ConnectorExchange.ownHeaders): the header is set
 * in it, not in a copy of the options and the headers; any other dispatch gets a copy, its own
 * options left as they were.
 */
function authorized(opts: Dispatcher.DispatchOptions, exchange: ConnectorExchange | undefined, value: string): Dispatcher.DispatchOptions {
  if (exchange?.ownHeaders !== true) return { ...opts, headers: withAuthorization(opts.headers, value) };
  const headers = opts.headers as Record<string, string>;
  for (const name in headers) if (name !== "Authorization" && name.length === 13 && name.toLowerCase() === "authorization") delete headers[name];
  headers.Authorization = value;
  return opts;
}

export function basicAuth(username: string, password: string): Dispatcher.DispatcherComposeInterceptor {
  const value = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  return (dispatch) =>
    function basic(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      return dispatch(authorized(opts, connectorExchange(opts), value), handler);
    };
}

export function bearerAuth(cache: TokenCache): Dispatcher.DispatcherComposeInterceptor {
  const header = new BearerHeader();
  return (dispatch) =>
    function bearer(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      new BearerExchange(dispatch, opts, handler, cache, connectorExchange(opts), header).start();
      return true;
    };
}

/** `Bearer <token>` for the connector's current token, made once per token rather than per request. */
class BearerHeader {
  private token: string | undefined;
  private value = "";

  of(token: string): string {
    if (token !== this.token) {
      this.token = token;
      this.value = `Bearer ${token}`;
    }
    return this.value;
  }
}

/** One request with a bearer token: the token, the request, and the one retry after a 401. */
class BearerExchange implements Dispatcher.DispatchHandler {
  private token = "";
  /** The 401 being dropped before the retry with a fresh token. */
  private refusing = false;
  private refreshedHere = false;
  private idle: RelayController | undefined;

  constructor(
    private readonly dispatch: Dispatcher["dispatch"],
    private readonly opts: Dispatcher.DispatchOptions,
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly cache: TokenCache,
    private readonly exchange: ConnectorExchange | undefined,
    private readonly header: BearerHeader,
  ) {}

  start(): void {
    const cached = this.cache.peek();
    if (cached !== undefined) return this.send(cached);
    this.cache.get(this.exchange?.signal).then(
      (token) => this.send(token),
      (err: unknown) => this.fail(err),
    );
  }

  /** A controller for errors before any request is on its way. */
  private get noRequest(): RelayController {
    return (this.idle ??= new RelayController());
  }

  private fail(err: unknown): void {
    const stop = this.exchange?.interrupted();
    const error = stop ?? (err instanceof TokenError ? err : new TokenError(String((err as Error)?.message ?? err), true));
    this.handler.onResponseError?.(this.noRequest, error);
  }

  private send(token: string): void {
    // The token wait may have used up the deadline.
    const stop = this.exchange?.interrupted();
    if (stop) return this.handler.onResponseError?.(this.noRequest, stop);
    this.token = token;
    try {
      this.dispatch(authorized(this.opts, this.exchange, this.header.of(token)), this);
    } catch (err) {
      this.handler.onResponseError?.(this.noRequest, toTransportError(err));
    }
  }

  private get refreshed(): boolean {
    return this.exchange ? this.exchange.tokenRefreshed : this.refreshedHere;
  }

  private set refreshed(value: boolean) {
    if (this.exchange) this.exchange.tokenRefreshed = value;
    else this.refreshedHere = value;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode === 401 && !this.refreshed) {
      this.refreshed = true;
      this.refusing = true;
      this.cache.invalidate(this.token);
      this.exchange?.noteResponse(statusCode);
      return;
    }
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.refusing) this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    if (!this.refusing) return this.handler.onResponseEnd?.(controller, trailers);
    this.refusing = false;
    const stop = this.exchange?.interrupted();
    if (stop) return this.handler.onResponseError?.(controller, stop);
    this.exchange?.beginAttempt();
    this.start();
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error): void {
    this.refusing = false;
    this.handler.onResponseError?.(controller, err);
  }
}
