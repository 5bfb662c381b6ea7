/**
 * Where one contact is in its life, as one state machine: the phase the center moves it through,
 * whether it is ending, whether OnGlobalError is running, and how deep its subflows are nested.
 * The interaction asks this machine and never sets the fields itself; a transition the table
 * does not list is refused (the method returns false and nothing changes). The table is written
 * out in docs/architecture.md ("The contact's states").
 */

export type Phase = "ivr" | "queued" | "offered" | "engaged" | "ended";

/** What moves a contact's phase. */
export type PhaseEvent =
  /** A Queue Contact succeeded. */
  | "queued"
  /** The center offers the contact to an agent. */
  | "offered"
  /** The offer lapsed (RONA), was declined, or the agent transferred the contact back to waiting. */
  | "requeued"
  /** An agent answered. */
  | "answered"
  /** PhoneContactEnded has run after `finish`: the contact is gone. */
  | "ended";

/**
 * phase × event → next phase. Absent: refused. `queued` outside the IVR leaves the phase as it is
 * (a contact already with the center stays where the center put it). Nothing leaves `ended`.
 */
export const PHASE_TRANSITIONS: Readonly<Record<Phase, Readonly<Partial<Record<PhaseEvent, Phase>>>>> = {
  ivr: { queued: "queued", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
  queued: { queued: "queued", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
  offered: { queued: "offered", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
  engaged: { queued: "engaged", offered: "offered", requeued: "queued", answered: "engaged", ended: "ended" },
  ended: {},
};

/** Subflows (and GoTo targets) a contact may have running inside each other. */
export const MAX_SUBFLOW_DEPTH = 8;

export class ContactState {
  private current: Phase = "ivr";
  private finishing = false;
  private globalError = false;
  private depth = 0;

  get phase(): Phase {
    return this.current;
  }

  /** `finish` has begun (the contact is ending) or the contact has ended: nothing new starts. */
  get closing(): boolean {
    return this.finishing || this.current === "ended";
  }

  get ending(): boolean {
    return this.finishing;
  }

  get inGlobalError(): boolean {
    return this.globalError;
  }

  get subflowDepth(): number {
    return this.depth;
  }

  /** Moves the phase; false (and no change) when the table refuses. `ended` also needs `finish` first. */
  on(event: PhaseEvent): boolean {
    const next = PHASE_TRANSITIONS[this.current][event];
    if (next === undefined) return false;
    if (event === "ended" && !this.finishing) return false;
    this.current = next;
    return true;
  }

  /** The contact starts ending; false when it already is (finish runs once). */
  finish(): boolean {
    if (this.finishing || this.current === "ended") return false;
    this.finishing = true;
    return true;
  }

  /** OnGlobalError starts; false when it is already running (an error inside it ends the call instead). */
  enterGlobalError(): boolean {
    if (this.globalError || this.current === "ended") return false;
    this.globalError = true;
    return true;
  }

  leaveGlobalError(): void {
    this.globalError = false;
  }

  /** A subflow starts; false when that would nest more than MAX_SUBFLOW_DEPTH deep. */
  enterSubflow(): boolean {
    if (this.depth >= MAX_SUBFLOW_DEPTH) return false;
    this.depth++;
    return true;
  }

  leaveSubflow(): void {
    if (this.depth > 0) this.depth--;
  }
}
