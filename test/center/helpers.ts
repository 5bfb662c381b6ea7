/** Fakes and set-up shared by the center tests: contacts that record what the center tells them. */
import { VirtualClock } from "../../src/time/clock.js";
import type { CenterEvent } from "../../src/center/center-events.js";
import { ContactCenter, type ContactCenterOptions } from "../../src/center/contact-center.js";
import type { CenterNotice, ContactHandle } from "../../src/center/types.js";

export class FakeContact implements ContactHandle {
  readonly notices: CenterNotice[] = [];
  onNotice: ((notice: CenterNotice) => void) | undefined;

  constructor(
    readonly interactionId: string,
    readonly ani = "+15550100",
    readonly dnis = "+18005550000",
    private readonly cad: Array<{ label: string; name: string; value: string }> = [],
  ) {}

  callAssociatedData() {
    return this.cad;
  }

  notify(notice: CenterNotice): void {
    this.notices.push(notice);
    this.onNotice?.(notice);
  }

  types(): string[] {
    return this.notices.map((n) => n.type);
  }
}

export interface Harness {
  clock: VirtualClock;
  center: ContactCenter;
  events: CenterEvent[];
  logs: string[];
  /** Delivers every pending notice and event. */
  settle(): Promise<void>;
  /** Moves virtual time on, firing ring/wrap-up timers, then settles. */
  advance(ms: number): Promise<void>;
  eventsOf<T extends CenterEvent["type"]>(type: T): Array<Extract<CenterEvent, { type: T }>>;
}

export function harness(config: unknown, options: Partial<ContactCenterOptions> = {}): Harness {
  const clock = new VirtualClock({ autoAdvance: false });
  const logs: string[] = [];
  const center = new ContactCenter({ clock, config, log: (level, message) => logs.push(`${level}: ${message}`), ...options });
  const events: CenterEvent[] = [];
  center.subscribe((e) => events.push(e));
  return {
    clock,
    center,
    events,
    logs,
    settle: () => center.settle(),
    async advance(ms: number) {
      await clock.advance(ms);
      await center.settle();
    },
    eventsOf<T extends CenterEvent["type"]>(type: T) {
      return events.filter((e): e is Extract<CenterEvent, { type: T }> => e.type === type);
    },
  };
}

/** One queue, agents a1..aN serving it, logged out. */
export function oneQueue(agentCount: number, center: Record<string, unknown> = {}) {
  return {
    queues: [{ id: "support", name: "Support" }],
    teams: [{ id: "t1", name: "Tier 1" }],
    agents: Array.from({ length: agentCount }, (_, i) => ({
      id: `a${i + 1}`,
      name: `Agent ${i + 1}`,
      email: `agent${i + 1}@example.com`,
      teamId: "t1",
      queues: ["support"],
    })),
    center,
  };
}
