/**
 * A fixtures file for `ccflow call --fixtures`: the same HTTP answers a scenario's `http:` holds,
 * either as a list or under `http:` (so a scenario file's answers can be copied as they are).
 */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { formatZodIssues } from "../environment/load.js";
import { httpFixtureSchema, type HttpFixture } from "./schema.js";

const listSchema = z.array(httpFixtureSchema);

export async function loadFixturesFile(file: string): Promise<{ ok: true; fixtures: HttpFixture[] } | { ok: false; error: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: `${file}: cannot read the fixtures file (${code === "ENOENT" ? "no such file" : (err as Error).message})` };
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    return { ok: false, error: `${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}` };
  }
  if (raw === null || raw === undefined) return { ok: true, fixtures: [] };
  const isHttpMap = typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 1 && "http" in raw;
  const list = isHttpMap ? (raw as { http: unknown }).http : raw;
  if (!Array.isArray(list)) return { ok: false, error: `${file}: a fixtures file is a list of HTTP answers (as under a scenario's http:), or a map with only http:` };
  const parsed = listSchema.safeParse(list);
  if (!parsed.success) return { ok: false, error: `${file}: ${formatZodIssues(parsed.error.issues, isHttpMap ? "fixtures: http" : "fixtures")}` };
  return { ok: true, fixtures: parsed.data };
}
