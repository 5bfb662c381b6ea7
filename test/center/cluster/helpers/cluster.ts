/**
 * A cluster for tests: a real redis-server (test/helpers/redis.ts) and `ccflow serve` processes
 * (compiled code, test/reliability/helpers/serve-process.ts) started with `--redis URL --node-id
 * NAME`, sharing one environment file and one flow: the caller is queued in Q-Test and hears hold
 * music; when an agent answers, the flow pops the caller's record (AgentContactAssigned).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportOf } from "../../../helpers/flow-builder.js";
import { ServeProcess } from "../../../reliability/helpers/serve-process.js";

export const AGENTS = ["ana", "ben", "carl", "dora", "eve"] as const;

/**
 * `extraAgent`: one more agent than the other nodes have (a node whose environment differs).
 * `simulated`: one more agent, `sam`, played by the machine (answers after 1 s, talks 2 s, wraps up 1 s).
 */
export function writeClusterFiles(options: { extraAgent?: string; simulated?: boolean } = {}): { dir: string; env: string; flow: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-cluster-"));
  const env = path.join(dir, "env.yaml");
  writeFileSync(
    env,
    [
      "queues:",
      "  - id: Q-Test",
      "    name: Test queue",
      "agents:",
      ...[...AGENTS, ...(options.extraAgent ? [options.extraAgent] : [])].flatMap((id) => [`  - id: ${id}`, `    name: Agent ${id}`, "    queues: [Q-Test]"]),
      ...(options.simulated ? ["  - id: sam", "    name: Sam (simulated)", "    queues: [Q-Test]", "    simulated: { answerAfterSeconds: 1, talkSeconds: 2, wrapUpSeconds: 1 }"] : []),
      "center:",
      "  ringTimeoutSeconds: 120",
      "",
    ].join("\n"),
  );
  const flow = path.join(dir, "cluster-line.json");
  writeFileSync(
    flow,
    JSON.stringify(
      exportOf({
        name: "Cluster_Line",
        variables: [
          { name: "Tier", value: "Gold", isCAD: true, desktopLabel: "Customer tier" },
          { name: "Prio", type: "INTEGER", value: "3" },
        ],
        main: [
          { name: "Queue", type: "queue-contact", props: { destination: "Q-Test", toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{Prio}}" } },
          { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
        ],
        links: [
          ["Queue", "default", "Hold"],
          ["Hold", "default", "Hold"],
        ],
        events: {
          AgentContactAssigned: {
            nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example.com/main.aspx?", queryParameters: { ani: "{{NewPhoneContact.ANI}}" }, target: "insideDesktop", screenPopDesktopLabel: "Caller" } }],
            links: [["AgentContactAssigned", "out", "Pop"]],
          },
        },
      }),
    ),
  );
  return { dir, env, flow };
}

/**
 * A node of the test cluster. `leaseSeconds` (default 3, the production default): how long it may
 * be silent before the others take it for dead. Tests that time how fast a killed node is reaped
 * choose a shorter one; on a loaded machine a short lease risks a live node being taken for dead
 * (see `starvedNodes`).
 */
export function clusterNode(files: { dir: string; env: string; flow: string }, redisUrl: string, nodeId: string, extra: string[] = [], leaseSeconds = 3): ServeProcess {
  return new ServeProcess(["--no-crm", "--no-sip", "--env", files.env, "--flow", files.flow, "--data", path.join(files.dir, `data-${nodeId}`), "--redis", redisUrl, "--node-id", nodeId, "--node-lease", String(leaseSeconds), ...extra]);
}

/**
 * What the running nodes said about being paused longer than their lease allows: a node taken for
 * dead while alive (the machine starved it), and heartbeats that came late. A test that did not
 * stop or kill a node calls this after it, so a failure caused by a starved machine says so
 * instead of showing as calls ended `node-lost` for no visible reason.
 */
export function starvedNodes(nodes: ReadonlyArray<ServeProcess | undefined>): string[] {
  const lines: string[] = [];
  for (const n of nodes) {
    if (!n) continue;
    for (const line of `${n.stdout}\n${n.stderr}`.split("\n")) if (/taken for dead while it was alive|heartbeat ran \d+ ms after/.test(line)) lines.push(line.trim());
  }
  return lines;
}

/** Fails naming the starved nodes when a node that was not stopped on purpose was taken for dead. */
export function expectNoNodeTakenForDead(nodes: ReadonlyArray<ServeProcess | undefined>): void {
  const said = starvedNodes(nodes);
  if (said.some((l) => l.includes("taken for dead while it was alive"))) {
    throw new Error(`a live node was taken for dead: the machine paused or starved it longer than its lease, and what failed above follows from that (a load problem, or a lease too short for this machine):\n${said.join("\n")}`);
  }
}

export function removeClusterFiles(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Polls `probe` until it returns a value (not undefined), or fails naming what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
