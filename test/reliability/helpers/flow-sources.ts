/**
 * The flows the reliability suite feeds on: our example flow (always there) and, when ../shared is
 * present, the seed and the shared exports, read from there and never copied.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { hasShared, repoRoot, seedFlowPath, sharedFlowPaths } from "../../helpers/shared.js";

export const EXAMPLE_FLOW = path.resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");

export interface SourceFlow {
  name: string;
  file: string;
  text: string;
  raw: unknown;
}

export function sourceFlows(): SourceFlow[] {
  const files = [EXAMPLE_FLOW, ...(hasShared ? [seedFlowPath, ...sharedFlowPaths] : [])].filter((f) => existsSync(f));
  return files.map((file) => {
    const text = readFileSync(file, "utf8");
    return { name: path.basename(file), file, text, raw: JSON.parse(text) as unknown };
  });
}

export { hasShared };
