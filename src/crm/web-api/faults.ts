/**
 * Injected faults for testing clients and flows against a misbehaving CRM: extra latency, error
 * statuses (5xx, 401, ...) for the next N Web API requests, optionally only for matching paths.
 */
export interface Fault {
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many requests the fault applies to (default 1; Infinity for all). */
  times?: number;
  /** Only requests whose path below the service root matches. */
  path?: RegExp;
}

export class FaultInjector {
  private faults: Array<Required<Pick<Fault, "times">> & Fault> = [];

  inject(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault for this request, consuming one use of it. */
  take(path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => !f.path || f.path.test(path));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
