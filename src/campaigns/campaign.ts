/**
 * One outbound campaign: a list of customers' numbers, worked through by real SIP calls for the
 * agents of one queue.
 *
 * - Progressive: each time an agent of the campaign's queue is Available, the dialler reserves
 *   them (Idle, reason `Campaign <name>`, so no inbound contact is offered meanwhile) and dials
 *   `linesPerAgent` numbers for them. The first customer who answers goes through the flow as a
 *   campaign call (`LIVE_VOICE`: OutboundCampaignCallResult, then the main flow) and waits for
 *   that agent alone; a second one answering for the same agent is `ABANDONED` (the handler runs,
 *   then the call ends), as there is nobody to talk to them. A reservation whose lines all failed
 *   gives the agent back (Available).
 * - Preview: the Available agent is reserved and offered the customer's record first
 *   (`preview()`); on accept the number is dialled (PreDial `PREVIEW_CAMPAIGN` / `Customer`
 *   before it), and a live customer goes to that agent; skip closes the contact undialled.
 *
 * Every attempt is kept per contact with its outcome (call-progress.ts); a contact not reached is
 * dialled again after `retryDelaySeconds`, up to `maxAttempts` attempts in all.
 */
import type { ContactCenter } from "../center/index.js";
import type { CampaignResult, DialFirstOutcome } from "../engine/outbound-legs.js";
import type { DialResult, NotAnswered } from "./call-progress.js";
import { DiallerError, unansweredReason } from "./outdial.js";
import type { OutboundContacts } from "./ports.js";

export type CampaignMode = "preview" | "progressive";

export interface CampaignSpec {
  name: string;
  mode: CampaignMode;
  numbers: string[];
  /** The queue whose agents work the campaign (and which a live customer is reported in). */
  queue: string;
  /** Only agents of this team (of the queue) work the campaign. */
  team?: string;
  flow?: string;
  /** Our number, shown to customers (the contacts' DNIS). */
  from: string;
  /** Progressive pacing: numbers dialled at once per reserved agent. */
  linesPerAgent: number;
  maxAttempts: number;
  retryDelaySeconds: number;
  ringSeconds?: number;
}

export type AttemptResult = CampaignResult | NotAnswered | "SKIPPED";

export interface Attempt {
  at: number;
  interactionId?: string;
  /** The agent the attempt was for. */
  agentId: string;
  /** Absent while the call rings. */
  result?: AttemptResult;
  sipStatus?: number;
  reason?: string;
}

export type ContactStatus = "pending" | "previewing" | "dialling" | "connected" | "done";

export interface CampaignContact {
  /** 1-based, in the list's order. */
  id: number;
  number: string;
  status: ContactStatus;
  attempts: Attempt[];
  /** A contact waiting for a retry: not dialled before this time (epoch ms). */
  notBefore?: number;
}

export type CampaignStatus = "running" | "stopped" | "finished";

export interface CampaignView extends Omit<CampaignSpec, "numbers"> {
  id: string;
  /** How many numbers the list holds. */
  size: number;
  status: CampaignStatus;
  createdAt: number;
  /** Agents held for the campaign now, and what for. */
  reservations: Array<{ agentId: string; purpose: "preview" | "dialling" | "connecting"; contacts: number[] }>;
  totals: Record<ContactStatus, number> & { attempts: number; live: number };
  contacts: CampaignContact[];
}

export interface PreviewOffer {
  campaignId: string;
  campaignName: string;
  contactId: number;
  number: string;
  attempts: number;
}

interface Reservation {
  agentId: string;
  purpose: "preview" | "dialling" | "connecting";
  /** Contacts dialled (or offered) for this agent and not settled yet. */
  lines: Set<CampaignContact>;
  /** The customer who answered first: they go to this agent. */
  live?: CampaignContact;
}

export interface CampaignOptions {
  center: ContactCenter;
  contacts: OutboundContacts;
  now?: () => number;
  log?: (level: "info" | "warn", message: string) => void;
}

/** What an attempt's not-answered outcome is called in a contact's end reason. */
const REASON_PREFIX = "campaign";

export class Campaign {
  readonly createdAt: number;
  private status: CampaignStatus = "running";
  private readonly list: CampaignContact[];
  private readonly reservations = new Map<string, Reservation>();
  private unsubscribe?: () => void;
  private pumping = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly now: () => number;
  /** Told when the campaign has nothing left to do. */
  onFinished?: () => void;

  constructor(
    readonly id: string,
    readonly spec: CampaignSpec,
    private readonly options: CampaignOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    this.list = spec.numbers.map((number, i) => ({ id: i + 1, number, status: "pending", attempts: [] }));
  }

  /** The Idle reason of the agents the campaign holds. */
  get holdReason(): string {
    return `Campaign ${this.spec.name}`;
  }

  start(): void {
    this.unsubscribe = this.options.center.subscribe((e) => {
      if (e.type !== "agent-state") return;
      // An agent who leaves a preview (signs out, goes Available or Idle by hand) gives the contact back.
      const r = this.reservations.get(e.agentId);
      if (r?.purpose === "preview" && !(e.state === "Idle" && e.reason === this.holdReason)) setImmediate(() => this.withdraw(r));
      if (e.state === "Available") this.schedule();
    });
    this.schedule();
  }

  /** No new dials or previews; calls in progress go on, previews not accepted are withdrawn. */
  stop(): void {
    if (this.status !== "running") return;
    this.status = "stopped";
    for (const r of [...this.reservations.values()]) if (r.purpose === "preview") this.withdraw(r);
    this.close();
  }

  /** A preview not accepted: its contact waits again (undialled), the agent is given back. */
  private withdraw(r: Reservation): void {
    if (this.reservations.get(r.agentId) !== r || r.purpose !== "preview") return;
    for (const c of r.lines) c.status = "pending";
    r.lines.clear();
    this.release(r);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.retryTimer);
  }

  view(): CampaignView {
    const totals = { pending: 0, previewing: 0, dialling: 0, connected: 0, done: 0, attempts: 0, live: 0 };
    for (const c of this.list) {
      totals[c.status]++;
      totals.attempts += c.attempts.filter((a) => a.result !== "SKIPPED").length;
      if (c.attempts.some((a) => a.result === "LIVE_VOICE")) totals.live++;
    }
    // The numbers are in `contacts`, each with its attempts.
    const { numbers, ...spec } = this.spec;
    return {
      id: this.id,
      ...spec,
      size: numbers.length,
      status: this.status,
      createdAt: this.createdAt,
      reservations: [...this.reservations.values()].map((r) => ({ agentId: r.agentId, purpose: r.purpose, contacts: [...r.lines].map((c) => c.id) })),
      totals,
      contacts: this.list.map((c) => ({ ...c, attempts: c.attempts.map((a) => ({ ...a })) })),
    };
  }

  /** The contact offered to `agentId` for preview, if any. */
  preview(agentId: string): PreviewOffer | undefined {
    const r = this.reservations.get(agentId);
    if (r?.purpose !== "preview") return undefined;
    const contact = [...r.lines][0];
    if (!contact) return undefined;
    return { campaignId: this.id, campaignName: this.spec.name, contactId: contact.id, number: contact.number, attempts: contact.attempts.length };
  }

  /** The agent takes the previewed contact: it is dialled now. */
  acceptPreview(agentId: string): { contactId: number; interactionId: string } {
    const r = this.previewOf(agentId);
    const contact = [...r.lines][0]!;
    r.purpose = "dialling";
    const interactionId = this.dial(contact, r);
    return { contactId: contact.id, interactionId };
  }

  /** The agent passes on the previewed contact: closed undialled, the agent given back. */
  skipPreview(agentId: string): { contactId: number } {
    const r = this.previewOf(agentId);
    const contact = [...r.lines][0]!;
    contact.attempts.push({ at: this.now(), agentId, result: "SKIPPED" });
    contact.status = "done";
    r.lines.delete(contact);
    this.release(r);
    this.schedule();
    return { contactId: contact.id };
  }

  private previewOf(agentId: string): Reservation {
    const r = this.reservations.get(agentId);
    if (r?.purpose !== "preview" || r.lines.size === 0) throw new DiallerError(409, "NO_PREVIEW", `agent "${agentId}" has no contact of campaign "${this.spec.name}" to preview`);
    return r;
  }

  /** Runs the pacing once the current event is over (center events arrive inside its operations). */
  private schedule(): void {
    if (this.pumping || this.status !== "running") return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.status !== "running") return;
    const { center } = this.options;
    for (const agent of center.listAgents()) {
      if (agent.state !== "Available" || this.reservations.has(agent.id)) continue;
      if (!agent.queues.includes(this.spec.queue) && !agent.queues.includes("*")) continue;
      if (this.spec.team !== undefined && agent.teamId !== this.spec.team) continue;
      const lines = this.spec.mode === "preview" ? 1 : this.spec.linesPerAgent;
      const due = this.due(lines);
      if (due.length === 0) break;
      center.setIdle(agent.id, this.holdReason);
      const r: Reservation = { agentId: agent.id, purpose: this.spec.mode === "preview" ? "preview" : "dialling", lines: new Set(due) };
      this.reservations.set(agent.id, r);
      for (const contact of due) {
        if (this.spec.mode === "preview") contact.status = "previewing";
        else this.dial(contact, r);
      }
      this.options.log?.("info", `campaign ${this.spec.name}: ${this.spec.mode === "preview" ? `previewing ${due[0]!.number} with` : `dialling ${due.length} for`} agent ${agent.id}`);
    }
    this.afterChange();
  }

  /** Up to `n` contacts to dial now, retries whose delay has passed included. */
  private due(n: number): CampaignContact[] {
    const now = this.now();
    return this.list.filter((c) => c.status === "pending" && (c.notBefore === undefined || c.notBefore <= now)).slice(0, n);
  }

  private dial(contact: CampaignContact, r: Reservation): string {
    contact.status = "dialling";
    contact.notBefore = undefined;
    const attempt: Attempt = { at: this.now(), agentId: r.agentId };
    contact.attempts.push(attempt);
    const mode = this.spec.mode;
    const { interactionId } = this.options.contacts.start({
      ...(this.spec.flow !== undefined ? { flow: this.spec.flow } : {}),
      number: contact.number,
      from: this.spec.from,
      // Cisco's PreDial table lists a campaign's customer leg for preview only.
      ...(mode === "preview" ? { leg: { operation: "PREVIEW_CAMPAIGN", participant: "Customer" as const, dialNumber: contact.number } } : {}),
      ...(this.spec.ringSeconds !== undefined ? { ringTimeoutMs: this.spec.ringSeconds * 1000 } : {}),
      decide: (result) => this.decide(contact, attempt, r, result),
      onQueued: () => {
        if (r.live === contact) setImmediate(() => this.release(r));
      },
      onEnded: (reason) => {
        if (attempt.result === undefined) {
          attempt.result = "ABANDONED";
          attempt.reason = `the contact ended before the customer answered (${reason})`;
          this.settle(contact, r);
        }
        if (contact.status === "connected") {
          contact.status = "done";
          this.afterChange();
        }
        if (r.live === contact) this.release(r);
      },
    });
    attempt.interactionId = interactionId;
    return interactionId;
  }

  private decide(contact: CampaignContact, attempt: Attempt, r: Reservation, result: DialResult): DialFirstOutcome {
    if (!result.answered) {
      attempt.result = result.outcome;
      attempt.reason = result.reason;
      if (result.sipStatus !== undefined) attempt.sipStatus = result.sipStatus;
      this.settle(contact, r);
      return { answered: false, reason: unansweredReason(REASON_PREFIX, result.outcome) };
    }
    const cpa: CampaignResult = r.live === undefined && this.reservations.get(r.agentId) === r ? "LIVE_VOICE" : "ABANDONED";
    attempt.result = cpa;
    if (cpa === "LIVE_VOICE") {
      r.live = contact;
      r.purpose = "connecting";
      contact.status = "connected";
      r.lines.delete(contact);
      this.afterChange();
    } else this.settle(contact, r);
    return { answered: true, campaign: { mode: this.spec.mode, result: cpa, queueId: this.spec.queue, ...(cpa === "LIVE_VOICE" ? { agentId: r.agentId } : {}) } };
  }

  /** An attempt that reached no agent: the contact is retried or done; the agent freed when nothing is left for them. */
  private settle(contact: CampaignContact, r: Reservation): void {
    r.lines.delete(contact);
    const reached = contact.attempts.some((a) => a.result === "LIVE_VOICE");
    if (!reached && contact.attempts.filter((a) => a.result !== "SKIPPED").length < this.spec.maxAttempts && this.status === "running") {
      contact.status = "pending";
      contact.notBefore = this.now() + this.spec.retryDelaySeconds * 1000;
    } else if (contact.status !== "connected") contact.status = "done";
    if (r.lines.size === 0 && r.live === undefined) this.release(r);
    this.afterChange();
    this.schedule();
  }

  /** Gives the agent back (Available) when the campaign still holds them. */
  private release(r: Reservation): void {
    if (this.reservations.get(r.agentId) !== r) return;
    if (r.lines.size > 0 && r.live === undefined) return;
    this.reservations.delete(r.agentId);
    const agent = this.options.center.agent(r.agentId);
    if (agent?.state === "Idle" && agent.reason === this.holdReason) {
      try {
        this.options.center.setAvailable(r.agentId);
      } catch (err) {
        this.options.log?.("warn", `campaign ${this.spec.name}: could not make agent ${r.agentId} Available again: ${(err as Error).message}`);
      }
    }
    this.schedule();
  }

  /** Arms the retry timer for the next contact waiting out its delay; notices the end. */
  private afterChange(): void {
    clearTimeout(this.retryTimer);
    if (this.status !== "running") return;
    const open = this.list.some((c) => c.status !== "done");
    if (!open) {
      this.status = "finished";
      this.close();
      this.options.log?.("info", `campaign ${this.spec.name}: finished`);
      this.onFinished?.();
      return;
    }
    const next = Math.min(...this.list.filter((c) => c.status === "pending" && c.notBefore !== undefined).map((c) => c.notBefore!));
    if (Number.isFinite(next)) this.retryTimer = setTimeout(() => this.schedule(), Math.max(0, next - this.now()) + 5);
  }
}
