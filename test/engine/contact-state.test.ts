/**
 * The contact's state machine (engine/contact-state.ts): its table, and what it refuses — nothing
 * leaves `ended`, a contact ends only after it began ending and only once, OnGlobalError does not
 * run inside itself, and subflows nest at most eight deep.
 */
import { describe, expect, it } from "vitest";
import { ContactState, MAX_SUBFLOW_DEPTH, PHASE_TRANSITIONS, type Phase, type PhaseEvent } from "../../src/engine/contact-state.js";

const PHASES: Phase[] = ["ivr", "queued", "offered", "engaged", "ended"];
const EVENTS: PhaseEvent[] = ["queued", "offered", "requeued", "answered", "ended"];

function at(phase: Phase): ContactState {
  const st = new ContactState();
  const path: Record<Phase, PhaseEvent[]> = { ivr: [], queued: ["queued"], offered: ["queued", "offered"], engaged: ["queued", "offered", "answered"], ended: [] };
  for (const e of path[phase]) expect(st.on(e)).toBe(true);
  if (phase === "ended") {
    st.finish();
    expect(st.on("ended")).toBe(true);
  }
  expect(st.phase).toBe(phase);
  return st;
}

describe("the contact's phase table", () => {
  it("is the table written in docs/architecture.md", () => {
    expect(PHASE_TRANSITIONS).toEqual({
      ivr: { queued: "queued", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
      queued: { queued: "queued", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
      offered: { queued: "offered", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
      engaged: { queued: "engaged", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
      ended: {},
    });
  });

  for (const phase of PHASES) {
    for (const event of EVENTS) {
      const next = PHASE_TRANSITIONS[phase][event];
      it(`${phase} + ${event} → ${next ?? "refused"}`, () => {
        const st = at(phase);
        if (event === "ended" && next !== undefined) st.finish();
        expect(st.on(event)).toBe(next !== undefined);
        expect(st.phase).toBe(next ?? phase);
      });
    }
  }

  it("refuses ended before the contact began ending", () => {
    const st = at("queued");
    expect(st.on("ended")).toBe(false);
    expect(st.phase).toBe("queued");
    expect(st.closing).toBe(false);
  });

  it("begins ending once; while ending the center may still move the phase; ended refuses everything", () => {
    const st = at("offered");
    expect(st.finish()).toBe(true);
    expect(st.finish()).toBe(false);
    expect(st.closing).toBe(true);
    expect(st.on("answered")).toBe(true);
    expect(st.on("ended")).toBe(true);
    for (const e of EVENTS) expect(st.on(e)).toBe(false);
    expect(st.finish()).toBe(false);
    expect(st.enterGlobalError()).toBe(false);
  });
});

describe("OnGlobalError and subflows", () => {
  it("does not run OnGlobalError inside itself", () => {
    const st = new ContactState();
    expect(st.enterGlobalError()).toBe(true);
    expect(st.enterGlobalError()).toBe(false);
    st.leaveGlobalError();
    expect(st.enterGlobalError()).toBe(true);
  });

  it("nests subflows at most eight deep, and a refused one leaves the depth as it was", () => {
    const st = new ContactState();
    for (let i = 0; i < MAX_SUBFLOW_DEPTH; i++) expect(st.enterSubflow()).toBe(true);
    expect(st.enterSubflow()).toBe(false);
    expect(st.subflowDepth).toBe(8);
    st.leaveSubflow();
    expect(st.enterSubflow()).toBe(true);
  });
});
