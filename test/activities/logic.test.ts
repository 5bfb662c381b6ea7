/**
 * The logic activities: Set Variable (both export forms, every type), Condition, Case, Business
 * Hours and GoTo.
 */
import { describe, expect, it } from "vitest";
import { evaluateSchedule } from "../../src/environment/business-hours.js";
import { scheduleSchema } from "../../src/environment/schema.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

describe("Set Variable", () => {
  it("assigns every item of a newer export's setVariablesArray, coercing to each type", async () => {
    const flow = buildFlow({
      variables: [
        { name: "Name" },
        { name: "Count", type: "INTEGER", value: "0" },
        { name: "Vip", type: "BOOLEAN", value: "false" },
        { name: "Rate", type: "DECIMAL", value: "0" },
        { name: "Data", type: "JSON", value: "{}" },
      ],
      main: [
        {
          name: "SetAll",
          type: "set-variable",
          props: {
            srcVariable: "Name",
            expr: "{{NewContact.ANI}}",
            setVariablesArray: [
              { srcVariable: "Name", srcVariableType: "STRING", setTo: "set-to-literal", expr: "Caller {{NewContact.ANI | slice(2, 5)}}" },
              { srcVariable: "Count", srcVariableType: "INTEGER", setTo: "set-to-literal", expr: "{{ 40 + 2 }}" },
              { srcVariable: "Vip", srcVariableType: "BOOLEAN", setTo: "set-to-literal", expr: "True" },
              { srcVariable: "Rate", srcVariableType: "DECIMAL", setTo: "set-to-literal", expr: "{{ 7 / 2.0 }}" },
              { srcVariable: "Data", srcVariableType: "JSON", setTo: "set-to-literal", expr: '{{ {"tier": "gold", "ids": [1, 2]} }}' },
            ],
          },
        },
        { name: "Say", type: "play-message", props: tts("{{Name}} {{Count}} {{Vip}} {{Rate}} {{Data.tier}} {{Data.ids[1]}}") },
      ],
      links: [["SetAll", "out", "Say"]],
    });
    const { rec } = await runFlow(flow, { ani: "+14805550100" });
    expect(rec.of("variable").map((v) => [v.name, v.value])).toEqual([
      ["Name", "Caller 480"],
      ["Count", 42],
      ["Vip", true],
      ["Rate", 3.5],
      ["Data", { tier: "gold", ids: [1, 2] }],
    ]);
    expect(rec.prompts()).toEqual(["Caller 480 42 true 3.5 gold 2"]);
  });

  it("takes the error port for a value its type cannot hold", async () => {
    const flow = buildFlow({
      variables: [{ name: "Count", type: "INTEGER", value: "0" }],
      main: [{ name: "Bad", type: "set-variable", props: { srcVariable: "Count", expr: "{{ 'x' ~ 1 }}" } }, { name: "Oops", type: "play-message", props: tts("bad value") }],
      links: [["Bad", "error", "Oops"]],
    });
    const { port, rec } = await runFlow(flow);
    expect(port("Bad")).toBe("error");
    expect(rec.of("error")[0]!.message).toContain('cannot assign to INTEGER variable "Count": "x1" is not an INTEGER');
  });
});

describe("Condition and Case", () => {
  const branch = (expression: string, variables: Array<{ name: string; type?: string; value?: string }> = []) =>
    buildFlow({ variables, main: [{ name: "If", type: "condition-activity", props: { expression } }], links: [] });

  it.each([
    ["{{ 200 == 200 }}", "true"],
    ['{{ "200" == 200 }}', "false"],
    ["{{ Tier == 'Gold' or Tier == 'Platinum' }}", "true"],
    ["{{ Tier is empty }}", "false"],
    ["{{ NewPhoneContact.ANI contains '480' }}", "true"],
    ["TRUE", "true"],
    ["{{ 'yes' }}", "false"],
  ])("%s leaves by %s", async (expression, port) => {
    const { port: portOf } = await runFlow(branch(expression, [{ name: "Tier", value: "Gold" }]), { ani: "+14805550100" });
    expect(portOf("If")).toBe(port);
  });

  it("an expression that throws leaves by error", async () => {
    const flow = buildFlow({ main: [{ name: "If", type: "condition-activity", props: { expression: "{{ 'a' < 3 }}" } }, { name: "E", type: "play-message", props: tts("e") }], links: [["If", "error", "E"]] });
    expect((await runFlow(flow)).port("If")).toBe("error");
  });

  it("Case picks the port whose value matches, else default", async () => {
    const flow = (lang: string) =>
      buildFlow({
        variables: [{ name: "Lang", value: lang }],
        main: [{ name: "ByLang", type: "case-statement", props: { expression: "{{Lang}}", menuLinks: ["0", "1"], menuLinks_input: ["en-US", "es-MX"] } }],
        links: [],
      });
    expect((await runFlow(flow("es-MX"))).port("ByLang")).toBe("1");
    expect((await runFlow(flow(" en-US "))).port("ByLang")).toBe("0");
    expect((await runFlow(flow("fr-FR"))).port("ByLang")).toBe("default");
  });

  it("Case renders case values that are templates (switch on true), and reads menuLinks:input when that is the only twin", async () => {
    const flow = (count: number, toService: boolean) =>
      buildFlow({
        variables: [
          { name: "count", type: "INTEGER", value: String(count) },
          { name: "toService", type: "BOOLEAN", value: String(toService) },
        ],
        main: [
          {
            name: "Treat",
            type: "case-statement",
            props: { expression: "true", "expression:radioName": "build-expression", menuLinks: ["0", "1"], "menuLinks:input": ["{{count is even and toService}}", "{{count is even}}"] },
          },
        ],
        links: [],
      });
    expect((await runFlow(flow(2, true))).port("Treat")).toBe("0");
    expect((await runFlow(flow(2, false))).port("Treat")).toBe("1");
    expect((await runFlow(flow(3, true))).port("Treat")).toBe("default");
  });
});

describe("Business Hours", () => {
  const schedule = scheduleSchema.parse({
    id: "care",
    timeZone: "America/Phoenix",
    workingHours: [{ name: "Day shift", days: ["mon", "tue", "wed", "thu", "fri"], from: "08:00", to: "18:00" }],
    holidays: [{ name: "Thanksgiving", date: "2026-11-26" }],
    overrides: [{ name: "Storm closure", date: "2026-11-24", from: "12:00", to: "23:59" }],
  });
  const phoenix = (iso: string) => Date.parse(`${iso}-07:00`);

  it.each([
    ["Monday 09:00", "2026-11-23T09:00:00", "workingHours"],
    ["Monday 19:00", "2026-11-23T19:00:00", "default"],
    ["Saturday 10:00", "2026-11-28T10:00:00", "default"],
    ["Thanksgiving 10:00", "2026-11-26T10:00:00", "holidays"],
    ["Tuesday 13:00 during an override", "2026-11-24T13:00:00", "override"],
  ])("%s is %s in the schedule's own time zone", (_label, at, status) => {
    expect(evaluateSchedule(schedule, phoenix(at)).status).toBe(status);
  });

  it("routes a call by the schedule, with the shift name as an output", async () => {
    const flow = buildFlow({
      main: [
        { name: "Hours", type: "business-hours", props: { businessHoursId: "care" } },
        { name: "Open", type: "play-message", props: tts("We are open: {{Hours.WorkingHoursShift_Name}}") },
        { name: "Closed", type: "play-message", props: tts("We are closed") },
      ],
      links: [["Hours", "workingHours", "Open"], ["Hours", "default", "Closed"]],
    });
    const env = { businessHours: (_id: string, at: number) => evaluateSchedule(schedule, at) };
    expect((await runFlow(flow, { env, start: phoenix("2026-11-23T09:00:00") })).rec.prompts()).toEqual(["We are open: Day shift"]);
    expect((await runFlow(flow, { env, start: phoenix("2026-11-23T20:00:00") })).rec.prompts()).toEqual(["We are closed"]);
  });

  it("fails by its error port when the environment has no schedules", async () => {
    const flow = buildFlow({ main: [{ name: "Hours", type: "business-hours", props: { businessHoursId: "care" } }, { name: "E", type: "play-message", props: tts("e") }], links: [["Hours", "error", "E"]] });
    const { port, rec } = await runFlow(flow);
    expect(port("Hours")).toBe("error");
    expect(rec.of("error")[0]!.message).toContain('the environment defines no business hours (schedule "care")');
  });
});

describe("GoTo (hand-off)", () => {
  it("continues the contact in the target flow", async () => {
    const target = buildFlow({ name: "Overflow", main: [{ name: "Sorry", type: "play-message", props: tts("You reached overflow") }, { name: "Bye", type: "disconnect-contact" }], links: [["Sorry", "default", "Bye"]] });
    const flow = buildFlow({ main: [{ name: "Go", type: "hand-off", props: { handOffFlow: "Overflow" } }], links: [] });
    const { rec, ended } = await runFlow(flow, { env: { resolveFlow: (ref) => (ref === "Overflow" ? target : undefined) } });
    expect(rec.of("transferred")[0]!.destination).toBe("flow:Overflow");
    expect(rec.prompts()).toEqual(["You reached overflow"]);
    expect(ended.reason).toBe("disconnected");
  });
});
