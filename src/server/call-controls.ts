/**
 * The agent's call controls that live beside the center: hold and resume (with music to the
 * caller), mute, editing call-associated data the flow marks `isAgentEditable`, and the wrap-up
 * code with notes. Each step is recorded on the contact's event stream as a `control` event (the
 * trace, the caller's softphone, and the media layer read it) and on the contact record.
 *
 * Hold music: when the caller and the agent's headset are bridged (voice-lines.ts), the bridge
 * holds (music to the caller, silence to the agent); otherwise it goes through the caller's
 * channel like the flow's own Play Music, so a browser caller sees and hears it and a SIP caller
 * without a bridged agent hears it over RTP. Anything else that carries audio can follow the
 * `control` events (calls.onEvent, `e.type === "control"`); see docs/desk.md. Mute cuts the agent's
 * voice in the bridge. Hold and mute belong to the agent's leg: a transfer starts the next agent
 * unheld and unmuted.
 */
import type { ContactCenter } from "../center/index.js";
import type { ControlEvent } from "../engine/events.js";
import type { CallRegistry, CallSession } from "./calls.js";
import type { ContactRecords } from "./contact-records.js";
import { ApiError } from "./errors.js";
import type { OutboundCall } from "../channels/sip/outbound-call.js";
import type { OutsideTransfers } from "./outside-transfer.js";

/** The file Webex plays by default while a caller waits or is held. */
export const HOLD_MUSIC_FILE = "defaultmusic_on_hold.wav";
const HOLD_MUSIC_CHUNK_MS = 30_000;
const MAX_NOTES = 2000;
const MAX_CAD_VALUE = 1000;

export interface ContactControls {
  held: boolean;
  /** When the current hold began. */
  heldSince?: number;
  muted: boolean;
}

export interface WrapUpCode {
  id: string;
  name: string;
}

/** A consult to an outside number under way (the caller on hold, the agent talking to it). */
interface NumberConsult {
  agentId: string;
  number: string;
  since: number;
  call: OutboundCall;
  release(): void;
}

interface Live {
  held: boolean;
  heldSince?: number;
  muted: boolean;
  /** The consult on this contact was made a conference (valid while that consult lasts). */
  conference?: boolean;
  music?: AbortController;
}

/** The caller-agent audio bridge, when the server carries audio (server/voice-lines.ts). */
export interface AudioHold {
  /** The agent's line talks to an outside call, the caller hears music; false when the agent has no line. */
  consultNumber?(interactionId: string, agentId: string, leg: OutboundCall["rtp"]): boolean;
  /** That consult is over; `back`: the caller is bridged to the agent again (held). */
  endNumberConsult?(interactionId: string, back: boolean): void;
  /** Holds (music to the caller) or resumes a bridged contact; false when it is not bridged. */
  hold(interactionId: string, on: boolean): boolean;
  /** Cuts the agent's voice to the caller, or lets it through again (kept for a later bridge). */
  mute(interactionId: string, on: boolean): boolean;
  /** Mixes the caller into the consult's two agents; false when it cannot (yet). */
  conference(interactionId: string): boolean;
}

export class CallControls {
  private readonly live = new Map<string, Live>();
  /** Consults to an outside number, by contact. */
  private readonly numberConsults = new Map<string, NumberConsult>();
  private readonly unsubscribe: () => void;
  /** Set by the server when it bridges audio. */
  audio?: AudioHold;
  /** On a cluster node: shares a call's hold and mute state with the other nodes, and reads theirs. */
  cluster?: {
    share(interactionId: string, state: ContactControls): void;
    shared(interactionId: string): ContactControls | undefined;
  };
  /** Set by the server when it can place calls to outside numbers (its SIP front runs). */
  outside?: OutsideTransfers;

  constructor(
    private readonly center: ContactCenter,
    private readonly calls: CallRegistry,
    private readonly options: { now: () => number; wrapUpCodes: WrapUpCode[]; records?: ContactRecords },
  ) {
    // The call is over: music stops, the state goes.
    this.unsubscribe = calls.onEvent((s, e) => {
      if (e.type === "ended" || (e.type === "answered" && !this.live.get(s.interactionId)?.held)) this.stopMusic(s.interactionId);
      if (e.type === "ended") {
        this.live.delete(s.interactionId);
        // The contact ended mid-consult: outside-transfer.ts hangs the number up.
        this.numberConsults.delete(s.interactionId);
      }
    });
  }

  close(): void {
    this.unsubscribe();
    for (const id of this.live.keys()) this.stopMusic(id);
  }

  get wrapUpCodes(): WrapUpCode[] {
    return this.options.wrapUpCodes;
  }

  /** What the agent desktop shows about the contact's controls. */
  state(interactionId: string): ContactControls {
    const l = this.live.get(interactionId);
    if (!l && !this.calls.get(interactionId)) {
      // A call of another cluster node: as that node shared it.
      const shared = this.cluster?.shared(interactionId);
      if (shared) return shared;
    }
    return { held: l?.held ?? false, ...(l?.heldSince !== undefined ? { heldSince: l.heldSince } : {}), muted: l?.muted ?? false };
  }

  hold(agentId: string): void {
    const session = this.engaged(agentId, "hold");
    const l = this.entry(session.interactionId);
    if (l.held) throw new ApiError(409, "ALREADY_HELD", "the call is already on hold");
    if (l.conference && this.center.consultFor(agentId)) throw new ApiError(409, "INVALID_STATE", "the call is a conference; end the consult (the caller stays with you) or transfer first");
    l.held = true;
    l.heldSince = this.options.now();
    if (!this.audio?.hold(session.interactionId, true)) this.startMusic(session);
    this.record(session, agentId, "hold");
  }

  resume(agentId: string): void {
    const session = this.engaged(agentId, "resume");
    const l = this.entry(session.interactionId);
    if (!l.held) throw new ApiError(409, "NOT_HELD", "the call is not on hold");
    if (this.center.consultFor(agentId)) throw new ApiError(409, "INVALID_STATE", "the caller stays on hold during a consult; end it or transfer first");
    l.held = false;
    l.heldSince = undefined;
    this.audio?.hold(session.interactionId, false);
    this.stopMusic(session.interactionId);
    this.record(session, agentId, "resume");
  }

  mute(agentId: string, muted: boolean): void {
    const session = this.engaged(agentId, muted ? "mute" : "unmute");
    const l = this.entry(session.interactionId);
    if (l.muted === muted) return;
    l.muted = muted;
    this.audio?.mute(session.interactionId, muted);
    this.record(session, agentId, muted ? "mute" : "unmute");
  }

  /** Sets a variable the flow marks isAgentEditable; the flow's event flows see the new value. */
  editCad(agentId: string, name: string, value: string): void {
    const session = this.current(agentId, "edit call-associated data");
    const def = [...session.flow.definition.variables.values()].find((v) => v.name.toLowerCase() === name.toLowerCase());
    if (!def || !def.isCAD) throw new ApiError(404, "CAD_NOT_FOUND", `the call has no call-associated data named "${name.slice(0, 80)}"`);
    if (!def.isAgentEditable || def.isSecure) throw new ApiError(403, "CAD_NOT_EDITABLE", `"${def.desktopLabel || def.name}" is not editable by agents (the flow does not mark it isAgentEditable)`);
    if (value.length > MAX_CAD_VALUE) throw new ApiError(400, "BAD_REQUEST", `value: at most ${MAX_CAD_VALUE} characters`);
    try {
      session.interaction.variables.set(def.name, value, "agent");
    } catch (err) {
      throw new ApiError(400, "BAD_REQUEST", `${def.desktopLabel || def.name}: ${(err as Error).message}`);
    }
    this.record(session, agentId, "edit-cad", def.name);
  }

  /** Blind transfer to a queue or an Available agent; the caller hears music while it waits. */
  async transfer(agentId: string, to: { queue?: string; agent?: string }): Promise<void> {
    const session = this.engaged(agentId, "transfer");
    const target = to.queue !== undefined ? { queueId: to.queue } : { agentId: to.agent ?? "" };
    // perform: on a cluster node, answered once applied from the shared log, so a refusal is the answer's.
    await this.center.perform("transfer", agentId, target);
    this.unhold(session.interactionId);
    this.startMusic(session);
    this.record(session, agentId, "transfer", to.queue !== undefined ? `queue ${this.queueName(to.queue)}` : `agent ${this.agentName(to.agent!)}`);
  }

  /**
   * Transfer to an outside number from the dial plan: the caller is held while the flow's PreDial
   * runs and the number rings; once it answers the agent wraps up and the caller talks to it. Not answered, refused or unreachable:
   * an error, and the caller stays on hold with the agent.
   */
  async transferOut(agentId: string, number: string): Promise<void> {
    const session = this.engaged(agentId, "transfer");
    if (!this.outside) throw new ApiError(503, "NO_OUTSIDE_LINE", "this server places no outside calls (it runs without its SIP front)");
    const uri = this.outside.check(session, number);
    // Webex runs the flow's PreDial before it dials the number (TRANSFER_TO_DN/DN, as the flow's own Blind Transfer does).
    const call = await this.holdAndDial(session, agentId, number, uri, "TRANSFER_TO_DN");
    await this.center.perform("transfer", agentId, { number });
    this.unhold(session.interactionId);
    this.outside.connect(session, call);
    this.record(session, agentId, "transfer", `number ${number}`);
  }

  /**
   * Holds the caller, runs the flow's PreDial for the number (participant DN) and rings it; the
   * answered call, unless the caller hung up or the agent left the call meanwhile.
   */
  private async holdAndDial(session: CallSession, agentId: string, number: string, uri: string, operation: "TRANSFER_TO_DN" | "CONSULT_TO_DN"): Promise<OutboundCall> {
    if (!this.entry(session.interactionId).held) this.hold(agentId);
    await session.interaction.raisePreDial({ operation, participant: "DN", dialNumber: number });
    if (session.ended) throw new ApiError(409, "CALL_ENDED", "the call ended before the number was dialled");
    const call = await this.outside!.dial(session, number, uri);
    const agent = this.center.agent(agentId);
    if (session.ended || agent?.state !== "Engaged" || agent.interactionId !== session.interactionId) {
      call.hangup();
      throw new ApiError(409, "CALL_ENDED", "the call ended or left you while the number rang");
    }
    return call;
  }

  /**
   * Consults an Available agent, or the longest-available agent of a queue: the caller is put on
   * hold meanwhile.
   */
  async consult(agentId: string, to: { agent?: string; queue?: string }): Promise<void> {
    const session = this.engaged(agentId, "consult");
    await this.center.perform("consult", agentId, to.queue !== undefined ? { queueId: to.queue } : (to.agent ?? ""));
    this.entry(session.interactionId).conference = false;
    if (!this.entry(session.interactionId).held) this.hold(agentId);
    const consulted = this.center.consultFor(agentId)?.to;
    const name = consulted ? this.agentName(consulted) : this.agentName(to.agent ?? "");
    this.record(session, agentId, "consult", to.queue !== undefined ? `${name} of queue ${this.queueName(to.queue)}` : name);
  }

  /**
   * Consults an outside number from the dial plan: the caller is held while the flow's PreDial
   * (CONSULT_TO_DN/DN) runs and the number rings; once it answers, the agent's headset talks to it
   * while the caller hears music. Then `completeConsult` hands the caller to the number (the agent
   * wraps up) or `endConsult` hangs it up (the caller stays on hold with the agent). Busy, refused or
   * unanswered: an error, and the caller stays on hold with the agent.
   */
  async consultNumber(agentId: string, number: string): Promise<void> {
    const session = this.engaged(agentId, "consult");
    if (!this.outside) throw new ApiError(503, "NO_OUTSIDE_LINE", "this server places no outside calls (it runs without its SIP front)");
    if (this.center.consultFor(agentId)) throw new ApiError(409, "INVALID_STATE", "a consult is already under way on this call");
    if (!this.audio?.consultNumber) throw new ApiError(409, "NO_AUDIO", "a consult to a number needs the server's audio bridge");
    const uri = this.outside.check(session, number);
    const call = await this.holdAndDial(session, agentId, number, uri, "CONSULT_TO_DN");
    if (!this.audio.consultNumber(session.interactionId, agentId, call.rtp)) {
      call.hangup();
      throw new ApiError(409, "NO_AUDIO", "connect your headset first: a consult to a number talks through it");
    }
    const { release } = this.outside.consulting(session, call, () => {
      // The number hung up first: the consult is over, the caller waits on hold with the agent.
      if (this.numberConsults.get(session.interactionId)?.call !== call) return;
      this.numberConsults.delete(session.interactionId);
      this.audio?.endNumberConsult?.(session.interactionId, true);
      this.record(session, agentId, "consult-end", `number ${number} hung up`);
    });
    this.numberConsults.set(session.interactionId, { agentId, number, since: this.options.now(), call, release });
    this.record(session, agentId, "consult", `number ${number}`);
  }

  /** The consult to an outside number the agent is in, if any. */
  numberConsultFor(agentId: string): { number: string; since: number; interactionId: string } | undefined {
    for (const [interactionId, c] of this.numberConsults) if (c.agentId === agentId) return { number: c.number, since: c.since, interactionId };
    return undefined;
  }

  /**
   * The asking agent turns the consult into a three-way conference: the caller comes off hold and
   * the caller and both agents hear each other. It ends as a consult does: the consulted agent
   * leaves (consult/end, or their End call) and the caller stays with the asking agent, talking;
   * or the asking agent transfers to the consulted one and wraps up.
   */
  conference(agentId: string): void {
    const consult = this.center.consultFor(agentId);
    if (!consult || consult.from !== agentId) throw new ApiError(409, "INVALID_STATE", `agent "${agentId}" has no consult of their own to turn into a conference`);
    const session = this.engaged(agentId, "start a conference");
    const l = this.entry(session.interactionId);
    if (l.conference) throw new ApiError(409, "ALREADY_CONFERENCED", "the call is already a conference");
    l.conference = true;
    l.held = false;
    l.heldSince = undefined;
    this.stopMusic(session.interactionId);
    this.audio?.conference(session.interactionId);
    this.record(session, agentId, "conference", this.agentName(consult.to));
  }

  /** The contact's consult is a conference now (see conference). */
  inConference(interactionId: string): boolean {
    return this.live.get(interactionId)?.conference === true;
  }

  /** Consulted transfer: the consulted agent (or number) takes the caller, off hold. */
  async completeConsult(agentId: string): Promise<void> {
    const toNumber = this.numberConsultFor(agentId);
    if (toNumber) return this.completeNumberConsult(agentId, toNumber.interactionId);
    const consult = this.center.consultFor(agentId);
    const session = consult ? this.calls.get(consult.interactionId) : undefined;
    await this.center.perform("completeConsult", agentId);
    if (!session || !consult) return;
    this.audio?.hold(session.interactionId, false);
    this.unhold(session.interactionId);
    this.record(session, agentId, "consult-transfer", this.agentName(consult.to));
  }

  /** Ends the consult (either agent); the caller stays on hold with the first agent until resumed. */
  async endConsult(agentId: string): Promise<void> {
    const toNumber = this.numberConsultFor(agentId);
    if (toNumber) {
      const c = this.numberConsults.get(toNumber.interactionId)!;
      this.numberConsults.delete(toNumber.interactionId);
      c.release();
      c.call.hangup();
      this.audio?.endNumberConsult?.(toNumber.interactionId, true);
      const session = this.calls.get(toNumber.interactionId);
      if (session) this.record(session, agentId, "consult-end", `number ${c.number}`);
      return;
    }
    const consult = this.center.consultFor(agentId);
    await this.center.perform("endConsult", agentId);
    const session = consult ? this.calls.get(consult.interactionId) : undefined;
    const l = session ? this.live.get(session.interactionId) : undefined;
    if (l) l.conference = false;
    if (session) this.record(session, agentId, "consult-end");
  }

  /** The caller goes to the consulted number (their call bridged to it); the agent wraps up. */
  private async completeNumberConsult(agentId: string, interactionId: string): Promise<void> {
    const c = this.numberConsults.get(interactionId)!;
    const session = this.engaged(agentId, "transfer", true);
    await this.center.perform("transfer", agentId, { number: c.number });
    this.numberConsults.delete(interactionId);
    c.release();
    this.audio?.endNumberConsult?.(interactionId, false);
    this.unhold(interactionId);
    this.outside!.connect(session, c.call);
    this.record(session, agentId, "consult-transfer", `number ${c.number}`);
  }

  /** The agent's leg is over: the next one starts unheld and unmuted. */
  private unhold(interactionId: string): void {
    const l = this.live.get(interactionId);
    if (l) {
      l.held = false;
      l.heldSince = undefined;
      if (l.muted) this.audio?.mute(interactionId, false);
      l.muted = false;
      l.conference = false;
    }
    this.stopMusic(interactionId);
  }

  private agentName(idOrEmail: string): string {
    return this.center.agent(idOrEmail)?.name ?? this.center.listAgents().find((a) => a.email?.toLowerCase() === idOrEmail.toLowerCase())?.name ?? idOrEmail;
  }

  private queueName(id: string): string {
    return this.center.listQueues().find((q) => q.id === id)?.name ?? id;
  }

  /**
   * Checks and saves the wrap-up code and notes before the agent leaves WrapUp. When the
   * environment lists codes, one of them is needed.
   */
  wrapUp(agentId: string, body: { code?: string; notes?: string }): void {
    const agent = this.center.agent(agentId);
    if (!agent || agent.state !== "WrapUp") return;
    const codes = this.options.wrapUpCodes;
    if (body.code === undefined) {
      if (codes.length > 0) throw new ApiError(400, "WRAP_UP_CODE_REQUIRED", `choose a wrap-up code (${codes.map((c) => c.id).join(", ")})`);
      if (body.notes === undefined) return;
    }
    const code = body.code === undefined ? undefined : codes.find((c) => c.id === body.code);
    if (body.code !== undefined && !code) throw new ApiError(400, "BAD_REQUEST", `code: no wrap-up code "${body.code.slice(0, 80)}"${codes.length ? ` (codes: ${codes.map((c) => c.id).join(", ")})` : " (the environment lists none)"}`);
    if ((body.notes?.length ?? 0) > MAX_NOTES) throw new ApiError(400, "BAD_REQUEST", `notes: at most ${MAX_NOTES} characters`);
    const interactionId = agent.interactionId ?? this.options.records?.lastHandledBy(agentId);
    if (!interactionId) return;
    const at = this.options.now();
    this.options.records?.setWrapUp(interactionId, { code: code?.id ?? "", name: code?.name ?? "", ...(body.notes ? { notes: body.notes } : {}), agentId, at });
    const session = this.calls.get(interactionId);
    if (session) this.record(session, agentId, "wrap-up", code?.name);
  }

  /** The session of the contact the agent is talking to (Engaged); `inNumberConsult`: also while they consult a number. */
  private engaged(agentId: string, action: string, inNumberConsult = false): CallSession {
    const agent = this.center.agent(agentId);
    if (!agent || agent.state !== "Engaged" || !agent.interactionId) throw new ApiError(409, "INVALID_STATE", `agent "${agentId}" is ${agent?.state ?? "unknown"}; only an agent on a call can ${action}`);
    if (this.center.consultFor(agentId)?.to === agentId) throw new ApiError(409, "INVALID_STATE", `agent "${agentId}" is consulted on this call; only the agent on the call can ${action}`);
    const session = this.calls.get(agent.interactionId);
    if (!session || session.ended) throw new ApiError(409, "CALL_ENDED", "the call has ended");
    if (!inNumberConsult && this.numberConsults.has(session.interactionId)) throw new ApiError(409, "INVALID_STATE", `the caller stays on hold while you consult ${this.numberConsults.get(session.interactionId)!.number}; end the consult or transfer first`);
    return session;
  }

  /** The contact being handled (Engaged) or wrapped up. */
  private current(agentId: string, action: string): CallSession {
    const agent = this.center.agent(agentId);
    const id = agent?.state === "Engaged" ? agent.interactionId : agent?.state === "WrapUp" ? this.options.records?.lastHandledBy(agentId) : undefined;
    const session = id ? this.calls.get(id) : undefined;
    if (!session) throw new ApiError(409, "INVALID_STATE", `agent "${agentId}" is ${agent?.state ?? "unknown"}; only an agent on a call or in wrap-up can ${action}`);
    return session;
  }

  private entry(interactionId: string): Live {
    let l = this.live.get(interactionId);
    if (!l) this.live.set(interactionId, (l = { held: false, muted: false }));
    return l;
  }

  /** Music to the caller until stopped, in chunks like the flow's Play Music loop. */
  startMusic(session: CallSession): void {
    const l = this.entry(session.interactionId);
    if (l.music) return;
    const music = (l.music = new AbortController());
    void (async () => {
      while (!music.signal.aborted && !session.ended) {
        try {
          await session.channel.play({ file: HOLD_MUSIC_FILE, music: true, durationMs: HOLD_MUSIC_CHUNK_MS }, { signal: music.signal });
        } catch {
          return;
        }
      }
    })();
  }

  stopMusic(interactionId: string): void {
    const l = this.live.get(interactionId);
    l?.music?.abort();
    if (l) l.music = undefined;
  }

  /** Puts the step on the contact's event stream and its record. */
  record(session: CallSession, agentId: string, action: ControlEvent["action"], detail?: string): void {
    const at = this.options.now();
    const agentName = this.center.agent(agentId)?.name;
    const event: ControlEvent = { type: "control", at, interactionId: session.interactionId, action, agent: agentId, ...(agentName ? { agentName } : {}), ...(detail ? { detail } : {}) };
    session.record(event);
    this.cluster?.share(session.interactionId, this.state(session.interactionId));
    this.options.records?.addControl(session.interactionId, { at, action, agentId, ...(detail ? { detail } : {}) });
  }
}
