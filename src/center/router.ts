/**
 * Routing decisions. A queue serves its contacts by priority (1 first) and then time in queue; a
 * contact goes to the agent of that queue who has been Available the longest (LAA); an agent who
 * becomes Available takes the best contact across all the queues they serve (and contacts parked
 * on them by queue-to-agent). Whenever a queue has waiting contacts it has no Available agent, so
 * either pick is one look at the top of a per-queue structure (see state.ts).
 *
 * The router also knows who serves which queue (agents with `"*"` serve every queue, auto-created
 * ones included), which the statistics and the projections read.
 */
import { isPersonal, type CenterCore } from "./center-core.js";
import { personalList, type AgentRecord, type QueueRecord } from "./state.js";

export class Router {
  private readonly servers = new Map<string, Set<AgentRecord>>();
  private readonly wildcardAgents = new Set<AgentRecord>();
  /**
   * Per agent serving every queue, the ids of all queues; dropped with the routing memo when a queue is
   * created or removed, and rebuilt when the count moved otherwise (queues loaded from a snapshot).
   */
  private readonly allQueues = new Map<string, string[]>();
  /** The one-list argument of dispatchList's picks, reused (bestWaiting keeps no reference to it). */
  private readonly oneList: string[] = [""];

  constructor(private readonly core: CenterCore) {}

  /** A new agent serves its queues. */
  agentAdded(agent: AgentRecord): void {
    if (agent.queues.includes("*")) this.wildcardAgents.add(agent);
    for (const q of this.servedQueues(agent)) this.serversOf(q).add(agent);
  }

  /** An agent removed, or about to serve other queues: it serves none of its queues any more. */
  agentRemoved(agent: AgentRecord): void {
    this.wildcardAgents.delete(agent);
    for (const set of this.servers.values()) set.delete(agent);
    this.core.state.setRoutingMemo(agent.id, undefined);
    this.allQueues.delete(agent.id);
  }

  /** A new queue is served by the agents who serve every queue (an Available one waits in it at once). */
  queueAdded(queue: QueueRecord): void {
    for (const agent of this.wildcardAgents) {
      this.serversOf(queue.id).add(agent);
      this.core.state.setRoutingMemo(agent.id, undefined);
      this.allQueues.delete(agent.id);
      if (agent.state === "Available") this.core.state.markAvailable(agent, [queue.id]);
    }
  }

  servedQueues(agent: AgentRecord): readonly string[] {
    if (!agent.queues.includes("*")) return agent.queues;
    let ids = this.allQueues.get(agent.id);
    if (!ids || ids.length !== this.core.state.queueCount()) this.allQueues.set(agent.id, (ids = [...this.core.state.queues()].map((q) => q.id)));
    return ids;
  }

  /** The lists an agent takes contacts from: the queues served, then the agent's parked contacts. */
  listsOf(agent: AgentRecord): string[] {
    const state = this.core.state;
    let lists = state.routingMemo(agent.id);
    if (!lists) state.setRoutingMemo(agent.id, (lists = [...this.servedQueues(agent), personalList(agent.id)]));
    return lists;
  }

  /** Logged-on agents of a queue, and those working (not Idle). */
  staffing(queueId: string): { loggedOn: number; working: number } {
    let loggedOn = 0;
    let working = 0;
    for (const a of this.servers.get(queueId) ?? []) {
      if (a.state === "LoggedOut") continue;
      loggedOn++;
      if (a.state !== "Idle") working++;
    }
    return { loggedOn, working };
  }

  /** Offers waiting contacts of one list to its longest-available agents until one side runs out. */
  dispatchList(listId: string): void {
    const state = this.core.state;
    if (isPersonal(listId)) {
      const agent = state.agent(listId.slice("@agent:".length));
      if (agent?.state === "Available") this.dispatchAgent(agent);
      return;
    }
    const oneList = this.oneList;
    for (;;) {
      const agent = state.longestAvailable(listId);
      if (!agent) return;
      oneList[0] = listId;
      const contact = state.bestWaiting(oneList);
      if (!contact) return;
      this.core.offers.open(contact, agent);
    }
  }

  /** An Available agent takes the best contact across their lists, or waits in every queue's ordering. */
  dispatchAgent(agent: AgentRecord): void {
    const contact = this.core.state.bestWaiting(this.listsOf(agent));
    if (contact) this.core.offers.open(contact, agent);
    else this.core.state.markAvailable(agent, this.servedQueues(agent));
  }

  private serversOf(queueId: string): Set<AgentRecord> {
    let set = this.servers.get(queueId);
    if (!set) this.servers.set(queueId, (set = new Set()));
    return set;
  }
}
