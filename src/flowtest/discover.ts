/**
 * Which files are scenarios: `*.scenario.yaml` (or `.scenario.yml`). A directory is searched
 * recursively, skipping node_modules, dist and dot-directories; a file named on the command line
 * is taken whatever its name, so one can run a single scenario by path.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";

export const SCENARIO_SUFFIXES = [".scenario.yaml", ".scenario.yml"];
const SKIP_DIRS = new Set(["node_modules", "dist", "coverage"]);

export function isScenarioFile(name: string): boolean {
  return SCENARIO_SUFFIXES.some((s) => name.endsWith(s));
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name) || e.name.startsWith(".")) continue;
      await walk(join(dir, e.name), out);
    } else if (e.isFile() && isScenarioFile(e.name)) {
      out.push(join(dir, e.name));
    }
  }
}

export interface Discovered {
  files: string[];
  /** Paths that do not exist (absolute). */
  missing: string[];
}

export async function discoverScenarioFiles(paths: string[], cwd = process.cwd()): Promise<Discovered> {
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of paths.length ? paths : ["."]) {
    const abs = resolve(cwd, p);
    let info;
    try {
      info = await stat(abs);
    } catch {
      missing.push(abs);
      continue;
    }
    if (info.isDirectory()) await walk(abs, files);
    else files.push(abs);
  }
  return { files: [...new Set(files)], missing };
}
