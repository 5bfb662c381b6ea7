/**
 * Reads an environment file (YAML or JSON) and reports problems with the section and entry they
 * are in, never a stack trace.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { BindingCheck } from "../flow/validate.js";
import { environmentSchema, type Environment } from "./schema.js";

export type EnvironmentResult = { ok: true; environment: Environment } | { ok: false; error: string };

export function formatZodIssues(issues: z.core.$ZodIssue[], where: string): string {
  return issues
    .map((i) => {
      const path = i.path.length ? i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") : "(top level)";
      return `${where}: ${path}: ${i.message}`;
    })
    .join("\n");
}

export function parseEnvironment(text: string, file = "environment"): EnvironmentResult {
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return { ok: false, error: `${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}` };
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: formatZodIssues(parsed.error.issues, file) };
  return { ok: true, environment: { ...parsed.data, baseDir: dirname(resolve(file)), file } };
}

export async function loadEnvironmentFile(file: string): Promise<EnvironmentResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: `cannot read environment file ${file}: ${code === "ENOENT" ? "no such file" : (err as Error).message}` };
  }
  return parseEnvironment(text, file);
}

/** The ids an environment binds, for the validator. */
export function bindingCheckOf(env: Environment): BindingCheck {
  const ids = (list: unknown[]) =>
    new Set(list.flatMap((e) => (e && typeof e === "object" && typeof (e as { id?: unknown }).id === "string" ? [(e as { id: string }).id] : [])));
  return { connectors: ids(env.connectors), queues: ids(env.queues), globals: new Set(Object.keys(env.globals)) };
}

export function emptyEnvironment(baseDir = process.cwd()): Environment {
  return { ...environmentSchema.parse({}), baseDir };
}
