/**
 * `ccflow call` as a user runs it: the real command, the embedded CRM it starts, the JSON event
 * lines it prints. Uses the built CLI (`npm test` builds first).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { hasShared, repoRoot, seedFlowPath } from "../helpers/shared.js";

const run = promisify(execFile);
const bin = resolve(repoRoot, "bin/ccflow.js");
const dataDir = mkdtempSync(join(tmpdir(), "ccflow-call-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function ccflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const events = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

describe.skipIf(!hasShared)("ccflow call with the seed flow, zero config", () => {
  it("a known caller pressing 1: personalised prompt, queued, answered, pop of the last case — as JSON lines", async () => {
    const { code, stdout, stderr } = await ccflow(["call", seedFlowPath, "--ani", "+14806754110", "--digits", "1", "--json", "--data", dataDir]);
    expect(code).toBe(0);
    expect(stderr).toContain("bound: connector 8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710 → embedded CRM");
    const evs = events(stdout);
    const types = new Set(evs.map((e) => e.type));
    for (const t of ["prompt", "http", "variable", "input", "queued", "offered", "answered", "screen-pop", "ended"]) expect(types).toContain(t);
    expect(evs.filter((e) => e.type === "http").map((e) => e.status)).toEqual([200, 200]);
    expect(evs.find((e) => e.type === "prompt" && String(e.text).startsWith("Hello"))!.text).toContain("Yvonne McKay");
    expect(evs.find((e) => e.type === "queued")).toMatchObject({ queue: "745fab6b-55e3-49f6-a60e-d06d408eda02", priority: 10, activity: "QueueContact" });
    const pop = evs.find((e) => e.type === "screen-pop")!;
    expect(pop.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/main\.aspx\?pagetype=entityrecord&id=b68990a8-e1dc-4350-b266-112c622507f5/);
    expect(evs.at(-1)).toMatchObject({ type: "ended", reason: "agent-ended" });
  });

  it("prints a readable transcript by default", async () => {
    const { code, stdout } = await ccflow(["call", seedFlowPath, "--ani", "+14806754110", "--digits", "2", "--data", dataDir]);
    expect(code).toBe(0);
    expect(stdout).toContain("Call +14806754110 → MSD_HTTP_Connector_Flow");
    expect(stdout).toMatch(/GetCustomerInfo {2}GET http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/contacts\?.*→ 200/);
    expect(stdout).toContain("caller pressed 2");
    expect(stdout).toContain("call ended: disconnected");
  });
});

describe("ccflow call refuses what it cannot run, in one line", () => {
  it("names a missing flow file", async () => {
    const { code, stderr } = await ccflow(["call", "no-such-flow.json", "--ani", "+1555"]);
    expect(code).toBe(1);
    expect(stderr).toContain("Cannot read no-such-flow.json: no such file");
    expect(stderr).not.toMatch(/at .*\.(js|ts):\d+:\d+/);
  });

  it("lists a flow's errors instead of running it", async () => {
    const file = join(dataDir, "broken.json");
    writeFileSync(file, JSON.stringify({ process: { activities: { s: { name: "Start", group: "start", properties: { activityName: "NewPhoneContact" } } }, links: [{ sourceActivityId: "s", targetActivityId: "nowhere", conditionExpr: "out" }] } }));
    const { code, stderr } = await ccflow(["call", file, "--ani", "+1555"]);
    expect(code).toBe(1);
    expect(stderr).toContain('links to activity "nowhere", which does not exist');
  });

  it("runs a flow with an activity type it does not run, warning once; a call reaching it takes the error path", async () => {
    const file = join(dataDir, "beam.json");
    writeFileSync(file, JSON.stringify({ process: { activities: { s: { name: "Start", group: "start", properties: { activityName: "NewPhoneContact" } }, x: { name: "Beam", group: "action", properties: { activityName: "beam-me-up" } } }, links: [{ sourceActivityId: "s", targetActivityId: "x", conditionExpr: "out" }] } }));
    const { code, stdout, stderr } = await ccflow(["call", file, "--ani", "+1555"]);
    expect(code).toBe(0);
    expect(stderr).toContain('warning: Activity type "beam-me-up" is not one ccflow runs ("Beam")');
    expect(stdout).toContain('activity type "beam-me-up" is not supported');
    expect(stderr + stdout).not.toMatch(/at .*\.(js|ts):\d+:\d+/);
  });

  it("refuses a caller id no carrier delivers, naming it and the rule", async () => {
    const { code, stderr } = await ccflow(["call", resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json"), "--ani", "1') or contains(fullname,'"]);
    expect(code).toBe(1);
    expect(stderr).toContain(`ccflow: --ani: caller id "1') or contains(fullname,'" is not a number a carrier delivers: use + and digits`);
    expect(stderr).not.toMatch(/at .*\.(js|ts):\d+:\d+/);
  });

  it("names a bad environment file", async () => {
    const env = join(dataDir, "env.yaml");
    writeFileSync(env, "queues: 7\n");
    const { code, stderr } = await ccflow(["call", resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json"), "--ani", "+1555", "--env", env]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/env\.yaml: queues: .*array/);
  });
});

describe("ccflow call into a pipe that closes early", () => {
  it("stops quietly when the reader has had enough (`ccflow call --json | head -1`)", async () => {
    const { spawn } = await import("node:child_process");
    const flow = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
    const child = spawn(process.execPath, [bin, "call", flow, "--ani", "+14806754110", "--digits", "1", "--json", "--data", dataDir], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let first = "";
    // Like `head -1`: read one line, then close our end of the pipe.
    await new Promise<void>((done) => {
      child.stdout.on("data", (d: Buffer) => {
        first += d.toString();
        if (first.includes("\n")) {
          child.stdout.destroy();
          done();
        }
      });
    });
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    expect(JSON.parse(first.split("\n")[0]!)).toHaveProperty("type");
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });
});
