/**
 * A softphone call with real audio: the call is placed first (POST /api/calls with `audio:true`),
 * and the browser then opens its WebRTC line (GET /api/calls/:id/audio). Prompts wait for the
 * line — up to 10 s, after which the prompt fails like any prompt whose sound cannot be had —
 * then play over it; keys come as RFC 4733 events from the browser's RTCDTMFSender. The line is
 * the caller's leg for bridging once an agent answers. Either end's hang-up ends the other: the
 * call ending closes the line, and the line failing hangs up the call.
 */
import { PromptPlayer } from "../channels/media/prompt-player.js";
import type { PromptAudio } from "../channels/media/prompt-audio.js";
import type { WebRtcLeg } from "../channels/media/webrtc-leg.js";
import type { Prompt } from "../channels/types.js";
import type { CallSession } from "./calls.js";

const LINE_WAIT_MS = 10_000;

export class SoftphoneAudio {
  private leg?: WebRtcLeg;
  private session?: CallSession;
  private ended = false;
  private waiters: Array<(leg: WebRtcLeg | undefined) => void> = [];
  private removeCaller?: () => void;

  constructor(
    private readonly audio: () => PromptAudio,
    private readonly addCaller: (interactionId: string, leg: WebRtcLeg) => () => void,
    private readonly onEnd: () => void,
  ) {}

  /** The session is known (before its flow's first step). */
  bind(session: CallSession): void {
    this.session = session;
    session.subscribe((m) => {
      if (m.type === "ended") this.end();
    });
  }

  get hasLine(): boolean {
    return this.leg !== undefined;
  }

  /** The browser's line, answered and connecting. A second line replaces the first. */
  attach(leg: WebRtcLeg): void {
    if (this.ended || !this.session) return leg.close();
    const session = this.session;
    const previous = this.leg;
    this.leg = leg;
    this.removeCaller?.();
    previous?.close();
    leg.onKey = (key) => {
      if (!session.ended) session.channel.press(key);
    };
    leg.onClosed = () => {
      if (this.leg === leg && !session.ended) session.interaction.hangup();
    };
    void leg.whenConnected().then(() => {
      if (this.leg !== leg || this.ended) return;
      this.removeCaller = this.addCaller(session.interactionId, leg);
      for (const w of this.waiters.splice(0)) w(leg);
    });
  }

  /** The line went away from the browser's side (its socket closed). */
  detach(leg: WebRtcLeg): void {
    if (this.leg !== leg) return;
    leg.close();
    if (this.session && !this.session.ended) this.session.interaction.hangup();
  }

  async play(prompt: Prompt, signal: AbortSignal): Promise<void> {
    const leg = await this.connectedLeg(signal);
    if (!leg) return;
    await new PromptPlayer(leg, this.audio()).play(prompt, signal);
  }

  private connectedLeg(signal: AbortSignal): Promise<WebRtcLeg | undefined> {
    if (this.leg?.connected) return Promise.resolve(this.leg);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== got);
        reject(new Error(`the caller's audio line did not connect within ${LINE_WAIT_MS / 1000} s (open GET /api/calls/{id}/audio with a WebRTC offer)`));
      }, LINE_WAIT_MS);
      const onAbort = () => got(undefined);
      const got = (leg: WebRtcLeg | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.waiters = this.waiters.filter((w) => w !== got);
        resolve(leg);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(got);
    });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.removeCaller?.();
    this.leg?.close();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.onEnd();
  }
}
