/**
 * `ccflow serve --log-json`: each contact's events as pino JSON lines, every one carrying the
 * contact's id, and the flow node where an activity produced it; nothing a caller typed.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "./helpers.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment, extra: { logger: pino({ level: "debug" }, sink) } });
});
afterAll(async () => {
  await t?.close();
});

describe("structured contact logs", () => {
  it("carry the contact id on every line and the node on each step", async () => {
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550123", flow: "support" });
    const id = placed.body.interactionId as string;
    await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
    await eventually(() => lines.some((l) => l.msg === "queued"), "the queued line");
    await t.call("POST", `/api/calls/${id}/hangup`);
    await eventually(() => lines.some((l) => l.msg === "contact ended"), "the ended line");
    const mine = lines.filter((l) => l.contactId === id);
    expect(mine.length).toBe(lines.length);
    expect(mine.find((l) => l.msg === "step" && l.node === "Menu")).toMatchObject({ level: 20, nodeType: "ivr-menu", port: "1", flow: "main" });
    expect(mine.find((l) => l.msg === "queued")).toMatchObject({ level: 30, queue: "Q-Test", queueName: "Test Queue", priority: 3, node: "Queue" });
    expect(mine.find((l) => l.msg === "contact ended")).toMatchObject({ level: 30, reason: "caller-hangup" });
    // The secure variable's value (set by the flow) and the caller's number never reach a line.
    expect(JSON.stringify(lines)).not.toContain("9876");
    expect(JSON.stringify(lines)).not.toContain("+14805550123");
  });
});
