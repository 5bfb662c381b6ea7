/**
 * `ccflow validate` from a flow author's side: every problem reported at once, each with the
 * activity's name, id and JSON path; malformed files answered with a message, never a crash.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { parseFlowText } from "../../src/flow/load.js";
import { validateFlow } from "../../src/flow/validate.js";
import type { Diagnostic } from "../../src/flow/types.js";
import { exportOf, tts } from "../helpers/flow-builder.js";
import { hasShared, readShared, seedFlowPath, sharedFlowPaths } from "../helpers/shared.js";

const registry = createRegistry();

function check(text: string, bindings?: Parameters<typeof validateFlow>[2]): Diagnostic[] {
  const read = parseFlowText(text, "t.json");
  return [...read.diagnostics, ...(read.flow ? validateFlow(read.flow, registry, bindings) : [])];
}

const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error");

describe.skipIf(!hasShared)("the seven shared flows", () => {
  it("the seed flow loads and validates with no errors", () => {
    const ds = check(readShared(seedFlowPath));
    expect(errors(ds)).toEqual([]);
  });

  it.each(sharedFlowPaths.map((p) => [p.split("/").pop()!, p]))("%s loads and validates without crashing", (_name, path) => {
    const read = parseFlowText(readShared(path), path);
    expect(read.flow).toBeDefined();
    const ds = validateFlow(read.flow!, registry);
    // Whatever is reported names where it is.
    for (const d of ds) {
      expect(d.path.startsWith("$")).toBe(true);
      expect(d.message.length).toBeGreaterThan(10);
    }
  });

  it("reports the Salesforce flow's malformed template with its position", () => {
    const path = sharedFlowPaths.find((p) => p.includes("Salesforce"))!;
    const ds = errors(check(readShared(path)));
    const bad = ds.find((d) => d.code === "bad-expression");
    expect(bad).toBeDefined();
    expect(bad!.activity!.name).toBe("AccountByANI");
    expect(bad!.expression!.source).toContain("{{[phoneNumber}}");
    expect(bad!.expression!.source.slice(bad!.expression!.position)).toMatch(/^(\[|phoneNumber|\}\})/);
  });
});

describe("problems are reported all at once, with name, id and path", () => {
  const broken = exportOf({
    variables: [{ name: "Known" }],
    main: [
      { name: "Speak", type: "play-message", props: tts("Hi {{Unknown}} and {{Known}}") },
      { name: "Weird", type: "teleport-caller" },
      { name: "Cond", type: "condition-activity", props: { expression: "{{ Known == }}" } },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["Speak", "default", "Weird"],
      ["Speak", "sideways", "Bye"],
      ["Weird", "default", "Cond"],
      ["Cond", "true", "Bye"],
      ["Cond", "false", "Bye"],
    ],
  }) as { process: { links: Array<Record<string, unknown>> } };
  broken.process.links.push({ id: "dangler", sourceActivityId: "m-Cond", targetActivityId: "m-Nowhere", conditionExpr: "error", properties: { value: "error" } });
  const ds = check(JSON.stringify(broken));
  const byCode = (code: string) => ds.filter((d) => d.code === code);

  it("names an activity type ccflow does not run, as a warning (Webex publishes the types its Flow Designer offers)", () => {
    expect(byCode("unknown-activity")).toHaveLength(1);
    expect(byCode("unknown-activity")[0]).toMatchObject({ severity: "warning", activity: { id: "m-Weird", name: "Weird" }, path: '$.process.activities["m-Weird"].properties.activityName' });
    expect(byCode("unknown-activity")[0]!.message).toContain('"teleport-caller"');
  });

  it("reports each unknown type once, naming every activity of that type", () => {
    const two = exportOf({
      main: [
        { name: "A1", type: "teleport-caller" },
        { name: "A2", type: "teleport-caller" },
        { name: "B", type: "Feedback-V9" },
      ],
      links: [
        ["A1", "default", "A2"],
        ["A2", "default", "B"],
      ],
    });
    const unknown = check(JSON.stringify(two)).filter((d) => d.code === "unknown-activity");
    expect(unknown.map((d) => d.severity)).toEqual(["warning", "warning"]);
    expect(unknown[0]!.message).toBe('Activity type "teleport-caller" is not one ccflow runs ("A1", "A2"); a call that reaches it takes its error path (OnGlobalError)');
    expect(unknown[1]!.message).toContain('"Feedback-V9"');
  });

  it("names a port the activity does not have, listing the ones it has", () => {
    const d = byCode("unknown-port")[0]!;
    expect(d.activity!.name).toBe("Speak");
    expect(d.message).toContain('"sideways"');
    expect(d.message).toContain('"default", "error"');
    expect(d.path).toMatch(/^\$\.process\.links\[\d+\]\.conditionExpr$/);
  });

  it("names a link to an activity that does not exist", () => {
    expect(byCode("dangling-link")[0]!.message).toContain('"m-Nowhere"');
  });

  it("gives the position of an expression that does not parse", () => {
    const d = byCode("bad-expression")[0]!;
    expect(d.activity!.name).toBe("Cond");
    expect(d.expression!.source).toBe("{{ Known == }}");
    expect(d.expression!.position).toBeGreaterThanOrEqual(11);
    expect(d.path).toBe('$.process.activities["m-Cond"].properties.expression');
  });

  it("names a variable that is read but never declared", () => {
    const d = byCode("undeclared-variable")[0]!;
    expect(d.message).toContain('"Unknown"');
    expect(d.activity!.name).toBe("Speak");
  });

  it("with an environment, names connectors it does not define", () => {
    const flow = exportOf({
      main: [{ name: "Get", type: "http-request-v2", props: { authenticated: true, connectorId: "c-123", httpRequestMethod: "GET", httpRequestPath: "x" } }],
      links: [],
    });
    const ds2 = errors(check(JSON.stringify(flow), { connectors: new Set(["other"]), queues: new Set() }));
    expect(ds2.find((d) => d.code === "unbound-connector")).toMatchObject({ activity: { name: "Get" }, path: '$.process.activities["m-Get"].properties.connectorId' });
  });
});

describe("malformed files get a message, never a stack trace", () => {
  it.each([
    ["not JSON", "{ this is not json", /Not valid JSON at line 1, column \d+/],
    ["empty", "", /empty/],
    ["an array", "[]", /JSON object; this file holds an array/],
    ["activities as an array", JSON.stringify({ process: { activities: [], links: [] } }), /keyed by activity id/],
    ["links not an array", JSON.stringify({ process: { activities: {}, links: 7 } }), /"links" must be an array/],
  ])("%s", (_label, text, message) => {
    const ds = check(text);
    expect(errors(ds).length).toBeGreaterThan(0);
    expect(ds.map((d) => d.message).join("\n")).toMatch(message);
  });

  it("reports a syntax error on the line it is on", () => {
    const ds = check('{\n  "name": "x",\n  "process": {,\n}');
    expect(ds[0]!.message).toMatch(/line 3/);
  });
});
