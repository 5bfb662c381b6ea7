/**
 * What the gateway's interceptors know of the request they carry: one activity's exchange, its
 * deadline, its retry budget and its log. The gateway makes one per `execute` and hands it down in
 * the dispatch options (`opts.exchange`), the way undici's own interceptors take theirs
 * (`opts.retryOptions`).
 */
import type { Dispatcher } from "undici";
import type { Exchange, ExchangeDispatchOptions } from "../transport.js";

export interface ConnectorExchange extends Exchange {
  /** Attempts so far; `beginAttempt` counts one (a token fetch that fails is an attempt too). */
  readonly attempts: number;
  beginAttempt(): void;
  /** Why the exchange must stop now (its deadline passed, the caller hung up), or undefined. */
  interrupted(): Error | undefined;
  /** Takes one retry that waits `ms`, if one is left and the wait fits in the deadline. */
  claimRetry(ms: number): boolean;
  /** Waits `ms` on the exchange's clock; rejects when the deadline passes or the caller hangs up. */
  sleep(ms: number): Promise<void>;
  /** One fresh token per exchange after a 401, however many attempts it makes. */
  tokenRefreshed: boolean;
  /** Notes an attempt's response (for the log). */
  noteResponse(status: number): void;
  /** Notes an attempt's failure below HTTP or at the token endpoint (for the log). */
  noteFailure(err: Error): void;
  /**
   * True when the dispatch options' `headers` is a record made for this exchange alone: an
   * interceptor may set a header in it (auth does, before each attempt) rather than copy it.
   */
  readonly ownHeaders: boolean;
}

export interface ConnectorDispatchOptions extends ExchangeDispatchOptions {
  exchange: ConnectorExchange;
}

/** The gateway's exchange, when the dispatch carries one (a bare dispatch through the chain carries none). */
export function connectorExchange(opts: Dispatcher.DispatchOptions): ConnectorExchange | undefined {
  const exchange = (opts as Partial<ConnectorDispatchOptions>).exchange;
  return exchange && "claimRetry" in exchange ? exchange : undefined;
}

/**
 * The controller an interceptor hands downstream for the whole exchange, while each attempt has
 * its own below: an abort reaches the attempt in flight, or the next one if it comes between two.
 */
export class RelayController implements Dispatcher.DispatchController {
  private current: Dispatcher.DispatchController | undefined;
  private abortReason: Error | null = null;

  set target(controller: Dispatcher.DispatchController | undefined) {
    this.current = controller;
    if (controller && this.abortReason) controller.abort(this.abortReason);
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }

  get paused(): boolean {
    return this.current?.paused ?? false;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.current?.abort(reason);
  }

  pause(): void {
    this.current?.pause();
  }

  resume(): void {
    this.current?.resume();
  }
}
