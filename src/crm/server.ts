/**
 * A standalone CRM service: one Crm shared by an HTTP and an HTTPS fastify instance (the latter with
 * the certificate from the service's own CA). Used by tests, by `ccflow call` in-process, and by
 * benchmarks in their own process.
 */
import http from "node:http";
import https from "node:https";
import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { apiHostVariants, type CrmLimits } from "./config.js";
import { createCrm, type Crm } from "./crm.js";
import { PageSessions } from "./pages/page-sessions.js";
import { PAGE_SESSION_MS, registerPageSignIn } from "./pages/sign-in.js";
import { createPeopleSignIn, peopleSignInFromEnv, type PeopleSignInConfig } from "./pages/people-sign-in.js";
import { registerCrmRoutes } from "./routes.js";
import { certificateHostnames, ensureTls } from "./tls/certs.js";

export interface CrmServerOptions {
  dataDir: string;
  /** HTTP port; 0 picks a free one. */
  port?: number;
  /** HTTPS port; 0 picks a free one. */
  httpsPort?: number;
  host?: string;
  orgUrls?: string[];
  limits?: Partial<CrmLimits>;
  logger?: Logger;
  demoData?: boolean;
  env?: NodeJS.ProcessEnv;
  tokenLifetimeSeconds?: number;
  /** False turns the phone substring index off for queries (only to measure the scan baseline). */
  substringIndex?: boolean;
  /** Keep the rows in this PostgreSQL database instead of the data directory's SQLite file. */
  postgresUrl?: string;
  /** People sign in to the record pages at this OpenID Connect provider (default: `CCFLOW_CRM_OIDC_*` from `env`; without it, apps sign in). */
  signIn?: PeopleSignInConfig;
}

export interface CrmServer {
  httpUrl: string;
  httpsUrl: string;
  caPath: string;
  crm: Crm;
  close(): Promise<void>;
}

/** Dataverse allows 32 KB URLs; Node's default header limit (16 KB) would cut them short. */
const MAX_HEADER_SIZE = 64 * 1024;

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  if (address && typeof address === "object") return address.port;
  throw new Error("CRM server did not report a port");
}

export async function startCrmServer(options: CrmServerOptions): Promise<CrmServer> {
  // A bad CCFLOW_CRM_OIDC_* setting stops the start before anything is opened.
  const signIn = options.signIn ?? peopleSignInFromEnv(options.env ?? process.env);
  const crm = await createCrm({
    dataDir: options.dataDir,
    ...(options.orgUrls ? { orgUrls: options.orgUrls } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.demoData !== undefined ? { demoData: options.demoData } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.tokenLifetimeSeconds ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
    ...(options.substringIndex === false ? { substringIndex: false } : {}),
    ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  const tlsNames = certificateHostnames((options.orgUrls ?? []).flatMap((u) => apiHostVariants(u)));
  const tls = ensureTls(options.dataDir, tlsNames);
  const common = { logger: false, routerOptions: { maxParamLength: 32 * 1024 }, forceCloseConnections: true } as const;
  const httpApp = Fastify({
    ...common,
    serverFactory: (handler) => http.createServer({ maxHeaderSize: MAX_HEADER_SIZE }, handler),
  });
  const httpsApp = Fastify({
    ...common,
    serverFactory: (handler) => https.createServer({ key: tls.keyPem, cert: tls.certPem, maxHeaderSize: MAX_HEADER_SIZE }, handler),
  });
  // On its own the CRM guards its record pages itself (inside `ccflow serve` the server does).
  const pageSessions = PageSessions.open(options.dataDir, PAGE_SESSION_MS, () => crm.now());
  const people = signIn ? createPeopleSignIn(signIn) : undefined;
  registerPageSignIn(httpApp, crm, pageSessions, people);
  registerPageSignIn(httpsApp, crm, pageSessions, people);
  registerCrmRoutes(httpApp, crm);
  registerCrmRoutes(httpsApp, crm);
  try {
    await httpApp.listen({ port: options.port ?? 8080, host });
    await httpsApp.listen({ port: options.httpsPort ?? 8443, host });
  } catch (err) {
    await Promise.allSettled([httpApp.close(), httpsApp.close()]);
    pageSessions.close();
    await crm.close();
    throw err;
  }
  const httpPort = portOf(httpApp);
  const httpsPort = portOf(httpsApp);
  const visibleHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  const httpUrl = `http://${visibleHost.includes(":") ? `[${visibleHost}]` : visibleHost}:${httpPort}`;
  const httpsUrl = `https://localhost:${httpsPort}`;
  for (const name of ["localhost", "127.0.0.1", visibleHost]) {
    crm.addPublicBaseUrl(`http://${name}:${httpPort}`);
    crm.addPublicBaseUrl(`https://${name}:${httpsPort}`);
  }
  for (const line of describeCrm(crm, { httpUrl, httpsUrl, caPath: tls.caPath })) crm.logger.info(line);
  let closed = false;
  return {
    httpUrl,
    httpsUrl,
    caPath: tls.caPath,
    crm,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([httpApp.close(), httpsApp.close()]);
      pageSessions.close();
      await crm.close();
    },
  };
}

/**
 * What a user needs to connect: URLs, the CA file, and the credentials. The client secret is shown
 * only when it is the public development default; a secret from the environment is never printed.
 */
export function describeCrm(crm: Crm, urls: { httpUrl: string; httpsUrl: string; caPath: string }): string[] {
  const secret = crm.config.credentialsOverridden ? "(from CCFLOW_CLIENT_SECRET, not shown)" : "ccflow-dev-secret-not-for-production (development default)";
  return [
    `CRM Web API: ${urls.httpUrl}/api/data/v9.2/ and ${urls.httpsUrl}/api/data/v9.2/`,
    `CRM token endpoint: ${urls.httpsUrl}/${crm.config.tenantId}/oauth2/v2.0/token (scope ${urls.httpsUrl}/.default)`,
    `CRM CA certificate (trust it with NODE_EXTRA_CA_CERTS): ${urls.caPath}`,
    `CRM tenant id ${crm.config.tenantId}, client id ${crm.config.clientId}, client secret ${secret}`,
  ];
}
