/**
 * The agent state machine as a supervisor would describe it: which moves an agent can make from
 * each state, and what an agent is told when a request does not fit their state. The second half
 * drives a real center through the desktop's requests (state switch, wrap-up, lost desktop).
 */
import { describe, expect, it } from "vitest";
import { AGENT_TRANSITIONS, checkAgentAction, nextAgentState, type AgentState } from "../../src/center/agent-machine.js";
import { FakeContact, harness } from "./helpers.js";

const STATES: AgentState[] = ["LoggedOut", "Idle", "Available", "Reserved", "Engaged", "WrapUp"];

describe("the agent state machine", () => {
  it("lets a logged-out agent only log in, and an Engaged one only finish the call (or a consult)", () => {
    expect(Object.keys(AGENT_TRANSITIONS.LoggedOut)).toEqual(["login"]);
    expect(Object.keys(AGENT_TRANSITIONS.Engaged).sort()).toEqual(["consult-end", "contact-ended", "end", "shutdown"]);
    // A consulted agent (transfers.ts) joins from Available and goes back there.
    expect(nextAgentState("a", "Available", "consult")).toBe("Engaged");
    expect(nextAgentState("a", "Engaged", "consult-end")).toBe("Available");
    expect(nextAgentState("a", "Engaged", "end")).toBe("WrapUp");
    expect(() => nextAgentState("a", "Engaged", "logout")).toThrow(/cannot go from Engaged/);
  });

  it("reaches every state from LoggedOut and leads every state somewhere", () => {
    const seen = new Set<AgentState>(["LoggedOut"]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const from of [...seen]) {
        for (const targets of Object.values(AGENT_TRANSITIONS[from])) {
          for (const to of targets ?? []) {
            if (seen.has(to)) continue;
            seen.add(to);
            grew = true;
          }
        }
      }
    }
    expect([...seen].sort()).toEqual([...STATES].sort());
    for (const s of STATES) expect(Object.keys(AGENT_TRANSITIONS[s]).length).toBeGreaterThan(0);
  });

  it("picks among several targets only those the table names", () => {
    expect(nextAgentState("a", "Reserved", "decline")).toBe("Idle");
    expect(nextAgentState("a", "Reserved", "decline", "Available")).toBe("Available");
    expect(() => nextAgentState("a", "Reserved", "decline", "WrapUp")).toThrow(/cannot go from Reserved to WrapUp/);
  });

  it("refuses requests that do not fit the state, with the code the API maps to 409", () => {
    const refusal = (state: AgentState, action: Parameters<typeof checkAgentAction>[2]) => {
      try {
        checkAgentAction("ana", state, action);
        return "ok";
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
    };
    expect(refusal("LoggedOut", "available")).toBe('AGENT_NOT_LOGGED_IN: agent "ana" is not logged in');
    expect(refusal("Engaged", "idle")).toBe('INVALID_STATE: agent "ana" is Engaged; finish the contact first');
    expect(refusal("Idle", "accept")).toBe('INVALID_STATE: agent "ana" is Idle; only a ringing (Reserved) agent can accept');
    expect(refusal("Available", "end")).toBe('INVALID_STATE: agent "ana" is Available; only an Engaged agent can end a contact');
    expect(refusal("Engaged", "logout")).toBe('INVALID_STATE: agent "ana" is Engaged; end the contact before logging out');
    expect(refusal("Idle", "finish-wrap-up")).toBe('INVALID_STATE: agent "ana" is Idle, not in WrapUp');
    expect(refusal("WrapUp", "finish-wrap-up")).toBe("ok");
    expect(refusal("Reserved", "decline")).toBe("ok");
  });
});

describe("desktop requests through the center", () => {
  const config = { queues: [{ id: "q1", name: "Sales" }], agents: [{ id: "ana", name: "Ana", queues: ["q1"] }] };

  it("logs a logged-out agent on when the desktop switches to Available, and ends wrap-up by hand", async () => {
    const h = harness(config, { wrapUpMs: null });
    expect(h.center.requestState("ana", { state: "Available" }).state).toBe("Available");
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "q1", priority: 1 });
    h.center.accept("ana");
    expect(() => h.center.finishWrapUp("ana")).toThrow(/Engaged, not in WrapUp/);
    h.center.end("ana");
    expect(h.center.finishWrapUp("ana", { state: "Idle", reason: "Break" })).toMatchObject({ state: "Idle", reason: "Break" });
    await h.settle();
    expect(caller.types()).toEqual(["offered", "answered", "agent-disconnected", "ended"]);
  });

  it("puts a ringing offer back in the queue when the desktop is lost, and leaves a call in progress alone", async () => {
    const h = harness(config);
    h.center.login("ana", { available: true });
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "q1", priority: 1 });
    expect(h.center.desktopLost("ana")).toMatchObject({ state: "Idle", reason: "Disconnected" });
    expect(h.center.contact("c1")).toMatchObject({ state: "queued", position: 1 });
    h.center.setAvailable("ana");
    h.center.accept("ana");
    expect(h.center.desktopLost("ana")).toBeUndefined();
    expect(h.center.agent("ana")!.state).toBe("Engaged");
    await h.settle();
    expect(caller.types()).toEqual(["offered", "declined", "offered", "answered"]);
  });
});
