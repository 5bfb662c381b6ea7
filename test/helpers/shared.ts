/**
 * Where the third-party test data lives: `../shared` beside the checkout. Tests read it from
 * there (it is never copied into the repository) and skip with a notice when it is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = resolve(repoRoot, "../shared");
export const hasShared = existsSync(resolve(sharedDir, "seed/MSD_HTTP_Connector_Flow.json"));

if (!hasShared) {
  process.stderr.write(`notice: ${sharedDir} is absent; tests that read the shared flows and Postman collection are skipped\n`);
}

export const seedFlowPath = resolve(sharedDir, "seed/MSD_HTTP_Connector_Flow.json");
export const sharedFlowPaths = ["AnalyzerLab_Flow.json", "MainFlow_template.json", "Salesforce_HTTP_Connector_Flow.json", "ServiceNow_HTTP_Connector.json", "WaitTreatment_subflow.json", "Zendesk_HTTP_Connector.json"].map((f) =>
  resolve(sharedDir, "flows", f),
);
export const postmanCollectionPath = resolve(sharedDir, "seed/Dynamics CRM - Sample REST APIs.postman_collection.json");

export function readShared(path: string): string {
  return readFileSync(path, "utf8");
}
