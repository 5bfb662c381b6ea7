/**
 * A flow's regular expression over a caller's input cannot stall the server: the patterns that
 * froze it for 45 s on a backtracking engine (`split("(a|a)+$")` and relatives, over a long input
 * built from the caller id) end with Java's answer or on the activity's error path, while the
 * server's own event loop keeps answering. `ccflow validate` names the patterns RE2 cannot run.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../server/helpers.js";

/** Pattern, and the template input it runs over (the caller id, or 20,000 copies of it: 240,000 characters). */
const PROBES: Array<{ name: string; template: string }> = [
  { name: "AltShort", template: '{{ NewPhoneContact.ANI | split("(1|1)+$") | join("|") }}' },
  { name: "AltLong", template: '{{ NewPhoneContact.ANI.repeat(20000) | split("(1|1)+$") | length }}' },
  { name: "NestedLong", template: '{{ NewPhoneContact.ANI.repeat(20000).replaceAll("(1+)+$", "x").length }}' },
  { name: "StarsLong", template: '{{ NewPhoneContact.ANI.repeat(20000).matches("(\\\\d*\\\\s?)*$") }}' },
  { name: "CountedLong", template: '{{ NewPhoneContact.ANI.repeat(20000) | split("(.*1){20}") | length }}' },
  { name: "Lookahead", template: '{{ NewPhoneContact.ANI | split("1(?=1)") | length }}' },
  { name: "Backref", template: '{{ NewPhoneContact.ANI.replaceAll("(1)\\\\1", "x") }}' },
  { name: "CpuLoop", template: "{% for i in 1..10000 %}{% set x = NewPhoneContact.ANI.repeat(20000).toUpperCase() %}{% endfor %}done" },
];

/** A flow that runs every probe in turn; each probe's error port leads on to the next one too. */
function hostileFlow() {
  const main = PROBES.map((p) => ({ name: p.name, type: "set-variable", props: { srcVariable: `Out${p.name}`, srcVariableType: "STRING", expr: p.template } }));
  const links: Array<[string, string, string]> = [];
  PROBES.forEach((p, i) => {
    const next = PROBES[i + 1]?.name ?? "Bye";
    links.push([p.name, "out", next], [p.name, "error", next]);
  });
  return buildFlow({
    name: "Hostile_Regex",
    variables: PROBES.map((p) => ({ name: `Out${p.name}`, value: "unset" })),
    main: [...main, { name: "Bye", type: "disconnect-contact" }],
    links,
  });
}

describe("ccflow validate", () => {
  it("names a literal pattern RE2 cannot run, with the activity and the position", () => {
    const ds = validateFlow(hostileFlow(), createRegistry()).filter((d) => d.code === "bad-expression");
    expect(ds.map((d) => d.activity?.name)).toEqual(["Lookahead", "Backref"]);
    expect(ds[0]!.message).toMatch(/^Lookahead: expr fails whenever it runs: Filter 'split': unsupported regular expression '1\(\?=1\)': lookahead \(\?=…\) is not supported/);
    expect(ds[1]!.message).toMatch(/unsupported regular expression '\(1\)\\1': the backreference \\1 is not supported/);
    expect(ds[0]!.expression?.position).toBe(PROBES.find((p) => p.name === "Lookahead")!.template.indexOf("split"));
  });
});

describe("a call through hostile patterns, on a real server", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ flows: [{ id: "hostile", definition: hostileFlow() }] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("ends every probe quickly on its result or its error path, and the event loop stays responsive", async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const ani = `+${"1".repeat(11)}`;
    const placed = await t.call("POST", "/api/calls", { ani, flow: "hostile" });
    expect(placed.status).toBe(201);
    const id: string = placed.body.interactionId;
    // Other requests keep being answered while the flow runs.
    let answered = 0;
    const trace: Loose = await eventually(async () => {
      const info = await t.call("GET", "/api/info");
      if (info.status === 200) answered++;
      const r = await t.call("GET", `/api/contacts/${id}`);
      return r.body?.contact?.state === "ended" ? r.body : undefined;
    }, "the hostile call to end", 20_000);
    delay.disable();

    const v = trace.variables as Record<string, unknown>;
    // Java's answers where the work fits the budget…
    expect(v.OutAltShort).toBe("+");
    // …and the activity's error path where it does not, or where RE2 cannot run the pattern.
    for (const name of ["AltLong", "NestedLong", "StarsLong", "CountedLong", "Lookahead", "Backref", "CpuLoop"]) expect(v[`Out${name}`], name).toBe("unset");
    const steps = (trace.events as Loose[]).filter((e) => e.type === "step").map((e) => `${e.activityName ?? e.activity ?? e.activityId}:${e.port}`);
    expect(steps.join(" ")).toMatch(/AltLong.*:error/);
    const errors = (trace.events as Loose[]).filter((e) => /error/i.test(e.type) || e.port === "error").map((e) => JSON.stringify(e));
    expect(errors.join("\n")).toMatch(/Work limit exceeded: regular expression '\(1\|1\)\+\$' over 240000 characters/);
    expect(errors.join("\n")).toMatch(/lookahead \(\?=…\) is not supported/);
    expect(errors.join("\n")).toMatch(/CpuLoop[\s\S]*Work limit exceeded: this template needs more than/);
    expect(errors.join("\n")).not.toContain("1111111111111111111111");
    expect(answered).toBeGreaterThan(0);
    // The target is 100 ms; the bound is ten times that, since on a loaded 2-core machine even a
    // trivial flow shows 150-250 ms. A backtracking engine held this loop for 45 s.
    expect(delay.max / 1e6).toBeLessThan(1000);
  });
});
