/**
 * Audio passed from one leg to another: samples as they arrive, 20 ms frames as the other leg's
 * clock asks. Packets arrive on the sender's clock, frames leave on ours, so a little is held back
 * (two frames) before playing, and after running dry; what piles up beyond 200 ms is dropped from
 * the oldest end so the delay cannot grow. While empty it plays silence and never ends.
 */
import type { FrameSource } from "./rtp-session.js";

const FRAME = 160;
const PREBUFFER = 2 * FRAME;
const MAX_HELD = 10 * FRAME;

export class FrameQueue implements FrameSource {
  private readonly buffer = new Int16Array(MAX_HELD);
  private length = 0;
  private primed = false;
  /** Samples dropped because too much was held. */
  dropped = 0;
  /** Frames played (partly) as silence because nothing had arrived. */
  underruns = 0;

  push(samples: Int16Array): void {
    let input = samples;
    if (input.length >= MAX_HELD) {
      this.dropped += this.length + input.length - MAX_HELD;
      input = input.subarray(input.length - MAX_HELD);
      this.length = 0;
    } else if (this.length + input.length > MAX_HELD) {
      const drop = this.length + input.length - MAX_HELD;
      this.buffer.copyWithin(0, drop, this.length);
      this.length -= drop;
      this.dropped += drop;
    }
    this.buffer.set(input, this.length);
    this.length += input.length;
  }

  /** Forgets what is held (a leg put on hold starts afresh when resumed). */
  clear(): void {
    this.length = 0;
    this.primed = false;
  }

  fill(frame: Int16Array): boolean {
    if (!this.primed && this.length >= PREBUFFER) this.primed = true;
    if (!this.primed) {
      frame.fill(0);
      return true;
    }
    const n = Math.min(frame.length, this.length);
    frame.set(this.buffer.subarray(0, n));
    if (n < frame.length) {
      frame.fill(0, n);
      this.underruns++;
      this.primed = false;
    }
    this.buffer.copyWithin(0, n, this.length);
    this.length -= n;
    return true;
  }
}
