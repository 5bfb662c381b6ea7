/**
 * Agents played by the machine, for `ccflow call`, tests and benchmarks. Each one logs on, goes
 * Available and then reacts to its own events on the injected Clock: an offer is accepted after
 * `answerAfterSeconds` (or declined, or left to ring out into RONA), the contact is ended after
 * `talkSeconds`, wrap-up lasts `wrapUpSeconds`, and after a RONA or a decline the agent is
 * Available again after `readyAfterSeconds`. They use only the public agent-side calls (through `act`,
 * which skips the snapshot they would not read), exactly
 * as a person at the desktop would. An agent already signed in (a cluster node taking over the
 * playing from another, center/cluster/) is taken from the state it is in.
 */
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import type { CenterEvent } from "./center-events.js";
import type { AgentConfig, SimulatedAgentConfig } from "./config.js";
import { simulatedAgentConfigSchema } from "./config.js";
import type { ContactCenter } from "./contact-center.js";
import { CenterError } from "./errors.js";

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
  // Pending reactions, cancelled by stop(): one short list per agent (rarely more than one entry)
  // rather than one Set for all, whose adds and deletes reallocated its table as it churned.
  // Clock timers rather than sleeps under one signal: each agent acts several times per contact,
  // and a promise per action is measurable in benchmarks.
  const pendingLists: ClockTimer[][] = [];
  let stopped = false;
  const unsubscribes: Array<() => void> = [];
  const stats = new Map<string, SimulatedAgentStats>();

  for (const spec of specs) {
    const { agentId, ...rest } = spec;
    const behaviour = simulatedAgentConfigSchema.parse(rest);
    const counts: SimulatedAgentStats = { offers: 0, accepted: 0, declined: 0, ignored: 0, ended: 0 };
    stats.set(agentId, counts);
    const pending: ClockTimer[] = [];
    pendingLists.push(pending);

    /** Runs `action(arg)` after `seconds`: one closure per reaction, the actions are the agent's own. */
    const after = <A>(seconds: number, action: (arg: A) => void, arg: A) => {
      const timer = startTimer(clock, seconds * 1000, () => {
        const i = pending.indexOf(timer);
        if (i >= 0) {
          pending[i] = pending[pending.length - 1]!;
          pending.pop();
        }
        if (stopped) return;
        try {
          action(arg);
        } catch (err) {
          // The world moved on between scheduling and acting (the caller hung up); nothing to do.
          if (!(err instanceof CenterError)) throw err;
        }
      });
      pending.push(timer);
    };
    // These read the agent's record, not a snapshot, before every action the agent takes.
    const answer = (offerId: number) => {
      const a = center.state.agent(agentId);
      if (a?.state !== "Reserved" || a.offerId !== offerId) return;
      center.act("accept", agentId, offerId);
      counts.accepted++;
    };
    const refuse = (offerId: number) => {
      const a = center.state.agent(agentId);
      if (a?.state === "Reserved" && a.offerId === offerId) center.decline(agentId, offerId);
    };
    const hangUp = (interactionId: string) => {
      const a = center.state.agent(agentId);
      if (a?.state !== "Engaged" || a.interactionId !== interactionId) return;
      center.act("end", agentId);
      counts.ended++;
    };
    const finishWrapUp = (since: number) => {
      const a = center.state.agent(agentId);
      if (a?.state === "WrapUp" && a.since === since) center.act("setAvailable", agentId);
    };
    const getReady = (since: number) => {
      const a = center.state.agent(agentId);
      if (a?.state === "Idle" && a.since === since) center.act("setAvailable", agentId);
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
      after(behaviour.answerAfterSeconds, declining ? refuse : answer, offerId);
    };
    const answered = (interactionId: string) => after(behaviour.talkSeconds, hangUp, interactionId);
    const wrappingUp = (since: number) => after(behaviour.wrapUpSeconds, finishWrapUp, since);
    const resting = (since: number) => after(behaviour.readyAfterSeconds, getReady, since);

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
      for (const pending of pendingLists) {
        for (const timer of pending) timer.cancel();
        pending.length = 0;
      }
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  };
}
