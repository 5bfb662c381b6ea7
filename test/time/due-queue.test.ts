/**
 * Things that come due in queue order on one clock timer (time/due-queue.ts): the engine's call
 * limits and a gateway's request deadlines. Told from the items' side: each comes due at its own
 * time however many share the queue and whichever left before; one queued earlier than the last is
 * refused by `add`; items that come due may remove or queue others; nothing stays on the clock.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/time/clock.js";
import { DueQueue, type Due } from "../../src/time/due-queue.js";

describe("DueQueue", () => {
  class Request implements Due {
    dueAt = 0;
    dueSlot = -1;
    passedAt: number | undefined;
    constructor(
      readonly at: number,
      private readonly clock: VirtualClock,
      private readonly onPass?: () => void,
    ) {}
    comeDue(): void {
      this.passedAt = this.clock.now();
      this.onPass?.();
    }
  }

  it("refuses a deadline earlier than the last queued while that one waits", () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const queue = new DueQueue(clock);
    const t = clock.now();
    const at = (ms: number): [Request, number] => [new Request(t + ms, clock), t + ms];
    expect(queue.add(...at(1000))).toBe(true);
    expect(queue.add(...at(500))).toBe(false);
    expect(queue.add(...at(1000))).toBe(true);
  });

  it("queues a time earlier than the last with addNotBefore at the last (a wall clock stepped back)", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const queue = new DueQueue(clock);
    const t = clock.now();
    const first = new Request(t + 1000, clock);
    const second = new Request(t + 500, clock);
    queue.addNotBefore(first, first.at);
    queue.addNotBefore(second, second.at);
    expect(second.dueAt).toBe(t + 1000);
    await clock.advance(1000);
    expect([first.passedAt! - t, second.passedAt! - t]).toEqual([1000, 1000]);
    expect(queue.size).toBe(0);
    queue.remove(first);
    expect(queue.size).toBe(0);
  });

  it("passes a long-waiting request at its deadline after thousands behind it ended", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const queue = new DueQueue(clock);
    const t = clock.now();
    const first = new Request(t + 10_000, clock);
    queue.add(first, first.at);
    const later: Request[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = new Request(t + 10_000 + i, clock);
      queue.add(r, r.at);
      if (i % 1000 === 999) later.push(r);
      else queue.remove(r);
    }
    await clock.advance(9_999);
    expect(first.passedAt).toBeUndefined();
    await clock.advance(1);
    expect(first.passedAt).toBe(t + 10_000);
    await clock.advance(5_000);
    expect(later.map((r) => r.passedAt! - t)).toEqual([10_999, 11_999, 12_999, 13_999, 14_999]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("keeps timing requests that a passing deadline ends or starts", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const queue = new DueQueue(clock);
    const t = clock.now();
    const ended = new Request(t + 200, clock);
    let started: Request | undefined;
    const first = new Request(t + 100, clock, () => {
      // Its failure ends one request and starts another, from inside the queue's timer.
      queue.remove(ended);
      started = new Request(clock.now() + 300, clock);
      queue.add(started, started.at);
    });
    const third = new Request(t + 250, clock);
    queue.add(first, first.at);
    queue.add(ended, ended.at);
    queue.add(third, third.at);
    await clock.advance(1_000);
    expect(first.passedAt! - t).toBe(100);
    expect(ended.passedAt).toBeUndefined();
    expect(third.passedAt! - t).toBe(250);
    expect(started!.passedAt! - t).toBe(400);
    expect(clock.pendingTimers()).toBe(0);
  });
});
