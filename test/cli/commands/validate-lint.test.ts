/**
 * `ccflow validate` shows the lint warnings: code, activity, id, JSON path and fix in the text;
 * the same in `--json`; `--strict` makes warnings fail the run; the environment file's `lint:`
 * section switches rules off, everywhere or for named activities, and a rule it misspells is an
 * error naming the known ones.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { exportOf, tts } from "../../helpers/flow-builder.js";
import { repoRoot } from "../../helpers/shared.js";

const run = promisify(execFile);
const bin = resolve(repoRoot, "bin/ccflow.js");
const dir = mkdtempSync(join(tmpdir(), "ccflow-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A flow whose queue refuses nobody gracefully: no failure path, no OnGlobalError. */
const flowFile = join(dir, "flow.json");
writeFileSync(
  flowFile,
  JSON.stringify(
    exportOf({
      name: "Lint",
      main: [
        { name: "Greet", type: "play-message", props: tts("Welcome") },
        { name: "Queue", type: "queue-contact", props: { destination: "Support" } },
        { name: "Music", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "30" } },
      ],
      links: [
        ["Greet", "default", "Queue"],
        ["Queue", "default", "Music"],
        ["Music", "default", "Music"],
      ],
    }),
  ),
);

async function validate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, "validate", ...args], { env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each test starts ccflow once or twice; a busy machine makes that slow, not wrong.
describe("ccflow validate with lint warnings", { timeout: 120_000 }, () => {
  it("prints each warning with its activity, id, path, rule code and fix; exit 0 unless --strict", async () => {
    const r = await validate(flowFile);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '  warning Queue (m-Queue)  Port "failure" of Queue is not wired: when the queue cannot take the contact (no such queue, queue full, routing failure), the call goes to OnGlobalError, which this flow does not handle: the call ends\n' +
        "          at $.process.activities[\"m-Queue\"]  [unhandled-failure]\n" +
        "          fix: Wire \"failure\" to what the caller should get instead, such as a message and another queue, a callback offer, or a voicemail.\n",
    );
    expect(r.stdout).toContain("          | queue | Support | used by Queue\n");
    expect(r.stdout).toContain("✓ valid (3 warnings)");
    expect((await validate("--strict", flowFile)).code).toBe(1);
  });

  it("carries the same in --json", async () => {
    const r = await validate("--json", flowFile);
    const report = JSON.parse(r.stdout) as { warnings: number; diagnostics: Array<Record<string, unknown>> };
    expect(report.warnings).toBe(3);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["no-global-error-handler", "unhandled-failure", "hard-coded-ids"]);
    expect(report.diagnostics[1]).toMatchObject({ severity: "warning", activity: { id: "m-Queue", name: "Queue" }, path: '$.process.activities["m-Queue"]', fix: expect.stringMatching(/^Wire "failure"/) });
    expect(report.diagnostics[2]!.table).toEqual([{ kind: "queue", value: "Support", usedBy: ["Queue"] }]);
  });

  it("honours the environment's lint: section, and --strict passes once every warning is switched off or fixed", async () => {
    const env = join(dir, "env.yaml");
    writeFileSync(env, "lint:\n  off: [hard-coded-ids, no-global-error-handler, unbound-queue]\n  activities:\n    Queue: [unhandled-failure]\n");
    const r = await validate("--strict", "--env", env, flowFile);
    expect(r.stdout).not.toContain("warning");
    expect(r.code).toBe(0);
  });

  it("refuses a lint: section naming a rule that does not exist", async () => {
    const env = join(dir, "typo.yaml");
    writeFileSync(env, "lint:\n  off: [hard-coded-id]\n");
    const r = await validate("--env", env, flowFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lint names no rule "hard-coded-id"; the rules are event-never-fires, .*hard-coded-ids/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--no-lint keeps only the validator's own findings", async () => {
    const r = await validate("--no-lint", "--strict", flowFile);
    expect(r.stdout).not.toContain("warning");
    expect(r.code).toBe(0);
  });
});
