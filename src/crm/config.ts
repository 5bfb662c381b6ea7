/**
 * Configuration of the embedded CRM, including the fixed, documented development credentials.
 * Like Azurite's well-known storage account, they are public on purpose so anyone can point a
 * client at a local CRM without setup; override them with CCFLOW_TENANT_ID, CCFLOW_CLIENT_ID and
 * CCFLOW_CLIENT_SECRET for anything shared.
 */
export const DEV_CREDENTIALS = {
  tenantId: "cc0f1000-0000-4000-8000-000000000001",
  clientId: "cc0f1000-0000-4000-8000-0000000000c1",
  clientSecret: "ccflow-dev-secret-not-for-production",
} as const;

/** Fixed identities of the development organisation (WhoAmI). */
export const DEV_ORGANIZATION = {
  organizationId: "cc0f1000-0000-4000-8000-00000000000a",
  businessUnitId: "cc0f1000-0000-4000-8000-00000000000b",
  /** The application user the development app registration maps to. */
  applicationUserId: "cc0f1000-0000-4000-8000-0000000000a1",
  /** The user record pages act as (the "logged-in" agent in a screen pop). */
  pageUserId: "cc0f1000-0000-4000-8000-0000000000a2",
} as const;

export interface Credentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface CrmLimits {
  /** Requests per user per window (Dataverse: 6000 per 300 s). */
  requestsPerWindow: number;
  windowSeconds: number;
  /** Combined execution time per user per window in ms (Dataverse: 1,200,000). */
  executionTimeMs: number;
  /** Concurrent requests per user (Dataverse: 52). */
  maxConcurrent: number;
  /** Failed client-secret attempts per client id and per address per minute before 429. */
  secretFailuresPerMinute: number;
}

export const DEFAULT_LIMITS: CrmLimits = {
  requestsPerWindow: 6000,
  windowSeconds: 300,
  executionTimeMs: 1_200_000,
  maxConcurrent: 52,
  secretFailuresPerMinute: 10,
};

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The credentials in effect: the environment's overrides, else the development defaults. */
export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): Credentials & { overridden: boolean } {
  const tenantId = env.CCFLOW_TENANT_ID?.trim() || DEV_CREDENTIALS.tenantId;
  const clientId = env.CCFLOW_CLIENT_ID?.trim() || DEV_CREDENTIALS.clientId;
  const clientSecret = env.CCFLOW_CLIENT_SECRET || DEV_CREDENTIALS.clientSecret;
  if (!GUID.test(tenantId)) throw new Error(`CCFLOW_TENANT_ID must be a GUID, got '${tenantId}'`);
  if (!GUID.test(clientId)) throw new Error(`CCFLOW_CLIENT_ID must be a GUID, got '${clientId}'`);
  const overridden = tenantId !== DEV_CREDENTIALS.tenantId || clientId !== DEV_CREDENTIALS.clientId || clientSecret !== DEV_CREDENTIALS.clientSecret;
  return { tenantId: tenantId.toLowerCase(), clientId: clientId.toLowerCase(), clientSecret, overridden };
}

/** The data directory: `--data`, else CCFLOW_DATA, else `.data` in the current directory. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.CCFLOW_DATA?.trim() || `${cwd}/.data`;
}

/** An origin without trailing slash, lower-cased, for comparing audiences and resources. */
export function normalizeResource(url: string): string {
  return url.trim().replace(/\/+$/, "").toLowerCase();
}

/** `https://org.crm.dynamics.com` ⇄ `https://org.api.crm.dynamics.com`: Dataverse accepts a token for either host on both. */
export function apiHostVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [normalizeResource(url)];
  }
  const origin = `${parsed.protocol}//${parsed.host}`.toLowerCase();
  const variants = new Set([origin]);
  const labels = parsed.hostname.split(".");
  if (labels.length >= 3 && !/^\d+$/.test(labels[labels.length - 1]!)) {
    const port = parsed.port ? `:${parsed.port}` : "";
    if (labels[1] === "api") variants.add(`${parsed.protocol}//${[labels[0], ...labels.slice(2)].join(".")}${port}`.toLowerCase());
    else variants.add(`${parsed.protocol}//${[labels[0], "api", ...labels.slice(1)].join(".")}${port}`.toLowerCase());
  }
  return [...variants];
}
