/** The environment's `flows:` list (subflows and GoTo targets), read from disk. */
import { resolve } from "node:path";
import type { FlowDefinition } from "../flow/types.js";
import { readFlowFile } from "../flow/read-file.js";
import type { Environment } from "./schema.js";

/**
 * Reads the listed flows relative to the environment file. A file that cannot be read or has no
 * flow is a problem naming it; validation problems inside a subflow are left to `ccflow validate`
 * (the flow still loads, as Webex's would).
 */
export async function readLibrary(environment: Environment): Promise<{ flows: FlowDefinition[]; problems: string[] }> {
  const flows: FlowDefinition[] = [];
  const problems: string[] = [];
  for (const entry of environment.flows) {
    const file = resolve(environment.baseDir, entry);
    const read = await readFlowFile(file);
    if (read.flow) flows.push(read.flow);
    else problems.push(`${environment.file ?? "environment"}: flows: ${entry}: ${read.diagnostics.find((d) => d.severity === "error")?.message ?? "no flow in it"}`);
  }
  return { flows, problems };
}
