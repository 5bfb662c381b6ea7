/**
 * From bytes to a FlowDefinition: JSON parsing with a line/column for syntax errors, then the
 * tolerant export reader. Pure: the caller does the file I/O.
 */
import { readExport, type ReadResult } from "./read-export.js";
import type { Diagnostic } from "./types.js";

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

export function parseFlowText(text: string, file?: string): ReadResult {
  let raw: unknown;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === "") {
    return { diagnostics: [jsonError("The file is empty; a flow export is a JSON object", "$")] };
  }
  try {
    raw = JSON.parse(body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(message);
    let where = "";
    if (m) {
      const { line, column } = lineColumn(body, Number(m[1]));
      where = ` at line ${line}, column ${column}`;
    }
    // V8's message quotes a slice of the input; keep only the part that says what is wrong.
    const what = message.replace(/, ".*" is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "").replace(/\s*\(line \d+ column \d+\)$/, "");
    return { diagnostics: [jsonError(`Not valid JSON${where}: ${what}`, "$")] };
  }
  return readExport(raw, file);
}

function jsonError(message: string, path: string): Diagnostic {
  return { severity: "error", code: "not-json", message, path };
}
