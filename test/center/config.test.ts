import { describe, expect, it } from "vitest";
import { CenterConfigError, parseCenterConfig } from "../../src/center/config.js";
import { ContactCenter } from "../../src/center/contact-center.js";
import { VirtualClock } from "../../src/time/clock.js";

function problems(raw: unknown): string[] {
  try {
    parseCenterConfig(raw, "env.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(CenterConfigError);
    return (err as CenterConfigError).problems;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("the environment file's queues, teams and agents", () => {
  it("accepts a working environment, fills defaults and ignores other sections", () => {
    const { config, notices } = parseCenterConfig({
      connectors: { dynamics: { url: "https://example" } },
      queues: [{ id: "support", name: "Support", maxWaitSeconds: 600 }, { id: "vip", routing: "SKILLS_BASED" }],
      teams: [{ id: "t1", name: "Tier 1" }],
      agents: [
        { id: "ana", name: "Ana", email: "ana@example.com", teamId: "t1", queues: ["support", "vip"] },
        { id: "bot", name: "Bot", queues: ["*"], simulated: { answerAfterSeconds: 1 } },
      ],
    });
    expect(config.queues[0]).toEqual({ id: "support", name: "Support", routing: "LONGEST_AVAILABLE_AGENT", maxWaitSeconds: 600 });
    expect(config.agents[1]!.simulated).toEqual({
      answerAfterSeconds: 1,
      talkSeconds: 30,
      wrapUpSeconds: 5,
      readyAfterSeconds: 5,
      declines: 0,
      ignores: 0,
    });
    expect(config.center).toMatchObject({ ringTimeoutSeconds: 15, declineState: "Idle", autoCreateQueues: true });
    expect(notices).toEqual([expect.stringContaining('queue "vip": SKILLS_BASED routing is not implemented yet')]);
    expect("connectors" in config).toBe(false);
  });

  it("names the entry and the field of a shape error", () => {
    expect(
      problems({
        queues: [{ id: "support", routing: "ROUND_ROBIN" }],
        agents: [{ id: "ana", name: "Ana", email: "ana.example.com", queues: ["support"] }],
      }),
    ).toEqual([
      expect.stringMatching(/^queues\[0\] \(id "support"\)\.routing: /),
      'agents[0] (id "ana").email: must be an email address (name@host)',
    ]);
  });

  it("reports unknown keys, missing names and bad simulated timings", () => {
    const found = problems({
      agents: [{ id: "bo", queues: [], colour: "red", simulated: { answerAfterSeconds: -1 } }],
    });
    expect(found).toContain('agents[0] (id "bo").name: Invalid input: expected string, received undefined');
    expect(found.some((p) => p.startsWith('agents[0] (id "bo"): Unrecognized key: "colour"'))).toBe(true);
    expect(found.some((p) => p.startsWith('agents[0] (id "bo").simulated.answerAfterSeconds:'))).toBe(true);
  });

  it("reports every broken reference at once: queues, teams, duplicates", () => {
    expect(
      problems({
        queues: [{ id: "support" }, { id: "support" }],
        teams: [{ id: "t1", name: "Tier 1" }],
        agents: [
          { id: "ana", name: "Ana", email: "ana@example.com", teamId: "t9", queues: ["support", "sales"] },
          { id: "bob", name: "Bob", email: "ANA@example.com" },
          { id: "ana", name: "Ana again" },
        ],
      }),
    ).toEqual([
      'queues[1] (id "support"): duplicate id, already used by queues[0]',
      'agents[2] (id "ana"): duplicate id, already used by agents[0]',
      'agents[0] (id "ana").teamId: team "t9" is not defined in teams (known: "t1")',
      'agents[0] (id "ana").queues[1]: queue "sales" is not defined in queues (known: "support")',
      'agents[1] (id "bob").email: "ANA@example.com" is already used by agents[0]',
    ]);
  });

  it("says what it expected when the file is not an object, and names the file", () => {
    expect(() => parseCenterConfig([1, 2], "env.yaml")).toThrow(/^env\.yaml: expected an object/);
    expect(() => parseCenterConfig({ queues: "support" }, "env.yaml")).toThrow(/^env\.yaml: queues: /);
  });

  it("is validated by the center itself, so a bad environment never half-starts", () => {
    expect(() => new ContactCenter({ clock: new VirtualClock(), config: { agents: [{ id: "x", name: "X", queues: ["nope"] }] } })).toThrow(
      CenterConfigError,
    );
  });
});

describe("center.dialPlan credentials", () => {
  it("take the trunk's password from an environment variable, never as a literal, and user and password together", async () => {
    const { centerSettingsSchema } = await import("../../src/center/config.js");
    const { trunkCredentials } = await import("../../src/server/outside-transfer.js");
    const entry = { prefix: "+1777", uri: "sip:{number}@127.0.0.1:5070", username: "ccflow-trunk", password: "${TRUNK_PASSWORD}" };
    const parsed = centerSettingsSchema.parse({ dialPlan: [entry] });
    expect(trunkCredentials(parsed.dialPlan[0]!, { TRUNK_PASSWORD: "pw-1" })).toEqual({ username: "ccflow-trunk", password: "pw-1" });
    expect(() => trunkCredentials(parsed.dialPlan[0]!, {})).toThrow("center.dialPlan entry +1777: password refers to environment variable TRUNK_PASSWORD, which is not set");
    const literal = centerSettingsSchema.safeParse({ dialPlan: [{ ...entry, password: "hunter2" }] });
    expect(literal.success).toBe(false);
    expect(JSON.stringify(literal.error?.issues)).toContain("must be ${ENV_VAR}");
    expect(centerSettingsSchema.safeParse({ dialPlan: [{ prefix: "+1", uri: "sip:{number}@127.0.0.1", username: "u" }] }).success).toBe(false);
  });
});
