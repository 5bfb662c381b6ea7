/**
 * One 20 ms clock for every call's RTP, so a few hundred calls cost one timer, not hundreds.
 * Ticks are scheduled against the monotonic clock (tick n is due at start + 20·n ms), so timer
 * lateness never accumulates; after a stall the missed ticks run at once, so streams keep
 * their sequence and timestamps without gaps (the receiver's jitter buffer absorbs the burst).
 */

export const PTIME_MS = 20;
/** After a stall longer than this, ticks are skipped rather than burst (the audio is lost anyway). */
const MAX_CATCH_UP = 25;

export type TickListener = (tick: number) => void;

export class Pacer {
  private readonly listeners = new Set<TickListener>();
  private timer?: NodeJS.Timeout;
  private origin = 0;
  private tick = 0;
  /**
   * How late each tick's last packet left, ms: from the tick's due time to the end of its sends
   * (bench and tests read it; a ring of the last 4096 ticks).
   */
  readonly lateness = new Float64Array(4096);
  ticks = 0;
  /** Ticks dropped after stalls longer than MAX_CATCH_UP ticks: gaps in every stream. */
  skipped = 0;

  add(listener: TickListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.origin = performance.now();
      this.tick = 0;
      this.schedule();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private schedule(): void {
    const due = this.origin + (this.tick + 1) * PTIME_MS;
    this.timer = setTimeout(() => this.run(), Math.max(0, due - performance.now()));
  }

  private run(): void {
    const now = performance.now();
    let behind = Math.floor((now - this.origin) / PTIME_MS) - this.tick;
    if (behind > MAX_CATCH_UP) {
      this.skipped += behind - 1;
      this.tick += behind - 1;
      behind = 1;
    }
    for (let i = 0; i < behind; i++) {
      this.tick++;
      for (const l of [...this.listeners]) {
        try {
          l(this.tick);
        } catch {
          // One call's failure must not stop the others' audio.
        }
      }
      this.lateness[this.ticks++ % this.lateness.length] = performance.now() - (this.origin + this.tick * PTIME_MS);
    }
    if (this.listeners.size > 0) this.schedule();
    else this.timer = undefined;
  }
}

export const sharedPacer = new Pacer();
