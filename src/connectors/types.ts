/**
 * The contract between the http-request-v2 activity and the connector layer that performs the
 * request (auth, deadline, retries, connection pools).
 */
import type { Clock } from "../time/clock.js";

export interface HttpRequestSpec {
  /** Activity name, for messages. */
  activity: string;
  /** `connectorId` when the activity is authenticated; the connector supplies base URL and auth. */
  connectorId?: string;
  /** Rendered and escaped path (authenticated) or full URL (not authenticated). */
  target: string;
  /** Rendered query parameters (raw values; the executor encodes them per `queryEncoding`). */
  query: Array<[string, string]>;
  /**
   * How the executor encodes query parameter keys and values: `strict` (default) percent-encodes
   * every character but RFC 3986's unreserved ones; `as-rendered` keeps an existing `%XX` and
   * encodes only what a query value cannot hold as data (see escaping.ts encodeQueryComponent).
   */
  queryEncoding?: "strict" | "as-rendered";
  method: string;
  /** Rendered headers. */
  headers: Record<string, string>;
  body?: string;
  /** `httpContentType` as exported (`Application/JSON`); sent only with a body. */
  contentType?: string;
  /** One deadline for the whole activity: token fetch, attempts and backoff included. */
  timeoutMs: number;
  /** Additional attempts after the first. */
  retryAttempts: number;
  /** Aborted when the contact hangs up mid-request. */
  signal?: AbortSignal;
  /**
   * Where the gateway may keep the URL it built for this request's target (escaping, WHATWG
   * parse, redaction cost more than the rest of a fixture request), for the next request with the
   * same target: held by whoever sends the same request again (an HTTP Request's compiled step),
   * so it goes when that does. One slot, for requests without query parameters.
   */
  urlMemo?: UrlMemo;
}

/** See HttpRequestSpec.urlMemo; written only by the gateway. */
export interface UrlMemo {
  /** The gateway that built it (a memo is never read by another gateway). */
  owner?: object;
  connectorId?: string;
  target?: string;
  url?: string;
  /** `url` as undici's origin and path, and the two joined (what a fixture sees). */
  origin?: string;
  path?: string;
  sent?: string;
  shown?: string;
  /** The redactor's version when `shown` was made: redone after it learns a new secret. */
  version?: number;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Final URL as sent (never contains a secret). */
  url: string;
  ms: number;
  attempts: number;
  connectorName?: string;
}

export type HttpFailureKind = "timeout" | "network" | "token" | "config" | "aborted";

/** A request that produced no HTTP response: an activity error (→ OnGlobalError unless wired). */
export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
    readonly url: string,
    readonly ms: number,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "HttpFailure";
  }
}

export interface HttpGateway {
  /** Resolves with any HTTP status (4xx/5xx included); rejects with HttpFailure otherwise. */
  execute(spec: HttpRequestSpec, clock: Clock): Promise<HttpResult>;
  /** Describes a connector by id for traces (`MSD_IVR_Connector → https://...`), or undefined. */
  describe(connectorId: string): { name: string; baseUrl?: string } | undefined;
}
