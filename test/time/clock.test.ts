/**
 * The virtual clock that lets a 30-second hold cost nothing: timers fire in time order, cancelled
 * ones never fire, and the clock does not jump ahead while real work (a socket) is in flight.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/time/clock.js";

describe("VirtualClock", () => {
  it("fires timers in time order, creation order breaking ties, when advanced by hand", async () => {
    const clock = new VirtualClock({ autoAdvance: false, start: 0 });
    const fired: string[] = [];
    for (const [name, ms] of [["c", 30], ["a", 10], ["b", 20], ["a2", 10]] as const) void clock.sleep(ms).then(() => fired.push(`${name}@${clock.now()}`));
    await clock.advance(15);
    expect(fired).toEqual(["a@10", "a2@10"]);
    await clock.advance(100);
    expect(fired).toEqual(["a@10", "a2@10", "b@20", "c@30"]);
    expect(clock.now()).toBe(115);
  });

  it("rejects and never fires a sleep whose signal is aborted, and forgets it", async () => {
    const clock = new VirtualClock({ autoAdvance: false, start: 0 });
    const ac = new AbortController();
    const outcomes: string[] = [];
    for (let i = 0; i < 200; i++) void clock.sleep(1000 + i, ac.signal).then(() => outcomes.push("fired"), (e: Error) => outcomes.push(e.message));
    void clock.sleep(5000).then(() => outcomes.push("other"));
    ac.abort(new Error("hung up"));
    await clock.advance(10_000);
    expect(outcomes.filter((o) => o === "hung up")).toHaveLength(200);
    expect(outcomes).toContain("other");
    expect(outcomes).not.toContain("fired");
    expect(clock.pendingTimers()).toBe(0);
  });

  it("jumps straight to the next timer when nothing else can happen", async () => {
    const clock = new VirtualClock({ start: 0 });
    const t0 = performance.now();
    await clock.sleep(24 * 3600 * 1000);
    expect(clock.now()).toBe(24 * 3600 * 1000);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("does not jump while tracked real-world work is pending", async () => {
    const clock = new VirtualClock({ start: 0 });
    let release!: () => void;
    const work = clock.track(new Promise<void>((r) => (release = r)));
    let timedOut = false;
    void clock.sleep(2000).then(() => (timedOut = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(timedOut).toBe(false);
    expect(clock.now()).toBe(0);
    release();
    await work;
    await clock.sleep(2000);
    expect(timedOut).toBe(true);
    expect(clock.now()).toBe(2000);
  });

  it("keeps thousands of interleaved timers in order", async () => {
    const clock = new VirtualClock({ autoAdvance: false, start: 0 });
    const seen: number[] = [];
    let x = 7;
    for (let i = 0; i < 5000; i++) {
      x = (x * 48271) % 2147483647;
      const ms = x % 100_000;
      void clock.sleep(ms).then(() => seen.push(ms));
    }
    await clock.advance(100_000);
    expect(seen).toHaveLength(5000);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe("startTimer", () => {
  it("fires once on a virtual clock, never after cancel, and a late cancel changes nothing", async () => {
    const { startTimer } = await import("../../src/time/clock.js");
    const clock = new VirtualClock({ autoAdvance: false, start: 0 });
    const fired: string[] = [];
    const a = startTimer(clock, 10, () => fired.push("a"));
    const b = startTimer(clock, 20, () => fired.push("b"));
    b.cancel();
    await clock.advance(30);
    a.cancel();
    expect(fired).toEqual(["a"]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
