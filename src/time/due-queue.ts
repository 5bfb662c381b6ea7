/**
 * Many things that come due in the order they were queued, timed by one clock timer at a time
 * rather than one each — as undici times its sockets with coarse timers of its own. The engine's
 * call-length limits (every contact of an engine has the same limit and contacts start in clock
 * order) and a gateway's request deadlines (requests of one HTTP Request step share its timeout)
 * both come due in queue order, so the queue needs only a timer for its first live entry. An item
 * that leaves early only empties its slot: no timer to cancel, no clock heap entry left behind for
 * the clock to compact, and no closure per item.
 *
 * The timer is dropped whenever nothing is queued, so a virtual clock never stops at a time that
 * no longer guards anything; while some items wait it may stop at the time of one that already
 * left, find nothing due, and move on to the next.
 */
import { startTimer, type Clock, type ClockTimer } from "./clock.js";

/** An item as the queue sees it: the fields are the queue's, kept on the item to spare a lookup. */
export interface Due {
  /** When it comes due, on the queue's clock (set by the queue). */
  dueAt: number;
  /** Its place in the queue (the queue's own count) while queued; -1 once out of it. */
  dueSlot: number;
  /** It came due: it is out of the queue already. */
  comeDue(): void;
}

export class DueQueue {
  /** Queued items from the oldest; one that left leaves `undefined` in its slot. */
  private slots: Array<Due | undefined> = [];
  /** The count of the entry at `slots[0]` (entries before it have left the array). */
  private base = 0;
  /** Index in `slots` of the first entry not yet due. */
  private head = 0;
  private live = 0;
  private lastAt = -Infinity;
  private timer: ClockTimer | undefined = undefined;
  private expiring = false;
  private readonly due = (): void => this.expire();

  constructor(private readonly clock: Clock) {}

  /** Queues `item` due at `at`; false (and nothing queued) when `at` is earlier than the last time queued. */
  add(item: Due, at: number): boolean {
    if (at < this.lastAt && this.live > 0) return false;
    this.push(item, at);
    return true;
  }

  /**
   * Queues `item` due at `at`, or at the last time queued when that is later: for a wall clock
   * stepped back (NTP), where the item then comes due late by the step rather than out of order.
   */
  addNotBefore(item: Due, at: number): void {
    this.push(item, Math.max(at, this.lastAt));
  }

  /** `item` left before it came due: its slot is emptied. Nothing when it is not queued. */
  remove(item: Due): void {
    if (item.dueSlot < 0) return;
    this.slots[item.dueSlot - this.base] = undefined;
    item.dueSlot = -1;
    if (--this.live > 0) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.clear();
  }

  /** Items queued and not yet due (for tests and leak checks). */
  get size(): number {
    return this.live;
  }

  private push(item: Due, at: number): void {
    if (this.slots.length >= 1024 && this.slots.length > 4 * this.live) this.squeeze();
    this.lastAt = at;
    item.dueAt = at;
    item.dueSlot = this.base + this.slots.length;
    this.slots.push(item);
    this.live++;
    // While expire runs it arms the timer itself, for the first live entry (not this, the last).
    if (this.timer === undefined && !this.expiring) this.arm(at);
  }

  /** Drops the emptied slots behind an item that waits long while many after it leave: the live ones renumbered, in order. */
  private squeeze(): void {
    const slots = this.slots;
    const base = this.base + slots.length;
    let kept = 0;
    for (let i = this.head; i < slots.length; i++) {
      const item = slots[i];
      if (item === undefined) continue;
      item.dueSlot = base + kept;
      slots[kept++] = item;
    }
    slots.length = kept;
    this.base = base;
    this.head = 0;
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

  /** The timer for the first live entry (the items told meanwhile may have removed others, or queued new ones). */
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
    this.arm(slots[this.head]!.dueAt);
  }

  /** Tells the items that are due, oldest first. */
  private passDue(): void {
    const now = this.clock.now();
    const slots = this.slots;
    while (this.head < slots.length) {
      const item = slots[this.head];
      if (item !== undefined) {
        if (item.dueAt > now) break;
        slots[this.head] = undefined;
        item.dueSlot = -1;
        this.live--;
        this.head++;
        item.comeDue();
        continue;
      }
      this.head++;
    }
  }
}
