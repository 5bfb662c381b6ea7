/** Reads a flow export from disk, turning I/O failures into diagnostics like any other problem. */
import { readFile } from "node:fs/promises";
import { parseFlowText } from "./load.js";
import type { ReadResult } from "./read-export.js";

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
