/**
 * Contacts waiting in one queue, in routing order: priority first (1 highest .. 10 lowest), then
 * arrival. With only ten priorities, one intrusive doubly linked FIFO per level beats a heap:
 * append, insert at the head of a level (a contact back from RONA), removal (a caller who hangs
 * up) and picking the best are all O(1); a bitmask of non-empty levels finds the best level
 * without scanning. Only a position (PIQ) costs O(rank within the level).
 *
 * Written here rather than taken from a library: none offers O(1) removal of an arbitrary entry
 * together with head insertion per level, which RONA and hang-ups need.
 */

export const LOWEST_PRIORITY = 10;

/**
 * One waiting value's links and routing keys. An entry can be linked again after it was removed
 * (`linkBack`/`linkFront`): the center keeps one entry per contact for the contact's whole life,
 * so that moving it between lists allocates nothing and finding it is the same lookup as finding
 * the contact (state.ts). The keys are written only while the entry is not in a list.
 */
export interface WaitingEntry<T> {
  value: T;
  /** 1..10. */
  priority: number;
  /** When the entry joined this list (clock ms); the cross-queue tie-breaker after priority. */
  since: number;
  /** Global arrival order; breaks ties between equal `since` values. */
  seq: number;
  prev: WaitingEntry<T> | undefined;
  next: WaitingEntry<T> | undefined;
  owner: WaitingList<T> | undefined;
}

/** Orders entries from different lists: better priority, then waited longer, then arrived first. */
export function entryBefore<T>(a: WaitingEntry<T>, b: WaitingEntry<T>): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.since !== b.since) return a.since < b.since;
  return a.seq < b.seq;
}

export class WaitingList<T> {
  private readonly heads: Array<WaitingEntry<T> | undefined> = new Array(LOWEST_PRIORITY).fill(undefined);
  private readonly tails: Array<WaitingEntry<T> | undefined> = new Array(LOWEST_PRIORITY).fill(undefined);
  private readonly counts: number[] = new Array(LOWEST_PRIORITY).fill(0);
  /** Bit i set when level i+1 is non-empty. */
  private nonEmpty = 0;
  private total = 0;

  get size(): number {
    return this.total;
  }

  /** Joins the back of its priority level. */
  pushBack(value: T, priority: number, since: number, seq: number): WaitingEntry<T> {
    const entry = unlinkedEntry(value);
    this.linkBack(entry, priority, since, seq);
    return entry;
  }

  /** Joins the head of its priority level (a contact coming back after RONA or a decline). */
  pushFront(value: T, priority: number, since: number, seq: number): WaitingEntry<T> {
    const entry = unlinkedEntry(value);
    this.linkFront(entry, priority, since, seq);
    return entry;
  }

  /** Puts an entry that is in no list at the back of its priority level, with these keys. */
  linkBack(entry: WaitingEntry<T>, priority: number, since: number, seq: number): void {
    this.claim(entry, priority, since, seq);
    const level = priority - 1;
    const tail = this.tails[level];
    entry.prev = tail;
    if (tail) tail.next = entry;
    else this.heads[level] = entry;
    this.tails[level] = entry;
    this.added(level);
  }

  /** Puts an entry that is in no list at the head of its priority level, with these keys. */
  linkFront(entry: WaitingEntry<T>, priority: number, since: number, seq: number): void {
    this.claim(entry, priority, since, seq);
    const level = priority - 1;
    const head = this.heads[level];
    entry.next = head;
    if (head) head.prev = entry;
    else this.tails[level] = entry;
    this.heads[level] = entry;
    this.added(level);
  }

  remove(entry: WaitingEntry<T>): void {
    if (entry.owner !== this) return;
    const level = entry.priority - 1;
    if (entry.prev) entry.prev.next = entry.next;
    else this.heads[level] = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tails[level] = entry.prev;
    entry.prev = entry.next = entry.owner = undefined;
    this.counts[level]!--;
    this.total--;
    if (this.counts[level] === 0) this.nonEmpty &= ~(1 << level);
  }

  /** The entry to route next, without removing it. */
  peek(): WaitingEntry<T> | undefined {
    if (this.nonEmpty === 0) return undefined;
    // Lowest set bit = best non-empty priority level.
    const level = 31 - Math.clz32(this.nonEmpty & -this.nonEmpty);
    return this.heads[level];
  }

  /** 1-based position in routing order; 0 when the entry is not in this list. */
  position(entry: WaitingEntry<T>): number {
    if (entry.owner !== this) return 0;
    const level = entry.priority - 1;
    let ahead = 0;
    for (let l = 0; l < level; l++) ahead += this.counts[l]!;
    for (let e = this.heads[level]; e && e !== entry; e = e.next) ahead++;
    return ahead + 1;
  }

  /** Earliest `since` among the entries; each level is in arrival order, so only heads are read. */
  oldestSince(): number | undefined {
    let oldest: number | undefined;
    for (let l = 0; l < LOWEST_PRIORITY; l++) {
      const head = this.heads[l];
      if (head && (oldest === undefined || head.since < oldest)) oldest = head.since;
    }
    return oldest;
  }

  /** Entries in routing order. */
  *[Symbol.iterator](): IterableIterator<WaitingEntry<T>> {
    for (let l = 0; l < LOWEST_PRIORITY; l++) {
      for (let e = this.heads[l]; e; e = e.next) yield e;
    }
  }

  private claim(entry: WaitingEntry<T>, priority: number, since: number, seq: number): void {
    if (!Number.isInteger(priority) || priority < 1 || priority > LOWEST_PRIORITY) {
      throw new RangeError(`priority must be an integer from 1 to ${LOWEST_PRIORITY}, got ${priority}`);
    }
    if (entry.owner !== undefined) throw new Error("a waiting entry is linked in one list at a time");
    entry.priority = priority;
    entry.since = since;
    entry.seq = seq;
    entry.prev = entry.next = undefined;
    entry.owner = this;
  }

  private added(level: number): void {
    this.counts[level]!++;
    this.total++;
    this.nonEmpty |= 1 << level;
  }
}

/** An entry in no list yet, every field present from the start (one shape for all entries). */
export function unlinkedEntry<T>(value: T): WaitingEntry<T> {
  return { value, priority: LOWEST_PRIORITY, since: 0, seq: 0, prev: undefined, next: undefined, owner: undefined };
}
