/** Reads a flow export from disk, turning I/O failures into diagnostics like any other problem. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Environment } from "../environment/schema.js";
import type { FlowDefinition } from "../flow/types.js";
import { parseFlowText } from "../flow/load.js";
import type { ReadResult } from "../flow/read-export.js";

export async function readFlowFile(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    return { diagnostics: [{ severity: "error", code: "unreadable", message: `Cannot read ${file}: ${why}`, path: "$" }] };
  }
  return parseFlowText(text, file);
}

/**
 * The environment's `flows:` list (subflows and GoTo targets), read relative to the environment
 * file. A file that cannot be read or has no flow is a problem naming it; validation problems
 * inside a subflow are left to `ccflow validate` (the flow still loads, as Webex's would).
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
