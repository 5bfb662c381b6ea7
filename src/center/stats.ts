/**
 * Recent handle and wait times per queue, for the estimated wait time (EWT) that queue-lookup
 * reports. A fixed-size ring of timestamped samples: recording is O(1) and an average over the
 * activity's look-back window (5-240 minutes) reads at most `capacity` samples.
 */

export class SampleWindow {
  private readonly at: Float64Array;
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(private readonly capacity = 256) {
    this.at = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Its samples as plain data (a cluster snapshot), oldest slot first as stored. */
  toJSON(): { at: number[]; values: number[]; next: number; count: number } {
    return { at: [...this.at.subarray(0, this.count)], values: [...this.values.subarray(0, this.count)], next: this.next, count: this.count };
  }

  static fromJSON(data: { at: number[]; values: number[]; next: number; count: number }): SampleWindow {
    const w = new SampleWindow();
    w.at.set(data.at.slice(0, w.capacity));
    w.values.set(data.values.slice(0, w.capacity));
    w.next = data.next % w.capacity;
    w.count = Math.min(data.count, w.capacity);
    return w;
  }

  record(at: number, value: number): void {
    this.at[this.next] = at;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Mean of the samples taken at or after `since`; undefined when there are none. */
  meanSince(since: number): number | undefined {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.at[i]! >= since) {
        sum += this.values[i]!;
        n++;
      }
    }
    return n === 0 ? undefined : sum / n;
  }
}

export interface EwtInput {
  /** 1-based position of the contact the estimate is for. */
  position: number;
  /** Mean time an agent is busy with one contact (offer to end), ms; undefined without data. */
  meanHandleMs: number | undefined;
  /** Mean wait (entry to answer) of recently answered contacts, ms; undefined without data. */
  meanWaitMs: number | undefined;
  /** Agents serving the queue who are working (Available, Reserved, Engaged, WrapUp). */
  workingAgents: number;
  availableAgents: number;
}

/**
 * Estimated wait in ms, or -1 when there is no basis for one.
 * The contact at position p waits for p agent releases; `workingAgents` agents each release one
 * contact per mean handle time, so the p-th release comes after about p × handle / agents.
 * Without handle data, the recent mean wait is the estimate. No working agent: -1.
 */
export function estimateWaitMs(input: EwtInput): number {
  if (input.workingAgents <= 0) return -1;
  if (input.position <= input.availableAgents) return 0;
  if (input.meanHandleMs !== undefined) {
    const ahead = input.position - input.availableAgents;
    return Math.round((ahead * input.meanHandleMs) / input.workingAgents);
  }
  if (input.meanWaitMs !== undefined) return Math.round(input.meanWaitMs);
  return -1;
}
