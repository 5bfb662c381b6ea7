/**
 * Reads scenario files: YAML, one scenario per document (`---` separates several in one file).
 * Every problem names the file, the line and the field (`seed/known.scenario.yaml:12:5:
 * expect.queued.priority: must be at most 10`), all at once, before anything runs.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, isMap, isNode, isScalar, parseAllDocuments, type Document } from "yaml";
import type { z } from "zod";
import { scenarioSchema, type Scenario } from "./schema.js";

export interface LoadedScenario {
  scenario: Scenario;
  file: string;
  /** 0-based index of the YAML document in the file. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
}

export interface ScenarioProblem {
  file: string;
  line?: number;
  column?: number;
  /** Field path (`expect.queued.priority`). */
  field?: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ""}` : p.file;
  return `${where}: ${p.field ? `${p.field}: ` : ""}${p.message}`;
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** Position of the deepest node of `path` that exists in the document. */
function locate(doc: Document, path: ReadonlyArray<PropertyKey>, counter: LineCounter): { line: number; col: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      // For a missing key, point at the map that should hold it.
      return counter.linePos(node.range[0]);
    }
  }
  return undefined;
}

/** Position of a key of the map at `path` (for unknown fields: point at the field itself). */
function locateKey(doc: Document, path: ReadonlyArray<PropertyKey>, key: string, counter: LineCounter): { line: number; col: number } | undefined {
  const map = doc.getIn(path as unknown[], true);
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key && pair.key.range) return counter.linePos(pair.key.range[0]);
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type" && value === undefined) return "is required";
  if (issue.code === "invalid_union") {
    // Every branch failed at this very spot: say what would have been accepted.
    const firsts = issue.errors.map((b) => b[0]).filter((i): i is z.core.$ZodIssue => i !== undefined);
    const telling = firsts.find((i) => i.code !== "invalid_type");
    if (telling) return describeIssue(telling, value);
    const expected = [...new Set(firsts.map((i) => (i.code === "invalid_type" ? String(i.expected) : "")).filter(Boolean))];
    const found = value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a map" : `${typeof value} ${JSON.stringify(value)}`;
    return `must be ${expected.map((e) => (e === "object" ? "a map" : e === "array" ? "a list" : e)).join(" or ")}, not ${found}`;
  }
  return issue.message;
}

/**
 * A union's message is vague; when one branch got past the type check (its problems lie deeper),
 * those problems are the ones the author needs, at their own paths.
 */
function expandUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== "invalid_union") {
      out.push(issue);
      continue;
    }
    const deeper = issue.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
    if (deeper.length > 0) {
      const best = deeper.reduce((a, b) => (Math.min(...b.map((i) => i.path.length)) > Math.min(...a.map((i) => i.path.length)) ? b : a));
      out.push(...expandUnions(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue)));
    } else out.push(issue);
  }
  return out;
}

function getAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Parses scenario text; problems are returned, never thrown. */
export function parseScenarioText(text: string, file: string): { scenarios: LoadedScenario[]; problems: ScenarioProblem[] } {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const scenarios: LoadedScenario[] = [];
  const problems: ScenarioProblem[] = [];
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    // An empty stream parses to a lone EmptyStream value.
    problems.push({ file, message: "the file holds no scenario" });
    return { scenarios, problems };
  }
  list.forEach((doc, index) => {
    const start = doc.contents?.range ? counter.linePos(doc.contents.range[0]).line : 1;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? counter.linePos(e.pos[0]);
        problems.push({ file, line: pos.line, column: pos.col, message: `not valid YAML: ${e.message.split("\n")[0]}` });
      }
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) {
      // A trailing `---` leaves an empty document; ignore it unless it is the only one.
      if (list.length === 1) problems.push({ file, message: "the file holds no scenario" });
      return;
    }
    const parsed = scenarioSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of expandUnions(parsed.error.issues)) {
        const pos = (issue.code === "unrecognized_keys" ? locateKey(doc, issue.path, issue.keys[0]!, counter) : undefined) ?? locate(doc, issue.path, counter);
        problems.push({
          file,
          line: pos?.line,
          column: pos?.col,
          field: issue.path.length ? fieldPath(issue.path) : undefined,
          message: describeIssue(issue, getAt(value, issue.path)),
        });
      }
      return;
    }
    scenarios.push({ scenario: parsed.data, file, index, line: start });
  });
  if (list.length === 0) problems.push({ file, message: "the file holds no scenario" });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { scenarios, problems };
}

export async function loadScenarioFile(file: string): Promise<{ scenarios: LoadedScenario[]; problems: ScenarioProblem[] }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { scenarios: [], problems: [{ file, message: `cannot read it: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message}` }] };
  }
  return parseScenarioText(text, file);
}
