/**
 * Reads activities from the shared Flow Designer exports (../shared relative to the repo root),
 * for tests that run real activity definitions. Returns undefined when the data is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ActivityDef } from "../../../src/flow/types.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const sharedDir = path.resolve(repoRoot, "../shared");

export function sharedFile(relative: string): string | undefined {
  const file = path.join(sharedDir, relative);
  return existsSync(file) ? file : undefined;
}

interface RawActivity {
  id: string;
  name: string;
  group?: string;
  properties?: Record<string, unknown>;
}

export interface SharedFlow {
  file: string;
  variables: Array<{ name: string; type: string; value: string | null; isSecure?: boolean }>;
  activity(name: string): ActivityDef;
}

export function loadSharedFlow(relative: string): SharedFlow | undefined {
  const file = sharedFile(relative);
  if (!file) return undefined;
  const raw = JSON.parse(readFileSync(file, "utf8")) as { variables: SharedFlow["variables"]; process: { activities: Record<string, RawActivity> } };
  return {
    file,
    variables: raw.variables,
    activity(name) {
      const a = Object.values(raw.process.activities).find((x) => x.name === name);
      if (!a) throw new Error(`${relative} has no activity named ${name}`);
      const properties = a.properties ?? {};
      return { id: a.id, name: a.name, group: a.group ?? "action", type: String(properties.activityName ?? ""), properties, process: "main", path: `$.process.activities['${a.id}']` };
    },
  };
}
