/**
 * The center's recent events with their ids, so a desktop or supervisor socket that reconnects
 * with the last id it saw (`?after=ID`) gets the events it missed before the current state. On a
 * cluster node the ids are the shared log's (ContactCenter.numberEvents), the same on every node,
 * so the socket may reconnect to another node. A ring of the last events: an id older than the
 * ring (or unknown) cannot be resumed from, and the socket gets the current state only.
 */
import type { CenterEvent, ContactCenter } from "../center/index.js";

export interface JournalEntry {
  id: string;
  event: CenterEvent;
}

export class EventJournal {
  private readonly ring: Array<JournalEntry | undefined>;
  /** Position of each id held, counted from the journal's start. */
  private readonly positions = new Map<string, number>();
  private next = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly center: ContactCenter,
    private readonly capacity = 10_000,
  ) {
    this.ring = new Array<JournalEntry | undefined>(capacity);
    center.numberEvents();
    this.unsubscribe = center.subscribe((event) => {
      const id = center.eventId(event);
      if (id !== undefined) this.add(id, event);
    });
  }

  close(): void {
    this.unsubscribe();
  }

  /** The newest event's id: where a socket that saw everything so far would resume. */
  lastId(): string | undefined {
    return this.next > 0 ? this.ring[(this.next - 1) % this.capacity]?.id : undefined;
  }

  /** The id of an event (as the journal and the sockets give it). */
  idOf(event: CenterEvent): string | undefined {
    return this.center.eventId(event);
  }

  /** Events after `id` that `wanted` keeps, oldest first; undefined when `id` is not (or no longer) held. */
  after(id: string, wanted: (event: CenterEvent) => boolean): JournalEntry[] | undefined {
    const at = this.positions.get(id);
    if (at === undefined) return undefined;
    const out: JournalEntry[] = [];
    for (let p = at + 1; p < this.next; p++) {
      const entry = this.ring[p % this.capacity];
      if (entry && wanted(entry.event)) out.push(entry);
    }
    return out;
  }

  private add(id: string, event: CenterEvent): void {
    const slot = this.next % this.capacity;
    const old = this.ring[slot];
    if (old) this.positions.delete(old.id);
    this.ring[slot] = { id, event };
    this.positions.set(id, this.next++);
  }
}
