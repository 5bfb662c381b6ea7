/**
 * `ccflow test` with an environment's `http.routes`: a scenario's own `http:` entries answer
 * first, and the routes answer what they leave, so a team can keep canned answers for a
 * service in its environment file and still override one in a scenario.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTestCommand } from "../../src/cli/commands/test.js";
import { exportOf, tts } from "../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-routes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

write(
  "segment.json",
  JSON.stringify(
    exportOf({
      variables: [{ name: "segment", value: "" }],
      main: [
        { name: "Journey", type: "http-request-v2", props: { authenticated: false, httpRequestMethod: "GET", httpRequestUrl: "https://journey.example.com/v1/people?identity={{NewPhoneContact.ANI | urlencode}}", contentType: "JSON", outputVariableArray: [{ outputVariable: "segment", jsonPathExp: "$.segment" }] } },
        { name: "Say", type: "play-message", props: tts("Segment {{segment}}.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Journey", "default", "Say"], ["Say", "default", "Bye"]],
    }),
  ),
);
write("env.yaml", 'http:\n  routes:\n    - url: "https://journey.example.com/*"\n      fixture: { body: { segment: standard } }\n');

async function test(paths: string[]) {
  let out = "";
  const code = await runTestCommand(paths, { reporter: "text", jobs: "1", coverage: false }, { out: (s) => (out += s), err: (s) => (out += s), cwd: dir });
  return { code, out };
}

describe("scenarios and the environment's http.routes", () => {
  it("the route answers what the scenario does not", async () => {
    const s = write("route.scenario.yaml", 'name: from the route\nflow: segment.json\nenvironment: env.yaml\nexpect:\n  prompts: ["Segment standard."]\n');
    const { code, out } = await test([s]);
    expect(out).toContain("✓ from the route");
    expect(code).toBe(0);
  });

  it("the scenario's http: answers before the route", async () => {
    const s = write("override.scenario.yaml", 'name: scenario first\nflow: segment.json\nenvironment: env.yaml\nhttp:\n  - path: v1/people*\n    body: { segment: vip }\nexpect:\n  prompts: ["Segment vip."]\n');
    const { code, out } = await test([s]);
    expect(out).toContain("✓ scenario first");
    expect(code).toBe(0);
  });
});
