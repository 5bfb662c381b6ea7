/**
 * The deadlines of one gateway's requests on one clock, timed by one clock timer at a time rather
 * than one per request, as undici times its sockets with its own coarse timers. Requests of one
 * HTTP Request activity share its timeout, so their deadlines come in the order the requests
 * start: a queue in that order, and a timer for its first live entry. A request that ends in time
 * only empties its slot (no timer to cancel, no clock heap entry left behind to compact); a
 * deadline earlier than the last one queued is not taken (the request times itself).
 *
 * The timer is dropped whenever no request is waiting, so a virtual clock never stops at a
 * deadline that no longer guards anything when the requests have all ended; while some wait, it
 * may stop at the deadline of one that already ended, finds nothing due, and moves on to the next.
 */
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";

/** A request as the queue sees it. */
export interface Deadlined {
  /** Its deadline on the queue's clock. */
  readonly at: number;
  /** Its place in the queue (the queue's own count), while it is queued. */
  deadlineSlot: number;
  /** Its deadline passed; it is out of the queue already. */
  deadlinePassed(): void;
}

export class DeadlineQueue {
  /** Queued requests from the oldest; an ended one leaves `undefined` in its slot. */
  private slots: Array<Deadlined | undefined> = [];
  /** The count of the entry at `slots[0]` (entries before it have left the array). */
  private base = 0;
  /** Index in `slots` of the first entry not yet passed. */
  private head = 0;
  private live = 0;
  private lastAt = -Infinity;
  private timer: ClockTimer | undefined = undefined;
  private expiring = false;
  private readonly due = (): void => this.expire();

  constructor(private readonly clock: Clock) {}

  /** Queues `request`; false (and nothing queued) when its deadline is earlier than the last one queued. */
  add(request: Deadlined): boolean {
    if (request.at < this.lastAt && this.live > 0) return false;
    if (this.slots.length >= 1024 && this.slots.length > 4 * this.live) this.squeeze();
    this.lastAt = request.at;
    request.deadlineSlot = this.base + this.slots.length;
    this.slots.push(request);
    this.live++;
    // While expire runs it arms the timer itself, for the first live entry (not this, the last).
    if (this.timer === undefined && !this.expiring) this.arm(request.at);
    return true;
  }

  /** Drops the emptied slots behind a request that waits long while many after it end: the live ones renumbered, in order. */
  private squeeze(): void {
    const slots = this.slots;
    const base = this.base + slots.length;
    let kept = 0;
    for (let i = this.head; i < slots.length; i++) {
      const request = slots[i];
      if (request === undefined) continue;
      request.deadlineSlot = base + kept;
      slots[kept++] = request;
    }
    slots.length = kept;
    this.base = base;
    this.head = 0;
  }

  /** `request` (queued, its deadline not passed) ended: its slot is emptied, so the queue holds nothing of it. */
  remove(request: Deadlined): void {
    this.slots[request.deadlineSlot - this.base] = undefined;
    if (--this.live > 0) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.clear();
  }

  private arm(at: number): void {
    this.timer = startTimer(this.clock, Math.max(0, at - this.clock.now()), this.due);
  }

  private clear(): void {
    this.base += this.slots.length;
    this.slots.length = 0;
    this.head = 0;
    this.lastAt = -Infinity;
  }

  private expire(): void {
    this.timer = undefined;
    this.expiring = true;
    try {
      this.passDue();
    } finally {
      this.expiring = false;
      this.rearm();
    }
  }

  /** The timer for the first live entry (after expire: the requests ended may have ended others, or queued new ones). */
  private rearm(): void {
    if (this.live === 0) return this.clear();
    const slots = this.slots;
    // The passed slots go once they are most of the array.
    if (this.head > 64 && this.head * 2 > slots.length) {
      slots.copyWithin(0, this.head);
      slots.length -= this.head;
      this.base += this.head;
      this.head = 0;
    }
    while (slots[this.head] === undefined) this.head++;
    this.arm(slots[this.head]!.at);
  }

  /** Ends the requests whose deadline has passed, oldest first. */
  private passDue(): void {
    const now = this.clock.now();
    const slots = this.slots;
    while (this.head < slots.length) {
      const request = slots[this.head];
      if (request !== undefined) {
        if (request.at > now) break;
        slots[this.head] = undefined;
        this.live--;
        this.head++;
        request.deadlinePassed();
        continue;
      }
      this.head++;
    }
  }
}
