/**
 * Composition of the embedded CRM: the store (SQLite in the data directory by default, PostgreSQL
 * when a database URL is given), the token-signing key,
 * app registrations (the development app always present), service protection, fault injection,
 * and the URLs the service answers to. HTTP routes are mounted separately (routes.ts).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import pino, { type Logger } from "pino";
import { AppRegistry } from "./auth/apps.js";
import { loadSigningKeys, type SigningKeys } from "./auth/keys.js";
import { FailureGuard, type FailureCounter } from "../util/failure-guard.js";
import { TokenService } from "./auth/tokens.js";
import { apiHostVariants, DEFAULT_LIMITS, DEV_ORGANIZATION, normalizeResource, resolveCredentials, type CrmLimits } from "./config.js";
import { clearCrmData, ensureSystemUsers, loadDemoData, type DemoSummary } from "./demo-data.js";
import type { Schema } from "./schema/schema.js";
import { PostgresCrmStore } from "./store/postgres-store.js";
import { DUPLICATE_KEY, SqliteCrmStore } from "./store/sqlite-store.js";
import { ODataError } from "./odata/errors.js";
import type { CrmStore } from "./store/types.js";
import { FaultInjector } from "./web-api/faults.js";
import { ServiceProtection } from "./web-api/protection.js";

export interface CrmOptions {
  dataDir: string;
  /** Base URLs this service is reached at (e.g. `https://localhost:8443`); more can be added later. */
  publicBaseUrls?: string[];
  /** Dataverse org URLs this service stands in for (e.g. `https://org734cd33d.crm.dynamics.com`). */
  orgUrls?: string[];
  limits?: Partial<CrmLimits>;
  logger?: Logger;
  /** Load the demo data when the store is empty (default true). */
  demoData?: boolean;
  /** Environment for the credential overrides (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  tokenLifetimeSeconds?: number;
  /** False turns the phone substring index off for queries (only to measure the scan baseline). */
  substringIndex?: boolean;
  /**
   * `postgresql://…`: keep the rows in this PostgreSQL database instead of `crm.sqlite` in the data
   * directory (nodes of a cluster share it). Keys and certificates stay in the data directory.
   */
  postgresUrl?: string;
}

export interface CrmConfig {
  tenantId: string;
  clientId: string;
  /** True when the credentials come from CCFLOW_* variables rather than the documented defaults. */
  credentialsOverridden: boolean;
  organizationId: string;
  businessUnitId: string;
  applicationUserId: string;
  pageUserId: string;
  orgUrls: string[];
  publicBaseUrls: string[];
}

export interface Crm {
  readonly dataDir: string;
  /** Where the rows live: the SQLite file, or the PostgreSQL URL without its password. */
  readonly databaseFile: string;
  readonly store: CrmStore;
  readonly schema: Schema;
  readonly keys: SigningKeys;
  readonly apps: AppRegistry;
  readonly tokens: TokenService;
  readonly protection: ServiceProtection;
  readonly faults: FaultInjector;
  /** Failed client secrets per (client, address); a cluster node counts them in Redis (embedded-crm.ts). */
  secretGuard: FailureCounter;
  readonly config: CrmConfig;
  readonly logger: Logger;
  readonly now: () => number;
  /** Adds a URL the service is reachable at (its origin becomes an accepted token audience). */
  addPublicBaseUrl(url: string): void;
  /** Normalised origins accepted as token audience and scope resource; the request's own origin included. */
  acceptedResources(requestOrigin?: string): Set<string>;
  /**
   * Credentials for the host's own connectors: a client with a random 256-bit secret, acting as
   * the configured app's application user, kept in memory only. Failed-secret throttling never
   * applies to it (nobody can guess the secret, and nobody can lock the host's flows out).
   */
  connectorClient(): { clientId: string; clientSecret: string };
  close(): Promise<void>;
}

export async function createCrm(options: CrmOptions): Promise<Crm> {
  const logger = options.logger ?? pino({ level: "silent" });
  const now = options.now ?? Date.now;
  const credentials = resolveCredentials(options.env ?? process.env);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(options, now);
  const databaseFile = store.location;
  try {
    const keys = await loadSigningKeys(options.dataDir);
    const apps = await AppRegistry.load(store);
    await ensureSystemUsers(store, [{ id: DEV_ORGANIZATION.applicationUserId, appId: credentials.clientId, name: "ccflow development app" }]);
    await apps.ensure({
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      displayName: "ccflow development app",
      applicationUserId: DEV_ORGANIZATION.applicationUserId,
      roles: [],
    });
    if (options.demoData !== false && (await store.getMeta("demo_loaded")) === undefined) {
      const contacts = store.schema.table("contact");
      if ((await store.count(contacts, undefined, 1)) === 0) {
        try {
          const summary = await loadDemoData(store, DEV_ORGANIZATION.pageUserId);
          logger.info({ ...summary }, "CRM demo data loaded");
        } catch (err) {
          // Nodes sharing one PostgreSQL database may start at once: the demo rows have fixed ids,
          // so the node that loses the race finds them there (its own load was rolled back).
          if (!(err instanceof ODataError && err.code === DUPLICATE_KEY)) throw err;
          logger.info("CRM demo data already loaded by another node");
        }
      }
    }
    const limits: CrmLimits = { ...DEFAULT_LIMITS, ...options.limits };
    const protection = new ServiceProtection(limits, now);
    const baseUrls = new Set<string>();
    // Accepted audiences per request origin; keyed also by the number of base URLs, which only grows.
    const acceptedCache = new Map<string, Set<string>>();
    const config: CrmConfig = {
      tenantId: credentials.tenantId,
      clientId: credentials.clientId,
      credentialsOverridden: credentials.overridden,
      organizationId: DEV_ORGANIZATION.organizationId,
      businessUnitId: DEV_ORGANIZATION.businessUnitId,
      applicationUserId: DEV_ORGANIZATION.applicationUserId,
      pageUserId: DEV_ORGANIZATION.pageUserId,
      orgUrls: (options.orgUrls ?? []).map(normalizeResource),
      publicBaseUrls: [],
    };
    let connector: { clientId: string; clientSecret: string } | undefined;
    const crm: Crm = {
      dataDir: options.dataDir,
      databaseFile,
      store,
      schema: store.schema,
      keys,
      apps,
      tokens: new TokenService(keys, credentials.tenantId, now, options.tokenLifetimeSeconds),
      protection,
      faults: new FaultInjector(),
      secretGuard: new FailureGuard(() => protection.current.secretFailuresPerMinute, now),
      config,
      logger,
      now,
      connectorClient() {
        connector ??= { clientId: randomUUID(), clientSecret: randomBytes(32).toString("base64url") };
        const owner = apps.get(credentials.clientId)!;
        apps.registerInternal({ clientId: connector.clientId, displayName: "ccflow server connectors", applicationUserId: owner.applicationUserId, roles: [] }, connector.clientSecret);
        return { ...connector };
      },
      addPublicBaseUrl(url: string) {
        const normalized = normalizeResource(url);
        if (!baseUrls.has(normalized)) {
          baseUrls.add(normalized);
          config.publicBaseUrls.push(normalized);
        }
      },
      acceptedResources(requestOrigin?: string) {
        const key = `${config.publicBaseUrls.length}|${requestOrigin ?? ""}`;
        const cached = acceptedCache.get(key);
        if (cached) return cached;
        const accepted = new Set<string>();
        for (const url of [...config.publicBaseUrls, ...config.orgUrls, ...(requestOrigin ? [requestOrigin] : [])]) {
          for (const variant of apiHostVariants(url)) accepted.add(variant);
        }
        if (acceptedCache.size > 64) acceptedCache.clear();
        acceptedCache.set(key, accepted);
        return accepted;
      },
      close() {
        return store.close();
      },
    };
    for (const url of options.publicBaseUrls ?? []) crm.addPublicBaseUrl(url);
    return crm;
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function openStore(options: CrmOptions, now: () => number): Promise<CrmStore> {
  if (options.postgresUrl) return PostgresCrmStore.open({ url: options.postgresUrl, now, substringIndex: options.substringIndex !== false });
  const file = path.join(options.dataDir, "crm.sqlite");
  // Records and app registrations are nobody else's business: the file (and SQLite's -wal and
  // -shm files, which take its mode) is readable by its owner only, however it was created.
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  return new SqliteCrmStore({ file, now, substringIndex: options.substringIndex !== false });
}

/**
 * Empties the CRM tables and loads the demo data again (`ccflow crm seed`). App registrations and
 * keys stay; their application users are recreated.
 */
export async function reloadDemoData(crm: Crm): Promise<DemoSummary> {
  await clearCrmData(crm.store);
  await ensureSystemUsers(
    crm.store,
    crm.apps.list().map((app) => ({ id: app.applicationUserId, appId: app.clientId, name: app.displayName })),
  );
  return await loadDemoData(crm.store, crm.config.pageUserId);
}
