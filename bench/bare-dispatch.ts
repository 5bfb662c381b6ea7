/**
 * The baselines' HTTP client: one GET on an undici dispatcher at the handler level
 * (`dispatch` with `onResponseStart`/`onResponseData`/`onResponseEnd`), the API level ccflow's
 * transport uses, the body collected and decoded as UTF-8 text. Timing undici's `request()`
 * instead would charge the baseline for a response stream and promise chain ccflow does not pay
 * for, and flatter ccflow's ratio.
 */
import type { Dispatcher } from "undici";

export interface BareResponse {
  status: number;
  body: string;
}

class TextHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly resolve: (r: BareResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {}

  // undici 7 takes a handler without onRequestStart for one written to the deprecated API and refuses it
  // ("invalid onConnect method"): e2e failed with that until this was added.
  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.resolve({ status: this.status, body: (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)).toString("utf8") });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.reject(err);
  }
}

export function bareGet(dispatcher: Dispatcher, url: URL, headers: Record<string, string>): Promise<BareResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: "GET", headers }, new TextHandler(resolve, reject));
  });
}
