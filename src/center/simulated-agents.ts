/**
 * Agents played by the machine, for `ccflow call`, tests and benchmarks. Each one logs on, goes
 * Available and then reacts to its own events on the injected Clock: an offer is accepted after
 * `answerAfterSeconds` (or declined, or left to ring out into RONA), the contact is ended after
 * `talkSeconds`, wrap-up lasts `wrapUpSeconds`, and after a RONA or a decline the agent is
 * Available again after `readyAfterSeconds`. They use only the public agent-side calls, exactly
 * as a person at the desktop would. An agent already signed in (a cluster node taking over the
 * playing from another, center/cluster/) is taken from the state it is in.
 */
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import type { CenterEvent } from "./center-events.js";
import type { AgentConfig, SimulatedAgentConfig } from "./config.js";
import { simulatedAgentConfigSchema } from "./config.js";
import type { ContactCenter } from "./contact-center.js";
import { CenterError } from "./errors.js";
import type { AgentRecord } from "./state.js";

export interface SimulatedAgentSpec extends Partial<SimulatedAgentConfig> {
  agentId: string;
}

export interface SimulatedAgentStats {
  offers: number;
  accepted: number;
  declined: number;
  ignored: number;
  ended: number;
}

export interface SimulatedAgents {
  readonly stats: ReadonlyMap<string, SimulatedAgentStats>;
  /** Stops reacting and cancels pending actions; agents keep their current state. */
  stop(): void;
}

/** Specs for the agents of an environment that have a `simulated` section. */
export function simulatedSpecs(agents: readonly AgentConfig[]): SimulatedAgentSpec[] {
  return agents.filter((a) => a.simulated).map((a) => ({ agentId: a.id, ...a.simulated }));
}

export function createSimulatedAgents(center: ContactCenter, specs: readonly SimulatedAgentSpec[], clock: Clock): SimulatedAgents {
  // Pending reactions, cancelled by stop(). Clock timers rather than sleeps under one signal:
  // each agent acts several times per contact, and a promise per action is measurable in benchmarks.
  const pending = new Set<ClockTimer>();
  let stopped = false;
  const unsubscribes: Array<() => void> = [];
  const stats = new Map<string, SimulatedAgentStats>();

  for (const spec of specs) {
    const { agentId, ...rest } = spec;
    const behaviour = simulatedAgentConfigSchema.parse(rest);
    const counts: SimulatedAgentStats = { offers: 0, accepted: 0, declined: 0, ignored: 0, ended: 0 };
    stats.set(agentId, counts);

    const after = (seconds: number, action: () => void) => {
      const timer = startTimer(clock, seconds * 1000, () => {
        pending.delete(timer);
        if (stopped) return;
        try {
          action();
        } catch (err) {
          // The world moved on between scheduling and acting (the caller hung up); nothing to do.
          if (!(err instanceof CenterError)) throw err;
        }
      });
      pending.add(timer);
    };
    // Reads the agent's record, not a snapshot: this runs before every action the agent takes.
    const still = (check: (a: AgentRecord) => boolean) => {
      const a = center.state.agent(agentId);
      return a !== undefined && check(a);
    };
    const budget = (limit: boolean | number, used: number) => limit === true || (typeof limit === "number" && used < limit);

    const offered = (offerId: number) => {
      counts.offers++;
      if (budget(behaviour.ignores, counts.ignored)) {
        counts.ignored++;
        return;
      }
      const declining = budget(behaviour.declines, counts.declined);
      if (declining) counts.declined++;
      after(behaviour.answerAfterSeconds, () => {
        if (!still((a) => a.state === "Reserved" && a.offerId === offerId)) return;
        if (declining) center.decline(agentId, offerId);
        else {
          center.accept(agentId, offerId);
          counts.accepted++;
        }
      });
    };
    const answered = (interactionId: string) => {
      after(behaviour.talkSeconds, () => {
        if (!still((a) => a.state === "Engaged" && a.interactionId === interactionId)) return;
        center.end(agentId);
        counts.ended++;
      });
    };
    const wrappingUp = (since: number) => {
      after(behaviour.wrapUpSeconds, () => {
        if (still((a) => a.state === "WrapUp" && a.since === since)) center.setAvailable(agentId);
      });
    };
    const resting = (since: number) => {
      after(behaviour.readyAfterSeconds, () => {
        if (still((a) => a.state === "Idle" && a.since === since)) center.setAvailable(agentId);
      });
    };

    const onEvent = (event: CenterEvent) => {
      switch (event.type) {
        case "offer":
          return offered(event.offerId);
        case "answered":
          return answered(event.interactionId);
        case "agent-state":
          if (event.state === "WrapUp") wrappingUp(event.at);
          else if (event.state === "Idle" && (event.reason === "RONA" || event.reason === "Declined")) resting(event.at);
          return;
        default:
          return;
      }
    };
    unsubscribes.push(center.subscribeAgent(agentId, onEvent));
    // Taken over from where the agent is: on a cluster node another node may have played them until now.
    const now = center.state.agent(agentId);
    if (!now || now.state === "LoggedOut") center.login(agentId, { available: true });
    else if (now.state === "Reserved" && now.offerId !== undefined) offered(now.offerId);
    else if (now.state === "Engaged" && now.interactionId !== undefined) answered(now.interactionId);
    else if (now.state === "WrapUp") wrappingUp(now.since);
    else if (now.state === "Idle" && (now.reason === "RONA" || now.reason === "Declined")) resting(now.since);
  }

  return {
    stats,
    stop() {
      stopped = true;
      for (const timer of pending) timer.cancel();
      pending.clear();
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  };
}
