/**
 * A caller and an agent talking: what each leg receives plays on the other, frame by frame on the
 * receiving leg's clock (a `FrameQueue` each way). G.711 decoded and encoded again under the
 * same law gives back the same bytes, so PCMU on both sides passes through unchanged; PCMA to
 * PCMU is transcoded on the way.
 *
 * On hold the caller hears music (looped from where it left off) and the agent hears silence;
 * neither hears the other. Muted, the caller hears silence from the agent while the agent still
 * hears the caller (the agent's microphone is cut here, not in their browser, so it holds whatever
 * the agent's client does). Closing the bridge stops both legs' bridged audio and leaves the legs
 * themselves to their owners (who hang them up).
 */
import type { MediaLeg } from "./media-leg.js";
import { FrameQueue } from "./frame-queue.js";
import { SampleSource } from "./rtp-session.js";

export class AudioBridge {
  readonly toCaller = new FrameQueue();
  readonly toAgent = new FrameQueue();
  private music?: SampleSource;
  private closed = false;
  private onHold = false;
  private muted = false;

  constructor(
    readonly caller: MediaLeg,
    readonly agent: MediaLeg,
    private readonly holdMusic: () => Int16Array,
  ) {
    caller.onAudio = (samples) => {
      if (!this.onHold) this.toAgent.push(samples);
    };
    agent.onAudio = (samples) => {
      if (!this.onHold && !this.muted) this.toCaller.push(samples);
    };
    caller.play(this.toCaller);
    agent.play(this.toAgent);
  }

  get held(): boolean {
    return this.onHold;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  /** The agent's voice stops reaching the caller (on) or reaches them again (off). */
  mute(on: boolean): void {
    if (this.closed || this.muted === on) return;
    this.muted = on;
    // What was already queued from the agent is not played out after the mute.
    if (on) this.toCaller.clear();
  }

  /** The caller hears hold music; the agent hears nothing. */
  hold(): void {
    if (this.closed || this.onHold) return;
    this.onHold = true;
    this.toAgent.clear();
    this.toCaller.clear();
    this.music ??= new SampleSource(this.holdMusic(), { loop: true });
    this.caller.play(this.music);
  }

  /** Back to talking. */
  resume(): void {
    if (this.closed || !this.onHold) return;
    this.onHold = false;
    this.caller.play(this.toCaller);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.caller.onAudio = undefined;
    this.agent.onAudio = undefined;
    this.caller.stop(this.toCaller);
    if (this.music) this.caller.stop(this.music);
    this.agent.stop(this.toAgent);
  }
}
