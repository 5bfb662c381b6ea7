/**
 * Starts the embedded Dynamics-compatible CRM in this process on free loopback ports (for
 * `ccflow call`, flow tests and benchmarks) and describes it as a connector binding whose
 * credentials are made for this run, so nothing the process does uses the public development secret.
 */
import { startCrmServer, type CrmServer } from "../crm/index.js";
import { ALL_TABLES } from "../crm/schema/tables.js";
import type { EmbeddedCrmBinding } from "./runtime.js";

export interface EmbeddedCrm {
  server: CrmServer;
  binding: EmbeddedCrmBinding;
  close(): Promise<void>;
}

export async function startEmbeddedCrm(options: { dataDir: string; orgUrls?: string[]; port?: number; httpsPort?: number }): Promise<EmbeddedCrm> {
  const server = await startCrmServer({ dataDir: options.dataDir, port: options.port ?? 0, httpsPort: options.httpsPort ?? 0, orgUrls: options.orgUrls });
  // A client made for this run (random 256-bit secret, in memory only), not the public development app.
  const client = server.crm.connectorClient();
  return {
    server,
    binding: { baseUrl: server.httpUrl, tenantId: server.crm.config.tenantId, clientId: client.clientId, clientSecret: client.clientSecret, entitySets: ALL_TABLES.map((t) => t.entitySet) },
    close: () => server.close(),
  };
}
