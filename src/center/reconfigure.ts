/**
 * A changed environment applied to a running center (`ccflow serve --watch`): queue settings of
 * existing queues, teams and agents added, changed and removed. Each change says what it did, in
 * one line, for the server's log.
 *
 * What is applied how:
 * - a queue's name, routing and maxWaitSeconds change in place; maxWaitSeconds holds for contacts
 *   queued from then on (one already waiting keeps the timer it started with);
 * - a queue an agent names that does not exist yet is created, as at the start;
 * - a queue gone from the file stays (contacts may wait in it, flows may name it) until a restart;
 * - a team is added, renamed or removed (the configuration check already refused a file whose
 *   agents name a team it lacks);
 * - an agent's name, email, team and queues change in place; new queues serve at once (an
 *   Available agent takes a contact waiting there), queues dropped stop offering to them;
 * - an agent gone from the file is removed when signed out, signed out first when Idle or
 *   Available, and kept — with a line saying so — while on a contact (Reserved, Engaged, WrapUp);
 *   saving the file again after they finish removes them.
 */
import type { CenterCore } from "./center-core.js";
import type { AgentConfig, QueueConfig, TeamConfig } from "./config.js";
import { autoCreateQueue } from "./queues.js";
import type { AgentRecord } from "./state.js";

export interface CenterReconfiguration {
  queues: readonly QueueConfig[];
  teams: readonly TeamConfig[];
  agents: readonly AgentConfig[];
  /** Agents the file does not name that must stay (the simulated agent the runtime adds). */
  keepAgents?: ReadonlySet<string>;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function reconfigureCenter(core: CenterCore, next: CenterReconfiguration, logout: (agentId: string) => void): string[] {
  const lines: string[] = [];
  const { state, router } = core;

  const named = new Set(next.queues.map((q) => q.id));
  for (const q of next.queues) {
    const queue = state.queue(q.id);
    if (!queue) continue; // a new one: created by the runtime's queue binding
    const changes: string[] = [];
    const name = q.name ?? q.id;
    if (queue.name !== name) changes.push(`name "${name}"`);
    if (queue.routing !== q.routing) changes.push(`routing ${q.routing}`);
    if (queue.maxWaitSeconds !== q.maxWaitSeconds) changes.push(q.maxWaitSeconds === undefined ? "no maximum wait" : `maxWaitSeconds ${q.maxWaitSeconds} (for contacts queued from now on)`);
    if (queue.auto) changes.push("now defined in the environment");
    if (changes.length === 0) continue;
    queue.name = name;
    queue.routing = q.routing;
    if (q.maxWaitSeconds === undefined) delete queue.maxWaitSeconds;
    else queue.maxWaitSeconds = q.maxWaitSeconds;
    queue.auto = false;
    state.saveQueue(queue);
    lines.push(`queue ${q.id} → ${changes.join(", ")}`);
  }
  for (const queue of state.queues()) {
    if (!queue.auto && !named.has(queue.id)) lines.push(`queue ${queue.id} is no longer in the environment; it stays until the server restarts (contacts may wait in it)`);
  }

  const teams = new Set(next.teams.map((t) => t.id));
  for (const t of next.teams) {
    const team = state.team(t.id);
    if (team?.name === t.name) continue;
    state.saveTeam({ id: t.id, name: t.name });
    lines.push(team ? `team ${t.id} → renamed "${t.name}"` : `team ${t.id} → added`);
  }
  for (const team of [...state.teams()]) {
    if (teams.has(team.id)) continue;
    state.deleteTeam(team.id);
    lines.push(`team ${team.id} → removed`);
  }

  const agents = new Set(next.agents.map((a) => a.id));
  for (const a of next.agents) {
    const agent = state.agent(a.id);
    if (!agent) {
      if (a.email && state.agentByEmail(a.email)) {
        lines.push(`agent ${a.id} not added: email "${a.email}" is used by another agent`);
        continue;
      }
      for (const q of a.queues) if (q !== "*" && !state.queue(q)) autoCreateQueue(core, q);
      core.agents.create(a);
      lines.push(`agent ${a.id} → added (signed out)`);
      continue;
    }
    const changes = changeAgent(core, agent, a);
    if (changes.length > 0) lines.push(`agent ${a.id} → ${changes.join(", ")}`);
  }
  for (const agent of [...state.agents()]) {
    if (agents.has(agent.id) || next.keepAgents?.has(agent.id)) continue;
    if (agent.state === "Reserved" || agent.state === "Engaged" || agent.state === "WrapUp") {
      lines.push(`agent ${agent.id} is no longer in the environment but is ${agent.state} on a contact; kept until they finish (save the file again then, or restart)`);
      continue;
    }
    const signedIn = agent.state !== "LoggedOut";
    if (signedIn) logout(agent.id);
    router.agentRemoved(agent);
    state.deleteAgent(agent.id);
    lines.push(`agent ${agent.id} → removed${signedIn ? " (signed out first)" : ""}`);
  }
  return lines;
}

function changeAgent(core: CenterCore, agent: AgentRecord, next: AgentConfig): string[] {
  const { state, router } = core;
  const changes: string[] = [];
  if (agent.name !== next.name) changes.push(`name "${next.name}"`);
  if ((agent.email ?? "") !== (next.email ?? "")) {
    const other = next.email ? state.agentByEmail(next.email) : undefined;
    if (other && other.id !== agent.id) return [`email not changed: "${next.email}" is used by agent ${other.id}`];
    changes.push(next.email ? `email ${next.email}` : "no email");
  }
  if (agent.teamId !== next.teamId) changes.push(next.teamId ? `team ${next.teamId}` : "no team");
  const queuesChanged = !sameList(agent.queues, next.queues);
  if (queuesChanged) changes.push(`queues ${next.queues.join(", ") || "(none)"}`);
  if (changes.length === 0) return changes;
  if (agent.email && agent.email !== next.email) state.forgetEmail(agent.email, agent);
  agent.name = next.name;
  if (next.email) agent.email = next.email;
  else delete agent.email;
  if (next.teamId) agent.teamId = next.teamId;
  else delete agent.teamId;
  if (queuesChanged) {
    for (const q of next.queues) if (q !== "*" && !state.queue(q)) autoCreateQueue(core, q);
    router.agentRemoved(agent);
    agent.queues = [...next.queues];
    router.agentAdded(agent);
  }
  state.saveAgent(agent);
  if (queuesChanged && agent.state === "Available") {
    // Out of the orderings of the old queues, into the new ones; a contact waiting there comes now.
    state.markUnavailable(agent);
    router.dispatchAgent(agent);
  }
  return changes;
}
