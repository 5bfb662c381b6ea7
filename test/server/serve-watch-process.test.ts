/**
 * `ccflow serve --watch` as a user runs it — the real command in its own process, the
 * environment file in a temp dir edited while calls are up — for what a saved change does beyond
 * flows, connectors, teams and agents:
 *
 * - a queue taken out of the file retires: a caller already waiting in it stays, is offered to
 *   the agent who served it (whose file entry no longer names it) and answered; a caller who
 *   reaches Queue Contact for it now is refused (the flow's failure path: QUEUE_RETIRED); when
 *   the last caller in it is done, it is gone from the center and from the agent's queues;
 * - the center settings the center holds apply at once (the ring timeout of the next offer);
 * - a setting read only at the start (sip, crm, a server part's center setting) is named in the
 *   log, one line each, as needing a restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportOf, tts } from "../helpers/flow-builder.js";
import { ServeProcess } from "../reliability/helpers/serve-process.js";
import { eventually, type Loose } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-serve-watch-"));
const envFile = join(dir, "environment.yaml");
const flowFile = join(dir, "line.json");

/** Key 1 queues to the queue the OldQueue variable names (not a fixed id: no flow holds Q-Old in the center); key 2 to Q-Main. */
const flow = exportOf({
  name: "Retiring_Line",
  variables: [{ name: "OldQueue", value: "Q-Old" }],
  main: [
    { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 for the old line, 2 for the main line."), menuLinks: ["1", "2"], entryTimeout: "600" } },
    { name: "ToOld", type: "queue-contact", props: { queueRadioGroup: "variableQueue", destinationVariable: "{{OldQueue}}" } },
    { name: "ToMain", type: "queue-contact", props: { destination: "Q-Main" } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
    { name: "Closed", type: "play-message", props: tts("That line is closed.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [
    ["Menu", "1", "ToOld"],
    ["Menu", "2", "ToMain"],
    ["Menu", "timeout", "Bye"],
    ["Menu", "invalid", "Bye"],
    ["ToOld", "default", "Hold"],
    ["ToOld", "failure", "Closed"],
    ["ToMain", "default", "Hold"],
    ["ToMain", "failure", "Closed"],
    ["Hold", "default", "Hold"],
    ["Closed", "default", "Bye"],
  ],
});

const before = `
queues:
  - { id: Q-Main, name: Main line }
  - { id: Q-Old, name: Old line }
agents:
  - { id: ana, name: Ana Lima, queues: [Q-Main, Q-Old] }
  - { id: bo, name: Bo Chen, queues: [Q-Main] }
center:
  ringTimeoutSeconds: 60
  autoCreateQueues: false
sip:
  realm: ccflow
crm:
  orgUrls: []
`;

const after = `
queues:
  - { id: Q-Main, name: Main line }
agents:
  - { id: ana, name: Ana Lima, queues: [Q-Main] }
  - { id: bo, name: Bo Chen, queues: [Q-Main] }
center:
  ringTimeoutSeconds: 45
  autoCreateQueues: false
  serviceLevelSeconds: 30
sip:
  realm: example.com
crm:
  orgUrls: [https://org.crm.dynamics.com]
`;

let serve: ServeProcess;

beforeAll(async () => {
  writeFileSync(envFile, before);
  writeFileSync(flowFile, JSON.stringify(flow));
  serve = new ServeProcess(["--no-crm", "--no-sip", "--watch", "--env", envFile, "--flow", flowFile, "--data", join(dir, "data")]);
  await serve.start();
}, 300_000);

afterAll(async () => {
  await serve?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What the server printed since `mark`: info lines go to stdout, warnings to stderr. */
type Mark = { out: number; err: number };
const mark = (): Mark => ({ out: serve.stdout.length, err: serve.stderr.length });
const since = (m: Mark) => [...serve.stdout.slice(m.out).split("\n"), ...serve.stderr.slice(m.err).split("\n")].filter(Boolean);
const logged = (pattern: RegExp, what: string, from: Mark = { out: 0, err: 0 }) => eventually(async () => since(from).find((l) => pattern.test(l)), what, 30_000);
const queues = async () => (await serve.api<Loose[]>("GET", "/api/queues")).body;
const trace = async (id: string) => (await serve.api<Loose>("GET", `/api/contacts/${id}`)).body;

async function dial(key: string | undefined): Promise<string> {
  const placed = await serve.api<Loose>("POST", "/api/calls", { ani: "+14805550100" });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const id = placed.body.interactionId as string;
  if (key) await serve.api("POST", `/api/calls/${id}/digits`, { digits: key });
  return id;
}

describe("serve --watch, as a process: a queue removed from the file, center settings, settings that need a restart", () => {
  it("retires the queue without losing its caller, applies the ring timeout, and names what waits for a restart", async () => {
    await logged(/environment: watching .*environment\.yaml/, "the environment file watched");
    expect((await serve.api("POST", "/api/agents/ana/login")).status).toBe(200);

    // A caller waits in Q-Old; another is still at the menu.
    const waiting = await dial("1");
    await eventually(async () => (await queues()).find((q) => q.id === "Q-Old")?.queuedNow === 1 || undefined, "the first caller waiting in Q-Old");
    const atMenu = await dial(undefined);
    await eventually(async () => (await trace(atMenu)).events.some((e: Loose) => e.type === "step" && e.activity === "Menu") || (await trace(atMenu)).events.some((e: Loose) => e.type === "prompt") || undefined, "the second caller at the menu");

    const saved = mark();
    writeFileSync(envFile, after);
    await logged(/environment: .*environment\.yaml reloaded/, "the environment reloaded", saved);
    const lines = await eventually(async () => {
      const ls = since(saved);
      return ls.filter((l) => /restart to apply/.test(l)).length >= 3 ? ls : undefined;
    }, "the restart lines");
    expect(lines).toContainEqual(expect.stringMatching(/queue Q-Old → retiring: no longer in the environment, it takes no new contacts; the 1 contact in it stays and is served by its agents as before, and it is removed when the last one leaves/));
    expect(lines).toContainEqual(expect.stringMatching(/agent ana → queues Q-Main \(and Q-Old while retiring\)/));
    expect(lines).toContainEqual(expect.stringMatching(/center\.ringTimeoutSeconds → 45 \(offers made from now on/));
    // One line per setting that waits for a restart, naming it.
    const restart = lines.filter((l) => /restart to apply/.test(l));
    expect(restart.map((l) => /environment\.yaml: (\S+) changed; it is read when the server starts: restart to apply/.exec(l)?.[1]).sort()).toEqual(["center.serviceLevelSeconds", "crm.orgUrls", "sip.realm"]);

    expect((await queues()).find((q) => q.id === "Q-Old")).toMatchObject({ retiring: true, queuedNow: 1 });

    // No new contacts: the caller at the menu asks for the old line and is refused.
    await serve.api("POST", `/api/calls/${atMenu}/digits`, { digits: "1" });
    const refused = await eventually(async () => (await trace(atMenu)).events.find((e: Loose) => e.type === "error" && /ToOld/.test(e.message ?? "") ) as Loose, "Queue Contact refused");
    expect(refused.message).toMatch(/queue "Q-Old" was removed from the environment: it takes no new contacts/);
    await eventually(async () => (await trace(atMenu)).events.some((e: Loose) => e.type === "prompt" && /closed/.test(e.text ?? "")) || undefined, "the flow's failure path");
    expect((await queues()).find((q) => q.id === "Q-Old")).toMatchObject({ queuedNow: 1 });

    // The waiting caller is still served: Ana, who served Q-Old, gets the offer, with the new ring timeout.
    expect((await serve.api("POST", "/api/agents/ana/state", { state: "Available" })).status).toBe(200);
    const desk = await eventually(async () => {
      const d = (await serve.api<Loose>("GET", "/api/agents/ana")).body;
      return d.offer ? d : undefined;
    }, "the offer to Ana");
    expect(desk.offer).toMatchObject({ interactionId: waiting, queue: { id: "Q-Old" }, ringTimeoutMs: 45_000 });
    expect((await serve.api("POST", "/api/agents/ana/accept", { offerId: desk.offer.offerId })).status).toBe(200);
    expect((await trace(waiting)).events.map((e: Loose) => e.type)).toContain("answered");
    // Answered, the call still came through Q-Old: it stays until the call is over.
    expect((await queues()).map((q) => q.id)).toContain("Q-Old");

    const ended = mark();
    expect((await serve.api("POST", "/api/agents/ana/end")).status).toBe(200);
    await logged(/queue Q-Old → removed: the last contact in it left/, "Q-Old removed", ended);
    expect((await queues()).map((q) => q.id)).toEqual(["Q-Main"]);
    expect((await serve.api<Loose>("GET", "/api/agents/ana")).body.agent.queues).toEqual(["Q-Main"]);
    expect(serve.stdout + serve.stderr).not.toMatch(/does not match its schema/);
  }, 180_000);
});
