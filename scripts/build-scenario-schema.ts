/**
 * Writes schemas/scenario.schema.json from the zod schema in src/flowtest/schema.ts, so editors
 * (yaml-language-server, VS Code) complete and check scenario files. A test fails when the
 * committed file is stale.
 *
 * Run: npm run build && node dist/scripts/build-scenario-schema.js
 */
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scenarioJsonSchema } from "../src/flowtest/schema.js";

export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

const here = dirname(fileURLToPath(import.meta.url));
// Compiled to dist/scripts/, run from source by tests: find the repository root either way.
const root = here.includes(`${"/"}dist${"/"}`) ? resolve(here, "../..") : resolve(here, "..");

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(root, "schemas/scenario.schema.json");
  writeFileSync(out, scenarioSchemaText());
  process.stdout.write(`wrote ${out}\n`);
}
