/**
 * Editors complete scenario files from schemas/scenario.schema.json; it must say what the loader
 * accepts, so it is generated from the same zod schema and must not be stale. Every scenario the
 * repository carries points its yaml-language-server comment at it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { scenarioSchemaText } from "../../scripts/build-scenario-schema.js";
import { discoverScenarioFiles } from "../../src/flowtest/discover.js";
import { repoRoot } from "../helpers/shared.js";

describe("the published JSON Schema", () => {
  it("is the one the zod schema generates (run scripts/build-scenario-schema.ts after changing it)", () => {
    expect(readFileSync(resolve(repoRoot, "schemas/scenario.schema.json"), "utf8")).toBe(scenarioSchemaText());
  });

  it("describes the fields an editor offers, with their help text", () => {
    const schema = JSON.parse(scenarioSchemaText());
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["name", "flow", "caller", "inputs", "agent", "clock", "crm", "http", "expect"]));
    expect(schema.required).toEqual(["name", "expect"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.expect.properties)).toEqual(["prompts", "activities", "events", "variables", "queued", "screenPop", "endReason", "http", "never"]);
    expect(schema.properties.expect.properties.prompts.description).toBe("Prompts heard, in this order (others may come between).");
  });

  it("is referenced by every scenario in the repository", async () => {
    const { files } = await discoverScenarioFiles([resolve(repoRoot, "examples")]);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(f, "utf8"))?.[1];
      expect(ref, f).toBeDefined();
      expect(existsSync(resolve(dirname(f), ref!)), `${f} → ${ref}`).toBe(true);
    }
  });
});
