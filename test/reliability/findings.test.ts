/**
 * What the reliability suite found, each pinned as the smallest case that showed it, so it stays
 * fixed (RELIABILITY.md lists them with the family that found them).
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { VirtualClock } from "../../src/time/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { ExprError, parseTemplate } from "../../src/expr/index.js";
import { parseFlowText } from "../../src/flow/load.js";
import { readExport } from "../../src/flow/read-export.js";
import { validateFlow } from "../../src/flow/validate.js";
import { FakeCenter, FakeHttp, Recorder } from "../helpers/fakes.js";
import { buildFlow, exportOf, tts } from "../helpers/flow-builder.js";
import { validateFiles } from "../../src/cli/commands/validate.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestCrm } from "../crm/helpers.js";

const registry = createRegistry();

describe("flow fuzzer findings", () => {
  it("an activityName of constructor, __proto__ or hasOwnProperty is an unknown type, not a TypeError", () => {
    for (const type of ["constructor", "__proto__", "hasOwnProperty", "toString"]) {
      const raw = exportOf({ main: [{ name: "Odd", type: "play-message", props: tts("hi") }], links: [] });
      const acts = (raw.process as { activities: Record<string, { properties: Record<string, unknown> }> }).activities;
      acts["m-Odd"]!.properties.activityName = type;
      const read = readExport(JSON.parse(JSON.stringify(raw)));
      const diagnostics = validateFlow(read.flow!, registry);
      expect(diagnostics.find((d) => d.code === "unknown-activity")?.message, type).toContain("Odd");
    }
  });

  it("a megabyte value quoted in a diagnostic is cut to a readable message", () => {
    const raw = exportOf({ main: [{ name: "Hello", type: "play-message", props: tts("hi") }], links: [] });
    const links = (raw.process as { links: Array<Record<string, unknown>> }).links;
    links[0]!.targetActivityId = "é".repeat(1024 * 1024);
    const read = parseFlowText(JSON.stringify(raw));
    const all = [...read.diagnostics, ...validateFlow(read.flow!, registry)];
    const dangling = all.find((d) => d.code === "dangling-link")!;
    expect(dangling.message.length).toBeLessThan(500);
    expect(dangling.message).toMatch(/characters left out/);
    expect(dangling.message).toMatch(/which does not exist/);
  });

  it("a missing process or an untyped variable is said in words", () => {
    const read = parseFlowText(JSON.stringify({ name: "x", variables: [{ name: "v" }] }));
    const messages = read.diagnostics.map((d) => d.message);
    expect(messages).toContain('Variable "v" has no type (expected STRING, INTEGER, BOOLEAN, DECIMAL, DATE_TIME or JSON)');
    expect(messages.find((m) => m.startsWith('"process"'))).toMatch(/found nothing \(the key is missing\)$/);
    for (const m of messages) expect(m).not.toMatch(/\bundefined\b/);
  });

  it("a variable whose type or value is nested 100,000 deep is a diagnostic, not a stack overflow (soak run)", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const text = `{"name":"x","flowType":${deep},"variables":[{"name":"a","type":${deep}},{"name":"b","type":"STRING","value":${deep}}],"process":{"activities":{},"links":[]}}`;
    const read = parseFlowText(text);
    expect(read.diagnostics.map((d) => d.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Unknown flowType an array nested too deeply to show/), expect.stringMatching(/^Variable "a" has unknown type an array nested too deeply to show/), 'Variable "b" has a object value; exports hold strings']),
    );
    expect(read.flow!.variables.get("b")!.initial).toBe("an array nested too deeply to show");
  });

  it("a template reading an unknown name 150,000 times is one report, and 150,000 names do not crash ccflow validate (soak run)", async () => {
    const flow = buildFlow({ main: [{ name: "Say", type: "play-message", props: tts("{{ a }}".repeat(150_000)) }], links: [] });
    expect(validateFlow(flow, registry).filter((d) => d.code === "undeclared-variable")).toHaveLength(1);
    const dir = mkdtempSync(path.join(tmpdir(), "ccflow-finding-"));
    try {
      const file = path.join(dir, "many.json");
      const names = Array.from({ length: 150_000 }, (_, i) => `{{ a${i} }}`).join("");
      writeFileSync(file, JSON.stringify(exportOf({ main: [{ name: "Say", type: "play-message", props: tts(names) }], links: [] })));
      const [report] = await validateFiles([file]);
      expect(report!.errors).toBe(150_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a 20,000-step expression is an ExprError, not a JavaScript stack overflow", () => {
    for (const source of [`{{ ${"a.".repeat(20_000)}b }}`, `{{ ${Array(20_000).fill("1").join(" + ")} }}`, `{{ x${" | upper".repeat(20_000)} }}`, `{% set y = ${"a[0]".repeat(20_000)} %}`]) {
      expect(() => parseTemplate(source)).toThrow(ExprError);
    }
    // A long but sane chain still works.
    expect(parseTemplate(`{{ ${Array(500).fill("1").join(" + ")} }}`).render(new Map())).toBe("500");
  });
});

describe("fault run findings", () => {
  it("an agent's answer stops the hold music OnGlobalError queued the caller with, and the pop comes at once", async () => {
    // The example flow's shape: a failed lookup → OnGlobalError queues at P5 and loops hold music.
    const flow = buildFlow({
      variables: [{ name: "CustomerID", value: "NA" }],
      main: [{ name: "Lookup", type: "http-request-v2", props: { connectorId: "crm", authenticated: true, httpRequestMethod: "GET", httpRequestPath: "contacts", httpResponseTimeout: "2000" } }],
      links: [],
      events: {
        GlobalErrorHandling: {
          nodes: [
            { name: "Q", type: "queue-contact", props: { destination: "q-1", queueRadioGroup: "staticQueue", priorityRadioGroup: "staticPriority", priority: "5" } },
            { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
          ],
          links: [["GlobalErrorHandling", "out", "Q"], ["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
        },
        AgentContactAssigned: {
          nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example/main.aspx?", queryParameters: { id: "{{CustomerID}}" }, target: "newBrowserTab" } }],
          links: [["AgentContactAssigned", "out", "Pop"]],
        },
      },
    });
    // Moved by hand: with nothing else pending, an auto-advancing clock would jump to the 24 h limit.
    const clock = new VirtualClock({ autoAdvance: false });
    const center = new FakeCenter();
    const rec = new Recorder();
    const engine = new Engine({ http: new FakeHttp(() => "reset"), center, clock });
    const call = engine.startCall(flow, { ani: "+15550100", channel: new ScriptedCaller(clock), listener: rec.listener });
    while (center.queued.length === 0) await new Promise((r) => setImmediate(r));
    await clock.advance(95_000);
    const answeredAt = clock.now();
    center.answer();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    await clock.advance(600_000);
    // Ten minutes into the conversation: no more hold music, the pop came when the agent answered.
    const musicAfter = rec.of("prompt").filter((p) => p.music && p.at > answeredAt);
    expect(musicAfter).toHaveLength(0);
    expect(rec.of("screen-pop").map((p) => p.at)).toEqual([answeredAt]);
    call.hangup();
    const ended = await call.done;
    expect(ended.reason).toBe("caller-hangup");
    expect(ended.at - answeredAt).toBe(600_000);
  });
});

describe("OData fuzz findings", () => {
  it("a body value nested 100,000 deep is a 400, a URL over 32,768 characters a 414; neither echoes the input", async () => {
    const crm = await startTestCrm();
    try {
      const deep = await crm.api("contacts", { method: "POST", headers: { "content-type": "application/json" }, body: `{"lastname":${"[".repeat(100_000)}${"]".repeat(100_000)}}` });
      expect(deep.status).toBe(400);
      const long = await crm.api("contacts", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ statecode: "x".repeat(100_000) }) });
      expect(long.status).toBe(400);
      expect((await long.text()).length).toBeLessThan(1_000);
      const url = await crm.api(`contacts?$filter=${encodeURIComponent(`contains(fullname,'${"a".repeat(33_000)}')`)}`);
      expect(url.status).toBe(414);
      expect(((await url.json()) as { error: { message: string } }).error.message).toMatch(/limit is 32768/);
    } finally {
      await crm.stop();
    }
  });
});
