/**
 * Where the package's own files are (web UI, examples) whether ccflow runs from source (tests)
 * or from dist/ (`npm start`): the nearest directory up from here holding ccflow's package.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    const pkg = resolve(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "ccflow") return dir;
      } catch {
        // Not ours (or unreadable): keep climbing.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, "../..");
    dir = parent;
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const webRoot = resolve(packageRoot, "web");
export const defaultEnvironmentFile = resolve(packageRoot, "examples/environment.yaml");
export const exampleFlowFile = resolve(packageRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
/** The seed flow beside the checkout (never copied into the repository). */
export const seedFlowFile = resolve(packageRoot, "../shared/seed/MSD_HTTP_Connector_Flow.json");

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(packageRoot, "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
