/**
 * Several legs that all hear each other (a three-way conference: the caller, the agent and the
 * consulted agent; or the two agents of a consult): each leg hears the sum of every other leg,
 * never itself. What a leg receives is queued once per listener (a `FrameQueue` each, so each
 * listener's clock pulls at its own pace), and each listener's 20 ms frame is the sum of its
 * queues, clipped to 16 bits. A muted leg is still heard by nobody while it is muted, and still
 * hears the others.
 *
 * Hand-written: mixing 8 kHz linear frames is a sum and a clamp; the libraries that mix audio in
 * Node (ffmpeg bindings, web-audio ports) bring a whole media stack for that.
 */
import { FrameQueue } from "./frame-queue.js";
import type { MediaLeg } from "./media-leg.js";
import type { FrameSource } from "./rtp-session.js";

interface Member {
  leg: MediaLeg;
  muted: boolean;
  /** What each other member sent, waiting for this member's clock. */
  from: Map<Member, FrameQueue>;
  out: MixSource;
}

class MixSource implements FrameSource {
  private scratch = new Int16Array(160);
  private sum = new Int32Array(160);

  constructor(private readonly queues: ReadonlyMap<unknown, FrameQueue>) {}

  fill(frame: Int16Array): boolean {
    if (this.scratch.length !== frame.length) {
      this.scratch = new Int16Array(frame.length);
      this.sum = new Int32Array(frame.length);
    }
    this.sum.fill(0);
    for (const q of this.queues.values()) {
      q.fill(this.scratch);
      for (let i = 0; i < frame.length; i++) this.sum[i]! += this.scratch[i]!;
    }
    for (let i = 0; i < frame.length; i++) {
      const s = this.sum[i]!;
      frame[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
    return true;
  }
}

export class ConferenceMixer {
  private readonly members: Member[] = [];
  private closed = false;

  constructor(legs: MediaLeg[], muted: ReadonlySet<MediaLeg> = new Set()) {
    for (const leg of legs) {
      const from = new Map<Member, FrameQueue>();
      this.members.push({ leg, muted: muted.has(leg), from, out: new MixSource(from) });
    }
    for (const m of this.members) {
      for (const other of this.members) if (other !== m) m.from.set(other, new FrameQueue());
      m.leg.onAudio = (samples) => {
        if (this.closed || m.muted) return;
        for (const other of this.members) if (other !== m) other.from.get(m)!.push(samples);
      };
    }
    for (const m of this.members) m.leg.play(m.out);
  }

  get legs(): MediaLeg[] {
    return this.members.map((m) => m.leg);
  }

  /** The leg's voice stops reaching the others (on) or reaches them again (off). */
  mute(leg: MediaLeg, on: boolean): void {
    const m = this.members.find((x) => x.leg === leg);
    if (!m || this.closed || m.muted === on) return;
    m.muted = on;
    // What was already queued from it is not played out after the mute.
    if (on) for (const other of this.members) other.from.get(m)?.clear();
  }

  isMuted(leg: MediaLeg): boolean {
    return this.members.find((x) => x.leg === leg)?.muted ?? false;
  }

  /** Stops the mixed audio on every leg; the legs themselves stay with their owners. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.members) {
      m.leg.onAudio = undefined;
      m.leg.stop(m.out);
    }
  }
}
