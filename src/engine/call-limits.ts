/**
 * The call-length limit (EngineLimits.maxCallMs) of one engine's contacts, timed by one clock
 * timer at a time rather than one per contact. Every contact of an engine has the same limit and
 * contacts start in clock order, so their limits come due in the order they started: a queue in
 * that order, and a timer for its first live entry. A contact that ends only empties its slot: no
 * timer to cancel, no clock heap entry left behind for the clock to compact, and no closure per
 * contact. (The connector gateway times its request deadlines the same way: DeadlineQueue.)
 *
 * The timer is dropped whenever no contact is left, so a virtual clock never stops at a limit
 * that no longer guards anything; while some are live it may stop at the limit of one that has
 * already ended, find nothing due, and move on to the next.
 */
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";

/** A contact as the queue sees it. */
export interface Limited {
  /** When its limit is due, on the queue's clock (set by `add`). */
  limitAt: number;
  /** Its place in the queue (the queue's own count) while queued; -1 once out of it. */
  limitSlot: number;
  /** Its limit is due: it is out of the queue already. */
  limitReached(): void;
}

export class CallLimits {
  /** Queued contacts from the oldest; one that ended leaves `undefined` in its slot. */
  private slots: Array<Limited | undefined> = [];
  /** The count of the entry at `slots[0]` (entries before it have left the array). */
  private base = 0;
  /** Index in `slots` of the first entry not yet due. */
  private head = 0;
  private live = 0;
  private lastAt = -Infinity;
  private timer: ClockTimer | undefined = undefined;
  private expiring = false;
  private readonly due = (): void => this.expire();

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
  ) {}

  /** Starts `contact`'s limit from now. */
  add(contact: Limited): void {
    // A wall clock stepped back (NTP) must not put a limit before the queue's last: that one then
    // comes due with it, late by the step, rather than being skipped by the queue's order.
    const at = Math.max(this.clock.now() + this.ms, this.lastAt);
    if (this.slots.length >= 1024 && this.slots.length > 4 * this.live) this.squeeze();
    this.lastAt = at;
    contact.limitAt = at;
    contact.limitSlot = this.base + this.slots.length;
    this.slots.push(contact);
    this.live++;
    // While expire runs it arms the timer itself, for the first live entry.
    if (this.timer === undefined && !this.expiring) this.arm(at);
  }

  /** `contact` ended (or took a limit of its own): its slot is emptied. Nothing when it is not queued. */
  remove(contact: Limited): void {
    if (contact.limitSlot < 0) return;
    this.slots[contact.limitSlot - this.base] = undefined;
    contact.limitSlot = -1;
    if (--this.live > 0) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.clear();
  }

  /** Contacts whose limit is still running (for tests and leak checks). */
  get size(): number {
    return this.live;
  }

  /** Drops the emptied slots behind a contact that waits long while many after it end: the live ones renumbered, in order. */
  private squeeze(): void {
    const slots = this.slots;
    const base = this.base + slots.length;
    let kept = 0;
    for (let i = this.head; i < slots.length; i++) {
      const contact = slots[i];
      if (contact === undefined) continue;
      contact.limitSlot = base + kept;
      slots[kept++] = contact;
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

  /** The timer for the first live entry (the contacts ended meanwhile may have ended others, or started new ones). */
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
    this.arm(slots[this.head]!.limitAt);
  }

  /** Tells the contacts whose limit is due, oldest first. */
  private passDue(): void {
    const now = this.clock.now();
    const slots = this.slots;
    while (this.head < slots.length) {
      const contact = slots[this.head];
      if (contact !== undefined) {
        if (contact.limitAt > now) break;
        slots[this.head] = undefined;
        contact.limitSlot = -1;
        this.live--;
        this.head++;
        contact.limitReached();
        continue;
      }
      this.head++;
    }
  }
}
