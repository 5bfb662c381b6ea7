/**
 * JSON.parse for large request bodies on a worker thread. Parsing is one synchronous call: a
 * 30 MB body held the event loop for 0.5–1 s (decode, the depth scan and the parse), and every
 * other request and call waited (BENCHMARKS.md §13). Small bodies are parsed in place (a worker
 * round trip costs more than they do); from LARGE_BODY bytes on, the bytes go to one shared
 * worker, which decodes, scans and parses them, and only a value of bounded size comes back.
 *
 * Before parsing, one linear scan refuses nesting deeper than `maxDepth`, more than `maxValues`
 * values (numbers, strings, literals, arrays and objects) and any string longer than `maxString`:
 * bringing a parsed value back to this thread costs time in proportion to its values and
 * characters, so those bound it.
 *
 * No library parses JSON incrementally with these bounds and returns plain values (stream-json
 * and the like yield tokens that would be assembled here again, on the loop). The worker's code is
 * a string evaluated as its body so that it runs the same from the TypeScript sources (tests) and
 * from dist/ without a separate file to locate.
 */
import { Worker } from "node:worker_threads";

/** Bodies of this many bytes or more are parsed off the event loop. */
export const LARGE_BODY = 256 * 1024;

export interface JsonBounds {
  maxDepth: number;
  maxValues: number;
  /** Characters of one string as written in the body (escapes included). */
  maxString: number;
}

export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; reason: "depth"; at: number }
  | { ok: false; reason: "values"; at: number }
  | { ok: false; reason: "string"; at: number }
  | { ok: false; reason: "syntax"; message: string };

/**
 * The scan, shared by both paths (also serialised into the worker's source, so it may use
 * nothing from outside its own body).
 */
function scanJson(text: string, maxDepth: number, maxValues: number, maxString: number): { reason: "depth" | "values" | "string"; at: number } | null {
  let depth = 0;
  let values = 0;
  let inString = false;
  let inScalar = false;
  let stringStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      if (i - stringStart > maxString) return { reason: "string", at: stringStart };
      continue;
    }
    // A value starts at a quote, a bracket, or the first character of a number or literal.
    const scalarChar = (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    if (scalarChar) {
      if (!inScalar && ++values > maxValues) return { reason: "values", at: i };
      inScalar = true;
      continue;
    }
    inScalar = false;
    if (c === 34) {
      inString = true;
      stringStart = i;
      if (++values > maxValues) return { reason: "values", at: i };
    } else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return { reason: "depth", at: i };
      if (++values > maxValues) return { reason: "values", at: i };
    } else if (c === 93 || c === 125) depth--;
  }
  return null;
}

function parseHere(text: string, bounds: JsonBounds): JsonParseResult {
  const refused = scanJson(text, bounds.maxDepth, bounds.maxValues, bounds.maxString);
  if (refused) return { ok: false, ...refused };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: "syntax", message: err instanceof Error ? err.message : String(err) };
  }
}

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const scanJson = ${scanJson.toString()};
parentPort.on("message", ({ id, bytes, maxDepth, maxValues, maxString }) => {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const refused = scanJson(text, maxDepth, maxValues, maxString);
  if (refused) return parentPort.postMessage({ id, result: { ok: false, ...refused } });
  try {
    parentPort.postMessage({ id, result: { ok: true, value: JSON.parse(text) } });
  } catch (err) {
    parentPort.postMessage({ id, result: { ok: false, reason: "syntax", message: err && err.message ? err.message : String(err) } });
  }
});
`;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (r: JsonParseResult) => void; reject: (e: Error) => void }>();

function sharedWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  w.on("message", ({ id, result }: { id: number; result: JsonParseResult }) => {
    const p = pending.get(id);
    pending.delete(id);
    p?.resolve(result);
  });
  const fail = (err: Error) => {
    if (worker === w) worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on("error", fail);
  w.on("exit", (code) => fail(new Error(`the JSON worker stopped (exit code ${code})`)));
  worker = w;
  return w;
}

/**
 * Parses `body` (UTF-8) within `bounds`: in place when small, on the shared worker when large.
 * Resolves with the value or the reason it was refused; rejects only if the worker itself fails.
 */
export async function parseJsonBounded(body: Buffer | string, bounds: JsonBounds): Promise<JsonParseResult> {
  const size = typeof body === "string" ? body.length : body.byteLength;
  if (size < LARGE_BODY) return parseHere(typeof body === "string" ? body : body.toString("utf8"), bounds);
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const id = nextId++;
  const w = sharedWorker();
  return new Promise<JsonParseResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, bytes, ...bounds });
  });
}
