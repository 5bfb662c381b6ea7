/** Audio handed from one leg's clock to another's: held back two frames, never growing past 200 ms. */
import { describe, expect, it } from "vitest";
import { FrameQueue } from "../../../src/channels/media/frame-queue.js";

const frameOf = (value: number) => new Int16Array(160).fill(value);

describe("FrameQueue", () => {
  it("plays silence until two frames are held, then the samples in order", () => {
    const q = new FrameQueue();
    const out = new Int16Array(160);
    q.push(frameOf(1));
    expect(q.fill(out)).toBe(true);
    expect(out.every((s) => s === 0)).toBe(true);
    q.push(frameOf(2));
    q.fill(out);
    expect(out.every((s) => s === 1)).toBe(true);
    q.fill(out);
    expect(out.every((s) => s === 2)).toBe(true);
  });

  it("drops the oldest audio beyond 200 ms, so the delay cannot grow", () => {
    const q = new FrameQueue();
    for (let i = 1; i <= 15; i++) q.push(frameOf(i));
    expect(q.dropped).toBe(5 * 160);
    const out = new Int16Array(160);
    q.fill(out);
    expect(out[0]).toBe(6);
  });

  it("counts an underrun and primes again after running dry", () => {
    const q = new FrameQueue();
    const out = new Int16Array(160);
    q.push(frameOf(7));
    q.push(frameOf(8));
    q.fill(out);
    q.fill(out);
    q.fill(out);
    expect(q.underruns).toBe(1);
    q.push(frameOf(9));
    q.fill(out);
    expect(out.every((s) => s === 0)).toBe(true);
  });
});
