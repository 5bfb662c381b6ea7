/**
 * What the UI, the API and the flows read of the center: snapshots of queues, agents and contacts,
 * and the agent/queue descriptions that notices carry. Plain copies: nothing here hands out a
 * record the center keeps.
 */
import { isPersonal, type CenterCore } from "./center-core.js";
import type { AgentState, AgentRecord, ContactKind, ContactRecord, ContactState, QueueRecord, RoutingType, ScreenPopRecord } from "./state.js";
import type { AgentInfo, QueueInfo } from "./types.js";

export interface WaitingContactSnapshot {
  interactionId: string;
  kind: ContactKind;
  ani: string;
  priority: number;
  /** 1-based. */
  position: number;
  waitedMs: number;
}

export interface QueueSnapshot {
  id: string;
  name: string;
  routing: RoutingType;
  auto: boolean;
  /** Removed from the environment file: takes no new contacts, gone when the last one leaves. */
  retiring?: true;
  maxWaitSeconds?: number;
  queuedNow: number;
  loggedOnAgents: number;
  availableAgents: number;
  oldestWaitMs: number;
  /** Waiting contacts in routing order. */
  waiting: WaitingContactSnapshot[];
  /** Contacts of this queue ringing at an agent. */
  ringing: Array<{ interactionId: string; agentId: string; ani: string; priority: number }>;
  /** Contacts of this queue connected to an agent. */
  connected: Array<{ interactionId: string; agentId: string; ani: string }>;
}

export interface AgentSnapshot {
  id: string;
  name: string;
  email?: string;
  teamId?: string;
  teamName?: string;
  queues: string[];
  state: AgentState;
  reason?: string;
  since: number;
  sessionId?: string;
  offerId?: number;
  interactionId?: string;
  /** Contacts waiting for this agent in particular (queue-to-agent with parking). */
  parked: number;
}

export interface ContactSnapshot {
  interactionId: string;
  kind: ContactKind;
  ani: string;
  dnis: string;
  state: ContactState;
  queueId?: string;
  queueName?: string;
  priority: number;
  /** 1-based position while waiting; 0 otherwise. */
  position: number;
  /** Since first queued, up to now (or to the answer / end). */
  waitedMs: number;
  agentId?: string;
  offers: number;
  screenPops: ScreenPopRecord[];
  endedAt?: number;
  endedReason?: string;
}

export class Projections {
  constructor(private readonly core: CenterCore) {}

  listQueues(): QueueSnapshot[] {
    const { state, clock, router } = this.core;
    const now = clock.now();
    const ringing = new Map<string, QueueSnapshot["ringing"]>();
    const connected = new Map<string, QueueSnapshot["connected"]>();
    for (const c of state.contacts()) {
      if (!c.queueId || !c.agentId) continue;
      if (c.state === "offered") {
        push(ringing, c.queueId, { interactionId: c.interactionId, agentId: c.agentId, ani: c.ani, priority: c.priority });
      } else if (c.state === "engaged") {
        push(connected, c.queueId, { interactionId: c.interactionId, agentId: c.agentId, ani: c.ani });
      }
    }
    const out: QueueSnapshot[] = [];
    for (const q of state.queues()) {
      const waiting: WaitingContactSnapshot[] = [];
      let position = 0;
      for (const c of state.waiting(q.id)) {
        waiting.push({
          interactionId: c.interactionId,
          kind: c.kind,
          ani: c.ani,
          priority: c.priority,
          position: ++position,
          waitedMs: now - c.firstQueuedAt,
        });
      }
      const { loggedOn } = router.staffing(q.id);
      const oldest = state.oldestWaitingSince(q.id);
      out.push({
        id: q.id,
        name: q.name,
        routing: q.routing,
        auto: q.auto,
        ...(q.retiring ? { retiring: true } : {}),
        ...(q.maxWaitSeconds !== undefined ? { maxWaitSeconds: q.maxWaitSeconds } : {}),
        queuedNow: waiting.length,
        loggedOnAgents: loggedOn,
        availableAgents: state.availableCount(q.id),
        oldestWaitMs: oldest === undefined ? 0 : now - oldest,
        waiting,
        ringing: ringing.get(q.id) ?? [],
        connected: connected.get(q.id) ?? [],
      });
    }
    return out;
  }

  /** A live contact, or one that ended recently. */
  contact(interactionId: string): ContactSnapshot | undefined {
    const { state, clock } = this.core;
    const c = state.contact(interactionId) ?? this.core.contacts.endedContact(interactionId);
    if (!c) return undefined;
    const queue = c.queueId ? state.queue(c.queueId) : undefined;
    const waitEnd = c.answeredAt ?? c.endedAt ?? clock.now();
    return {
      interactionId: c.interactionId,
      kind: c.kind,
      ani: c.ani,
      dnis: c.dnis,
      state: c.state,
      ...(queue ? { queueId: queue.id, queueName: queue.name } : {}),
      priority: c.priority,
      position: c.state === "queued" ? state.position(c) : 0,
      waitedMs: waitEnd - c.firstQueuedAt,
      ...(c.agentId ? { agentId: c.agentId } : {}),
      offers: c.offers,
      screenPops: [...c.screenPops],
      ...(c.endedAt !== undefined ? { endedAt: c.endedAt } : {}),
      ...(c.endedReason !== undefined ? { endedReason: c.endedReason } : {}),
    };
  }

  // Built field by field rather than with conditional spreads: every agent action returns a
  // snapshot, and each spread allocated a throwaway object. Same fields, same order.
  agentInfo(agent: AgentRecord): AgentInfo {
    // The usual agent (no email, no team) in one literal: a field added to a two-field literal
    // goes to a property array of its own. A call's notices carry three of these.
    if (!agent.email && !agent.teamId) return agent.sessionId ? { id: agent.id, name: agent.name, sessionId: agent.sessionId } : { id: agent.id, name: agent.name };
    const info: AgentInfo = { id: agent.id, name: agent.name };
    if (agent.email) info.email = agent.email;
    if (agent.teamId) {
      info.teamId = agent.teamId;
      const team = this.core.state.team(agent.teamId);
      if (team) info.teamName = team.name;
    }
    if (agent.sessionId) info.sessionId = agent.sessionId;
    return info;
  }

  agentSnapshot(agent: AgentRecord): AgentSnapshot {
    const team = agent.teamId ? this.core.state.team(agent.teamId) : undefined;
    // The agent's personal list id is the last of its cached lists: no id string built per snapshot.
    const lists = this.core.router.listsOf(agent);
    return new AgentView(agent, team?.name, this.core.state.waitingCount(lists[lists.length - 1]!));
  }

  queueInfo(queue: QueueRecord): QueueInfo {
    return { id: queue.id, name: queue.name };
  }

  /** The queue a contact's notices name; a queue-to-agent contact without a reporting queue names the agent. */
  contactQueueInfo(contact: ContactRecord): QueueInfo {
    const queue = contact.queueId ? this.core.state.queue(contact.queueId) : undefined;
    if (queue) return this.queueInfo(queue);
    const listId = contact.listId ?? "";
    const agent = isPersonal(listId) ? this.core.state.agent(listId.slice("@agent:".length)) : undefined;
    return { id: listId, name: agent ? `Agent ${agent.name}` : listId };
  }
}

/**
 * An agent snapshot. A class rather than a literal grown field by field: V8 sizes a class's
 * objects from what its constructor adds, so the optional fields live in the object itself
 * instead of a property array reallocated as they are added (every agent call returns one).
 * Same fields in the same order as before; absent ones are absent, not undefined.
 */
class AgentView implements AgentSnapshot {
  declare id: string;
  declare name: string;
  declare email?: string;
  declare teamId?: string;
  declare teamName?: string;
  declare queues: string[];
  declare state: AgentState;
  declare reason?: string;
  declare since: number;
  declare sessionId?: string;
  declare offerId?: number;
  declare interactionId?: string;
  declare parked: number;

  constructor(agent: AgentRecord, teamName: string | undefined, parked: number) {
    this.id = agent.id;
    this.name = agent.name;
    if (agent.email) this.email = agent.email;
    if (agent.teamId) {
      this.teamId = agent.teamId;
      if (teamName !== undefined) this.teamName = teamName;
    }
    this.queues = agent.queues.slice();
    this.state = agent.state;
    if (agent.reason !== undefined) this.reason = agent.reason;
    this.since = agent.since;
    if (agent.sessionId) this.sessionId = agent.sessionId;
    if (agent.offerId !== undefined) this.offerId = agent.offerId;
    if (agent.interactionId) this.interactionId = agent.interactionId;
    this.parked = parked;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
