/**
 * Who hears whom: callers' audio legs (SIP RTP, or a softphone's WebRTC) by contact, agents'
 * WebRTC lines by agent, and the bridges between them. It follows the center's events: when an
 * agent answers a contact whose caller has an audio leg, and the agent has a line, the two are
 * bridged (whichever of line and answer comes last); when the contact ends, the bridge goes.
 *
 * A consult (center/transfers.ts) takes the asking agent's line off the caller: the caller hears
 * hold music and the two agents' lines are bridged to each other. When the consult ends the
 * caller is bridged back to the asking agent (still on hold); on a consulted transfer the center's
 * own events (the asking agent's leg ended, the consulted agent answered) bridge the caller to the
 * agent who took the call, as after a blind transfer. Hold and mute are kept per contact, so a
 * bridge made again (a line reopened, a consult ended) carries them; the asking agent's mute also
 * holds toward the consulted agent. A consult turned into a conference mixes all three
 * (channels/media/conference-mixer.ts): the caller, off hold, hears both agents and both hear the
 * caller and each other; when the consulted agent leaves, the caller is bridged back to the asking
 * agent, talking.
 *
 * A consult to an outside number (server/call-controls.ts) works the same way with the answered
 * outside call in place of the consulted agent's line: the agent's line and that call talk, the
 * caller hears music; it ends with the caller bridged back to the agent (held), or, on the
 * transfer, with the caller bridged to the outside call (`bridgeOutside`).
 *
 * An agent's line is their headset: it stays up between calls. Losing it while talking ends the
 * contact (as the agent hanging up would), so the caller is not left in silence; the caller
 * hanging up ends the contact in the center, which ends the bridge.
 */
import type { CenterEvent, ContactCenter } from "../center/index.js";
import { AudioBridge } from "../channels/media/audio-bridge.js";
import { ConferenceMixer } from "../channels/media/conference-mixer.js";
import type { MediaLeg } from "../channels/media/media-leg.js";
import { musicOnHold } from "../channels/media/music-on-hold.js";
import { SampleSource } from "../channels/media/rtp-session.js";
import { WebRtcLeg } from "../channels/media/webrtc-leg.js";
import { PromptAudio } from "../channels/media/prompt-audio.js";
import type { CallSession } from "./calls.js";
import { SoftphoneAudio } from "./softphone-audio.js";

export interface VoiceLinesOptions {
  /** Where WebRTC media is taken (the server's listening address). */
  host: string;
  holdMusic?: () => Int16Array;
  log?: (level: "info" | "warn", message: string) => void;
}

interface Bridged {
  bridge: AudioBridge;
  agentId: string;
}

/**
 * A consult's audio: the two agents' lines talking, the caller hearing music meanwhile; or, once
 * it is a conference, the caller's leg mixed in with them.
 */
interface Consulting {
  from: string;
  to: string;
  talk?: ConferenceMixer;
  conference?: boolean;
  music?: { leg: MediaLeg; source: SampleSource };
}

export class VoiceLines {
  private readonly callers = new Map<string, MediaLeg>();
  private readonly lines = new Map<string, WebRtcLeg>();
  /** Contacts answered by an agent, still connected: interactionId → agentId. */
  private readonly engaged = new Map<string, string>();
  private readonly bridges = new Map<string, Bridged>();
  private readonly consults = new Map<string, Consulting>();
  /** Consults to an outside number: the agent's line talks to that call, the caller hears music. */
  private readonly numberConsults = new Map<string, { agentId: string; talk: ConferenceMixer; music?: { leg: MediaLeg; source: SampleSource } }>();
  /** Callers transferred to an outside number: bridged to that call's leg, no agent. */
  private readonly outside = new Map<string, AudioBridge>();
  /** Contacts on hold and contacts whose agent is muted (kept across bridges made again). */
  private readonly held = new Set<string>();
  private readonly muted = new Set<string>();
  private readonly listeners = new Set<(agentId: string, message: VoiceNotice) => void>();
  private readonly softphones = new Map<string, SoftphoneAudio>();
  private unsubscribe?: () => void;
  /** Prompts' sound (the SIP front's, so both share one TTS cache and prompts folder). */
  promptAudio?: PromptAudio;

  constructor(
    private readonly center: ContactCenter,
    private readonly options: VoiceLinesOptions,
  ) {
    this.unsubscribe = center.subscribe((e) => this.centerEvent(e));
  }

  /**
   * What CallRegistry.place needs for a softphone call with audio: prompts that wait for the
   * browser's line and play over it.
   */
  softphone(): { media: SoftphoneAudio; onSession: (s: CallSession) => void } {
    let id = "";
    const media = new SoftphoneAudio(
      () => (this.promptAudio ??= new PromptAudio()),
      (interactionId, leg) => this.addCaller(interactionId, leg),
      () => this.softphones.delete(id),
    );
    return {
      media,
      onSession: (s) => {
        id = s.interactionId;
        this.softphones.set(id, media);
        media.bind(s);
      },
    };
  }

  /** Answers a softphone's offer for its call; undefined when the call has no audio (or ended). */
  async openCallerLine(interactionId: string, offerSdp: string): Promise<{ answer: string; line: WebRtcLeg } | undefined> {
    const phone = this.softphones.get(interactionId);
    if (!phone) return undefined;
    const line = new WebRtcLeg({ host: this.options.host });
    try {
      const answer = await line.answer(offerSdp);
      phone.attach(line);
      return { answer, line };
    } catch (err) {
      line.close();
      throw err;
    }
  }

  /** The softphone's audio socket closed: its line goes, and the call with it. */
  closeCallerLine(interactionId: string, line: WebRtcLeg): void {
    const phone = this.softphones.get(interactionId);
    if (phone) phone.detach(line);
    else line.close();
  }

  /** A caller's audio leg for a contact; the returned function removes it (the call ended). */
  addCaller(interactionId: string, leg: MediaLeg): () => void {
    this.callers.set(interactionId, leg);
    this.connect(interactionId);
    return () => {
      if (this.callers.get(interactionId) !== leg) return;
      this.callers.delete(interactionId);
      this.unbridge(interactionId);
      this.unbridgeOutside(interactionId);
    };
  }

  /**
   * Opens an agent's line from their browser's offer, replacing a line they had; returns the
   * answer. The line is bridged at once when the agent is already talking to a caller.
   */
  async openLine(agentId: string, offerSdp: string): Promise<{ answer: string; line: WebRtcLeg }> {
    const line = new WebRtcLeg({ host: this.options.host });
    let answer: string;
    try {
      answer = await line.answer(offerSdp);
    } catch (err) {
      line.close();
      throw err;
    }
    const previous = this.lines.get(agentId);
    this.lines.set(agentId, line);
    if (previous) this.dropLine(agentId, previous, false);
    line.onClosed = (reason) => {
      this.options.log?.("warn", `agent ${agentId}'s audio line closed: ${reason}`);
      this.closeLine(agentId, line);
    };
    for (const [interactionId, c] of this.consults) if (c.from === agentId || c.to === agentId) this.connectConsult(interactionId);
    for (const [interactionId, a] of this.engaged) if (a === agentId) this.connect(interactionId);
    return { answer, line };
  }

  /** The agent's line went away (socket closed, connection failed). */
  closeLine(agentId: string, line: WebRtcLeg): void {
    if (this.lines.get(agentId) !== line) return;
    this.lines.delete(agentId);
    this.dropLine(agentId, line, true);
  }

  private dropLine(agentId: string, line: WebRtcLeg, hangUp: boolean): void {
    for (const c of this.consults.values()) {
      if (c.talk?.legs.includes(line)) {
        c.talk.close();
        c.talk = undefined;
      }
    }
    for (const [interactionId, b] of this.bridges) {
      if (b.agentId !== agentId || b.bridge.agent !== line) continue;
      this.unbridge(interactionId);
      if (hangUp) {
        // The agent's headset is gone mid-call: they hung up.
        try {
          this.center.end(agentId);
          this.options.log?.("info", `contact ${interactionId.slice(0, 8)} ended: agent ${agentId}'s audio line closed`);
        } catch {
          // Not engaged any more (the contact ended meanwhile).
        }
      }
    }
    line.close();
  }

  /** Puts the caller of a bridged contact on hold (music) or back; false when not bridged. */
  hold(interactionId: string, on: boolean): boolean {
    if (on) this.held.add(interactionId);
    else this.held.delete(interactionId);
    const b = this.bridges.get(interactionId);
    if (!b) return this.consults.get(interactionId)?.music !== undefined;
    if (on) b.bridge.hold();
    else b.bridge.resume();
    this.notify(b.agentId, { type: on ? "held" : "resumed", interactionId });
    return true;
  }

  /**
   * Mutes the agent of a contact (the caller hears silence from them) or unmutes; false when the
   * contact is not bridged (it applies when it is).
   */
  mute(interactionId: string, on: boolean): boolean {
    if (on) this.muted.add(interactionId);
    else this.muted.delete(interactionId);
    const c = this.consults.get(interactionId);
    if (c) {
      // In a consult or conference the asking agent's voice is cut toward everyone in it.
      const line = this.lines.get(c.from);
      if (!c.talk || !line) return false;
      c.talk.mute(line, on);
      this.notify(c.from, { type: on ? "muted" : "unmuted", interactionId });
      return true;
    }
    const b = this.bridges.get(interactionId);
    if (!b) return false;
    b.bridge.mute(on);
    this.notify(b.agentId, { type: on ? "muted" : "unmuted", interactionId });
    return true;
  }

  /**
   * The consult on this contact becomes a three-way conference: the caller comes off hold and
   * hears both agents, who hear the caller and each other. False when there is no consult, or
   * when the caller's leg or a line is missing (it is mixed in when they come).
   */
  conference(interactionId: string): boolean {
    const c = this.consults.get(interactionId);
    if (!c) return false;
    c.conference = true;
    this.held.delete(interactionId);
    if (c.music) {
      c.music.leg.stop(c.music.source);
      c.music = undefined;
    }
    c.talk?.close();
    c.talk = undefined;
    this.connectConsult(interactionId);
    // connectConsult made it (TypeScript still sees the `undefined` set above).
    const talk = c.talk as ConferenceMixer | undefined;
    return talk?.legs.length === 3;
  }

  isConference(interactionId: string): boolean {
    return this.consults.get(interactionId)?.conference === true && this.consults.get(interactionId)?.talk?.legs.length === 3;
  }

  /** The contact's caller has an audio leg (SIP RTP, or a softphone's line) that can be bridged. */
  hasCaller(interactionId: string): boolean {
    return this.callers.has(interactionId);
  }

  /**
   * Bridges the contact's caller to a leg outside the center (an answered call to an outside
   * number), letting go of the agent's line first; false when the caller has no audio leg.
   */
  bridgeOutside(interactionId: string, leg: MediaLeg): boolean {
    const caller = this.callers.get(interactionId);
    if (!caller) return false;
    this.unbridge(interactionId);
    this.held.delete(interactionId);
    this.muted.delete(interactionId);
    this.unbridgeOutside(interactionId);
    this.outside.set(interactionId, new AudioBridge(caller, leg, this.options.holdMusic ?? musicOnHold));
    this.options.log?.("info", `contact ${interactionId.slice(0, 8)}: caller bridged to an outside number`);
    return true;
  }

  unbridgeOutside(interactionId: string): void {
    const bridge = this.outside.get(interactionId);
    if (!bridge) return;
    this.outside.delete(interactionId);
    bridge.close();
  }

  /**
   * A consult to an outside number: the caller leaves the agent's line and hears music, and the
   * agent's line talks to the outside call's leg. False when the agent has no line open.
   */
  consultNumber(interactionId: string, agentId: string, leg: MediaLeg): boolean {
    const line = this.lines.get(agentId);
    if (!line) return false;
    this.endNumberConsult(interactionId, false);
    this.unbridge(interactionId, false);
    const caller = this.callers.get(interactionId);
    let music: { leg: MediaLeg; source: SampleSource } | undefined;
    if (caller) {
      const source = new SampleSource((this.options.holdMusic ?? musicOnHold)(), { loop: true });
      caller.play(source);
      music = { leg: caller, source };
    }
    this.numberConsults.set(interactionId, { agentId, talk: new ConferenceMixer([line, leg], new Set(this.muted.has(interactionId) ? [line] : [])), ...(music ? { music } : {}) });
    this.options.log?.("info", `contact ${interactionId.slice(0, 8)}: consult, agent ${agentId} and an outside number bridged`);
    this.notify(agentId, { type: "consulting", interactionId });
    return true;
  }

  /** The consult to a number is over: the talk and the music stop; `back`: the caller is bridged to the agent again (held). */
  endNumberConsult(interactionId: string, back: boolean): void {
    const c = this.numberConsults.get(interactionId);
    if (!c) return;
    this.numberConsults.delete(interactionId);
    c.talk.close();
    if (c.music) c.music.leg.stop(c.music.source);
    if (back) this.connect(interactionId);
    else this.notify(c.agentId, { type: "unbridged", interactionId });
  }

  /** The two agents' lines of a consult on this contact talk to each other. */
  isConsulting(interactionId: string): boolean {
    return this.consults.get(interactionId)?.talk !== undefined;
  }

  isBridged(interactionId: string): boolean {
    return this.bridges.has(interactionId);
  }

  bridgeOf(interactionId: string): AudioBridge | undefined {
    return this.bridges.get(interactionId)?.bridge;
  }

  /** The contact an agent's line is bridged to now. */
  bridgedFor(agentId: string): string | undefined {
    for (const [interactionId, b] of this.bridges) if (b.agentId === agentId) return interactionId;
    return undefined;
  }

  line(agentId: string): WebRtcLeg | undefined {
    return this.lines.get(agentId);
  }

  /** What an agent's audio socket is told (bridged, unbridged, held, resumed). */
  listen(listener: (agentId: string, message: VoiceNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const id of [...this.consults.keys()]) this.endConsult(id, false);
    for (const id of [...this.numberConsults.keys()]) this.endNumberConsult(id, false);
    for (const id of [...this.bridges.keys()]) this.unbridge(id);
    for (const id of [...this.outside.keys()]) this.unbridgeOutside(id);
    for (const line of this.lines.values()) line.close();
    this.lines.clear();
    this.callers.clear();
  }

  private centerEvent(e: CenterEvent): void {
    if (e.type === "answered") {
      this.engaged.set(e.interactionId, e.agentId);
      this.connect(e.interactionId);
    } else if (e.type === "ended") {
      this.engaged.delete(e.interactionId);
      this.endNumberConsult(e.interactionId, false);
      this.unbridge(e.interactionId);
      // The agent's leg is over (also when transferred): whoever takes the call next starts unheld and unmuted.
      this.held.delete(e.interactionId);
      this.muted.delete(e.interactionId);
    } else if (e.type === "consult") {
      if (e.state === "started") this.startConsult(e.interactionId, e.agentId, e.with);
      else this.endConsult(e.interactionId, e.state === "ended");
    }
  }

  /** Both agents hear of a consult; the asking one is the one on the call. */
  private startConsult(interactionId: string, agentId: string, other: string): void {
    if (this.consults.has(interactionId)) return;
    const from = this.engaged.get(interactionId) === other ? other : agentId;
    const to = from === agentId ? other : agentId;
    this.consults.set(interactionId, { from, to });
    this.connectConsult(interactionId);
  }

  /**
   * The caller leaves the asking agent's line and hears music; the two agents' lines are bridged.
   * Either part waits for what is missing (a line opened later, a caller without audio).
   */
  private connectConsult(interactionId: string): void {
    const c = this.consults.get(interactionId);
    if (!c) return;
    // Only a caller who was bridged gets music here; otherwise the call controls play it on their channel.
    const wasBridged = this.bridges.has(interactionId);
    this.unbridge(interactionId, false);
    const caller = this.callers.get(interactionId);
    if (caller && wasBridged && !c.music && !c.conference) {
      const source = new SampleSource((this.options.holdMusic ?? musicOnHold)(), { loop: true });
      caller.play(source);
      c.music = { leg: caller, source };
    }
    const a = this.lines.get(c.from);
    const b = this.lines.get(c.to);
    const legs = c.conference && caller ? [caller, a, b] : [a, b];
    if (!a || !b) return;
    if (c.talk?.legs.length === legs.length) return;
    c.talk?.close();
    for (const [other, x] of this.bridges) if (x.agentId === c.to) this.unbridge(other);
    c.talk = new ConferenceMixer(legs as MediaLeg[], new Set(this.muted.has(interactionId) ? [a] : []));
    const what = legs.length === 3 ? `conference, the caller and agents ${c.from} and ${c.to} mixed` : `consult, agents ${c.from} and ${c.to} bridged`;
    this.options.log?.("info", `contact ${interactionId.slice(0, 8)}: ${what}`);
    for (const agentId of [c.from, c.to]) this.notify(agentId, { type: legs.length === 3 ? "conference" : "consulting", interactionId });
  }

  /**
   * The consult is over: the agents' lines part and the caller's music stops. Ended (`back`), the
   * caller is bridged to the asking agent again (on hold until resumed); transferred, the center's
   * answered event bridges them to the agent who took the call.
   */
  private endConsult(interactionId: string, back: boolean): void {
    const c = this.consults.get(interactionId);
    if (!c) return;
    this.consults.delete(interactionId);
    if (c.talk) {
      c.talk.close();
      this.notify(c.to, { type: "unbridged", interactionId });
    }
    if (c.music) c.music.leg.stop(c.music.source);
    if (back) this.connect(interactionId);
    else if (c.talk) this.notify(c.from, { type: "unbridged", interactionId });
  }

  private connect(interactionId: string): void {
    if (this.bridges.has(interactionId) || this.consults.has(interactionId) || this.numberConsults.has(interactionId) || this.outside.has(interactionId)) return;
    const agentId = this.engaged.get(interactionId);
    const caller = this.callers.get(interactionId);
    const line = agentId !== undefined ? this.lines.get(agentId) : undefined;
    if (!agentId || !caller || !line) return;
    // One conversation per headset: a line still bridged elsewhere is let go of there first.
    for (const [other, b] of this.bridges) if (b.agentId === agentId) this.unbridge(other);
    for (const c of this.consults.values()) if (c.to === agentId && c.talk) return;
    const bridge = new AudioBridge(caller, line, this.options.holdMusic ?? musicOnHold);
    this.bridges.set(interactionId, { bridge, agentId });
    this.options.log?.("info", `contact ${interactionId.slice(0, 8)}: caller and agent ${agentId} bridged`);
    if (this.muted.has(interactionId)) bridge.mute(true);
    if (this.held.has(interactionId)) bridge.hold();
    this.notify(agentId, { type: this.held.has(interactionId) ? "held" : "bridged", interactionId });
  }

  private unbridge(interactionId: string, tell = true): void {
    const b = this.bridges.get(interactionId);
    if (!b) return;
    this.bridges.delete(interactionId);
    b.bridge.close();
    if (tell) this.notify(b.agentId, { type: "unbridged", interactionId });
  }

  private notify(agentId: string, message: VoiceNotice): void {
    for (const l of this.listeners) {
      try {
        l(agentId, message);
      } catch {
        // A socket that cannot take it is closed by its own handler.
      }
    }
  }
}

/**
 * `consulting`: the agent's line talks to the other agent of a consult (the caller hears music);
 * `conference`: the caller and both agents hear each other.
 */
export type VoiceNotice = { type: "bridged" | "unbridged" | "held" | "resumed" | "muted" | "unmuted" | "consulting" | "conference"; interactionId: string };
