/**
 * The embedded CRM as the server mounts it: its routes on each of the server's listeners (token
 * service, Web API, record pages), its development app's credentials for the runtime's
 * connectors, and its CA-signed certificate for the HTTPS listener.
 */
import type { FastifyInstance } from "fastify";
import { apiHostVariants } from "../crm/config.js";
import { createCrm, registerCrmRoutes, resolveCredentials } from "../crm/index.js";
import { loggerFor, type HostLog } from "../crm/log-bridge.js";
import { certificateHostnames, ensureTls } from "../crm/tls/certs.js";
import { RedisFailureGuard } from "../util/redis-failure-guard.js";
import type { CrmCredentials } from "./context.js";

export interface EmbeddedCrmParts {
  register(app: FastifyInstance): Promise<void>;
  credentials: CrmCredentials;
  /** What the server's own connectors sign in with: a client only this process knows, never throttled. */
  connectorCredentials: CrmCredentials;
  /** True when the credentials are the public development defaults (safe to print). */
  developmentCredentials: boolean;
  tls?: { key: string; cert: string; caPath: string };
  addPublicBaseUrl(url: string): void;
  close(): Promise<void>;
}

export async function startEmbeddedCrm(options: { dataDir: string; postgresUrl?: string; orgUrls: string[]; env?: NodeJS.ProcessEnv; https: boolean; log?: HostLog; redisUrl?: string }): Promise<EmbeddedCrmParts> {
  const env = options.env ?? process.env;
  const crm = await createCrm({ dataDir: options.dataDir, orgUrls: options.orgUrls, env, ...(options.log ? { logger: loggerFor(options.log) } : {}), ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}) });
  try {
    // A cluster node counts failed client secrets in Redis with the other nodes (util/redis-failure-guard.ts).
    if (options.redisUrl) crm.secretGuard = await RedisFailureGuard.connect(options.redisUrl, "crm-client-secret", () => crm.protection.current.secretFailuresPerMinute, (m) => options.log?.("warn", m));
    const credentials = resolveCredentials(env);
    const tls = options.https ? ensureTls(options.dataDir, certificateHostnames(options.orgUrls.flatMap((u) => apiHostVariants(u)))) : undefined;
    return {
      async register(app) {
        registerCrmRoutes(app, crm);
      },
      credentials: { tenantId: credentials.tenantId, clientId: credentials.clientId, clientSecret: credentials.clientSecret },
      connectorCredentials: { tenantId: credentials.tenantId, ...crm.connectorClient() },
      developmentCredentials: !credentials.overridden,
      ...(tls ? { tls: { key: tls.keyPem, cert: tls.certPem, caPath: tls.caPath } } : {}),
      addPublicBaseUrl: (url) => crm.addPublicBaseUrl(url),
      close: async () => {
        await crm.secretGuard.close?.();
        await crm.close();
      },
    };
  } catch (err) {
    await crm.secretGuard.close?.();
    await crm.close();
    throw err;
  }
}
