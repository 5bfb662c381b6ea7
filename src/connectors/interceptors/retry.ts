/**
 * The connector's retry, as an undici interceptor composed over the transport's dispatcher:
 * another attempt after a failure below HTTP, a 5xx or a 429 (waiting `Retry-After` when the
 * server names a wait), while the activity's retry budget and deadline allow.
 *
 * Why not undici's `interceptors.retry` (RetryHandler): its waits are real timers, while an
 * activity's backoff runs on the flow's Clock (tests and `ccflow call` run it in virtual time) and
 * must fit in the activity's one deadline; and after a hang-up mid-body it resumes the body with
 * a `Range` request, where a flow's retried POST must be sent again whole. The decisions (what
 * is worth another try, how long to wait) are this module's; waiting, counting and logging are
 * the exchange's (`ConnectorExchange`).
 */
import type { Dispatcher } from "undici";
import { TokenError } from "../token-cache.js";
import { toTransportError, TransportError } from "../transport.js";
import { type ConnectorExchange, connectorExchange, RelayController } from "./exchange.js";

export interface RetryPolicy {
  /** The wait before retry n (1-based) when the server names none. */
  backoff(retry: number): number;
  /** A `Retry-After` header as ms to wait, or undefined. */
  retryAfter(value: string | undefined): number | undefined;
}

/** Failures that another attempt cannot mend: a body over the limit, a server that stalled past the real-time cap. */
const FINAL_CODES = new Set(["TOO_LARGE", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ABORTED"]);

function worthRetrying(err: Error): boolean {
  if (err instanceof TokenError) return err.transient;
  const te = err instanceof TransportError ? err : toTransportError(err);
  return !FINAL_CODES.has(te.code);
}

export function retryInterceptor(policy: RetryPolicy): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) =>
    function retry(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const exchange = connectorExchange(opts);
      if (!exchange) return dispatch(opts, handler);
      new RetryingExchange(dispatch, opts, handler, exchange, policy).attempt();
      return true;
    };
}

/**
 * One exchange and its attempts. Downstream sees one request: one start, one response or one
 * error, and one controller for the whole exchange — this object, relaying to each attempt's
 * (one object per request, not two).
 */
class RetryingExchange extends RelayController implements Dispatcher.DispatchHandler {
  private started = false;
  private retryNo = 0;
  /** The wait before the next attempt, while this attempt's response is being dropped. */
  private held: number | undefined;

  constructor(
    private readonly dispatch: Dispatcher["dispatch"],
    private readonly opts: Dispatcher.DispatchOptions,
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly exchange: ConnectorExchange,
    private readonly policy: RetryPolicy,
  ) {
    super();
  }

  attempt(): void {
    const stop = this.exchange.interrupted();
    if (stop) return this.handler.onResponseError?.(this, stop);
    this.exchange.beginAttempt();
    this.held = undefined;
    try {
      this.dispatch(this.opts, this);
    } catch (err) {
      this.onResponseError(undefined, toTransportError(err));
    }
  }

  private retryAfterWait(ms: number): void {
    this.target = undefined;
    this.exchange.sleep(ms).then(
      () => this.attempt(),
      (err: unknown) => this.handler.onResponseError?.(this, this.exchange.interrupted() ?? toTransportError(err)),
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.target = controller;
    if (this.started) return;
    this.started = true;
    this.handler.onRequestStart?.(this, context);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    const exchange = this.exchange;
    exchange.noteResponse(statusCode);
    if (statusCode >= 500) {
      const wait = this.policy.backoff(++this.retryNo);
      if (exchange.claimRetry(wait)) return void (this.held = wait);
    }
    if (statusCode === 429) {
      const header = headers["retry-after"];
      const wait = this.policy.retryAfter(Array.isArray(header) ? header[0] : header) ?? this.policy.backoff(++this.retryNo);
      if (exchange.claimRetry(wait)) return void (this.held = wait);
    }
    this.handler.onResponseStart?.(this, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.held === undefined) this.handler.onResponseData?.(this, chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    const wait = this.held;
    if (wait !== undefined) return this.retryAfterWait(wait);
    this.handler.onResponseEnd?.(this, trailers);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.held = undefined;
    const exchange = this.exchange;
    const stop = exchange.interrupted();
    if (stop) return this.handler.onResponseError?.(this, stop);
    exchange.noteFailure(err);
    if (worthRetrying(err)) {
      const wait = this.policy.backoff(++this.retryNo);
      if (exchange.claimRetry(wait)) return this.retryAfterWait(wait);
    }
    this.handler.onResponseError?.(this, err);
  }
}
