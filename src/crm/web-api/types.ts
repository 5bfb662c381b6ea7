/**
 * The Web API core works on plain request/response values so the same code serves HTTP requests
 * and the operations inside a $batch; a changeset's operations run with `store` set to the
 * handle of their transaction.
 */
import type { Schema } from "../schema/schema.js";
import type { CrmStore } from "../store/types.js";

export interface ApiRequest {
  method: string;
  /** Path below the service root, still percent-encoded, without a leading '/' (e.g. `contacts(…)/fullname`). */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body?: Buffer | string | undefined;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface Caller {
  /** The systemuser the token maps to. */
  userId: string;
  /** The app (client id) that obtained the token, when known. */
  appId?: string | undefined;
}

export interface OrganizationInfo {
  organizationId: string;
  businessUnitId: string;
}

export interface ApiContext {
  store: CrmStore;
  schema: Schema;
  /** Absolute service root ending in '/', e.g. `https://localhost:8443/api/data/v9.2/`. */
  serviceRoot: string;
  caller: Caller;
  organization: OrganizationInfo;
  now: () => number;
  /** Inside a $batch changeset: Content-ID → URL of the row that request created or addressed. */
  contentIds?: Map<string, string>;
}

export const JSON_CONTENT_TYPE = "application/json; odata.metadata=minimal";
export const MAX_PAGE_SIZE = 5000;
