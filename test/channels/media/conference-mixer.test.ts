/**
 * Three legs in a conference: each hears the other two (summed, clipped), never itself; a muted
 * leg is heard by nobody and still hears the others; closing stops the mixed audio on every leg.
 * The legs are stand-ins that record what they are asked to play (the real legs are tested with
 * SIPp and WebRTC in test/server/voice-lines.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ConferenceMixer } from "../../../src/channels/media/conference-mixer.js";
import type { MediaLeg } from "../../../src/channels/media/media-leg.js";
import type { FrameSource } from "../../../src/channels/media/rtp-session.js";

class FakeLeg implements MediaLeg {
  source?: FrameSource;
  onAudio?: ((samples: Int16Array) => void) | undefined;
  play(source: FrameSource): void {
    this.source = source;
  }
  stop(source: FrameSource): void {
    if (this.source === source) this.source = undefined;
  }
  /** The leg's microphone: one 20 ms frame of a constant. */
  say(value: number): void {
    this.onAudio?.(new Int16Array(160).fill(value));
  }
  /** The leg's ear: the next 20 ms frame it plays. */
  hear(): number[] {
    const frame = new Int16Array(160);
    this.source?.fill(frame);
    return [...new Set(frame)];
  }
}

/** Each leg says its value for two frames (the queues hold two back before playing). */
function speak(legs: Array<[FakeLeg, number]>): void {
  for (let i = 0; i < 2; i++) for (const [leg, v] of legs) leg.say(v);
}

describe("ConferenceMixer", () => {
  it("gives each leg the sum of the others, never its own voice", () => {
    const [caller, ana, ben] = [new FakeLeg(), new FakeLeg(), new FakeLeg()];
    new ConferenceMixer([caller, ana, ben]);
    speak([
      [caller, 100],
      [ana, 20],
      [ben, 3],
    ]);
    expect(caller.hear()).toEqual([23]);
    expect(ana.hear()).toEqual([103]);
    expect(ben.hear()).toEqual([120]);
  });

  it("clips the sum to 16 bits", () => {
    const [a, b, c] = [new FakeLeg(), new FakeLeg(), new FakeLeg()];
    new ConferenceMixer([a, b, c]);
    speak([
      [b, 30000],
      [c, 30000],
      [a, -30000],
    ]);
    expect(a.hear()).toEqual([32767]);
    speak([
      [b, -30000],
      [c, -30000],
    ]);
    a.hear();
    expect(a.hear()).toEqual([-32768]);
  });

  it("mutes a leg toward everyone while it still hears them; unmuted, it is heard again", () => {
    const [caller, ana, ben] = [new FakeLeg(), new FakeLeg(), new FakeLeg()];
    const mixer = new ConferenceMixer([caller, ana, ben], new Set([ana]));
    expect(mixer.isMuted(ana)).toBe(true);
    speak([
      [caller, 100],
      [ana, 20],
      [ben, 3],
    ]);
    expect(caller.hear()).toEqual([3]);
    expect(ben.hear()).toEqual([100]);
    expect(ana.hear()).toEqual([103]);
    mixer.mute(ana, false);
    speak([
      [caller, 100],
      [ana, 20],
      [ben, 3],
    ]);
    expect(caller.hear()).toEqual([23]);
  });

  it("stops playing on every leg when closed, and takes no more audio", () => {
    const legs = [new FakeLeg(), new FakeLeg()];
    const mixer = new ConferenceMixer(legs);
    expect(legs.every((l) => l.source !== undefined)).toBe(true);
    mixer.close();
    expect(legs.every((l) => l.source === undefined && l.onAudio === undefined)).toBe(true);
  });
});
