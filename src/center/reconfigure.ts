/**
 * A changed environment applied to a running center (`ccflow serve --watch`): the center's own
 * settings, queues, teams and agents. Each change says what it did, in one line, for the server's
 * log.
 *
 * What is applied how:
 * - the center settings the center itself holds change for what happens from then on:
 *   `ringTimeoutSeconds` (offers made from now on; one ringing keeps its timer), `wrapUpSeconds`
 *   (wrap-ups begun from now on), `declineState`, `autoCreateQueues`, `ewtLookbackMinutes`; the
 *   other `center` settings belong to the server's parts and are named as needing a restart by
 *   the watcher (server/environment-watch.ts);
 * - a queue's name, routing and maxWaitSeconds change in place; maxWaitSeconds holds for contacts
 *   queued from then on (one already waiting keeps the timer it started with);
 * - a queue an agent names that does not exist yet is created, as at the start;
 * - a queue gone from the file that a served flow or an agent still names stays, as a queue
 *   created on first use (what a restart would make of it, autoCreateQueues on);
 * - any other queue gone from the file retires: it takes no new contacts (Queue Contact, a
 *   transfer or a callback to it fails with QUEUE_RETIRED), the contacts in it stay where they
 *   are and are offered, as before, to the agents who served it (who keep it until then), its
 *   maximum wait still ends theirs, and it is removed — from the center and those agents — when
 *   no contact that came through it is left (waiting, ringing or connected); at once when empty.
 *   A queue back in the file before that takes contacts again;
 * - a team is added, renamed or removed (the configuration check already refused a file whose
 *   agents name a team it lacks);
 * - an agent's name, email, team and queues change in place; new queues serve at once (an
 *   Available agent takes a contact waiting there), queues dropped stop offering to them;
 * - an agent gone from the file is removed when signed out, signed out first when Idle or
 *   Available, and kept — with a line saying so — while on a contact (Reserved, Engaged, WrapUp);
 *   saving the file again after they finish removes them.
 */
import type { CenterCore } from "./center-core.js";
import type { AgentConfig, CenterConfig, CenterSettings as CenterFileSettings, QueueConfig, TeamConfig } from "./config.js";
import { autoCreateQueue } from "./queues.js";
import type { AgentRecord, QueueRecord } from "./state.js";

export interface CenterReconfiguration {
  queues: readonly QueueConfig[];
  teams: readonly TeamConfig[];
  agents: readonly AgentConfig[];
  /** Agents the file does not name that must stay (the simulated agent the runtime adds). */
  keepAgents?: ReadonlySet<string>;
  /** The file's `center` settings; those the center holds are applied. */
  settings?: CenterFileSettings;
  /** Queues the served flows name: one of them gone from the file stays, as created on first use. */
  usedQueues?: ReadonlySet<string>;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function reconfigureCenter(core: CenterCore, next: CenterReconfiguration, logout: (agentId: string) => void): string[] {
  const lines: string[] = [];
  const { state, router } = core;

  if (next.settings) lines.push(...changeSettings(core, next.settings));

  const named = new Set(next.queues.map((q) => q.id));
  for (const q of next.queues) {
    const queue = state.queue(q.id);
    if (!queue) continue; // a new one: created by the runtime's queue binding
    const changes: string[] = [];
    if (queue.retiring) {
      delete queue.retiring;
      changes.push("back in the environment: takes new contacts again");
    }
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
  for (const queue of [...state.queues()]) {
    if (queue.auto || queue.retiring || named.has(queue.id)) continue;
    const namedBy = next.usedQueues?.has(queue.id) ? "a served flow" : next.agents.some((a) => a.queues.includes(queue.id)) ? "an agent" : undefined;
    if (namedBy && core.settings.autoCreateQueues) {
      queue.auto = true;
      state.saveQueue(queue);
      lines.push(`queue ${queue.id} → no longer in the environment, but ${namedBy} names it: it stays, as a queue created on first use (as a restart would make it)`);
      continue;
    }
    lines.push(retireQueue(core, queue));
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
  const { state } = core;
  const changes: string[] = [];
  if (agent.name !== next.name) changes.push(`name "${next.name}"`);
  if ((agent.email ?? "") !== (next.email ?? "")) {
    const other = next.email ? state.agentByEmail(next.email) : undefined;
    if (other && other.id !== agent.id) return [`email not changed: "${next.email}" is used by agent ${other.id}`];
    changes.push(next.email ? `email ${next.email}` : "no email");
  }
  if (agent.teamId !== next.teamId) changes.push(next.teamId ? `team ${next.teamId}` : "no team");
  // A retiring queue the agent served stays theirs until it is gone: its contacts still need them.
  const keep = agent.queues.filter((q) => !next.queues.includes(q) && state.queue(q)?.retiring);
  const queues = keep.length > 0 ? [...next.queues, ...keep] : next.queues;
  const queuesChanged = !sameList(agent.queues, queues);
  if (!sameList(agent.queues, next.queues)) changes.push(`queues ${next.queues.join(", ") || "(none)"}${keep.length > 0 ? ` (and ${keep.join(", ")} while retiring)` : ""}`);
  if (changes.length === 0) return changes;
  if (agent.email && agent.email !== next.email) state.forgetEmail(agent.email, agent);
  agent.name = next.name;
  if (next.email) agent.email = next.email;
  else delete agent.email;
  if (next.teamId) agent.teamId = next.teamId;
  else delete agent.teamId;
  if (queuesChanged) {
    for (const q of next.queues) if (q !== "*" && !state.queue(q)) autoCreateQueue(core, q);
    setQueues(core, agent, queues);
  }
  state.saveAgent(agent);
  return changes;
}

/** The agent serves these queues from now on; Available, they leave the old orderings and a contact waiting in a new queue comes now. */
function setQueues(core: CenterCore, agent: AgentRecord, queues: readonly string[]): void {
  const { state, router } = core;
  router.agentRemoved(agent);
  agent.queues = [...queues];
  router.agentAdded(agent);
  state.saveAgent(agent);
  if (agent.state === "Available") {
    state.markUnavailable(agent);
    router.dispatchAgent(agent);
  }
}

/** The center settings the center holds, for what happens from now on. */
function changeSettings(core: CenterCore, next: CenterFileSettings): string[] {
  const settings = core.settings;
  const lines: string[] = [];
  const ringTimeoutMs = next.ringTimeoutSeconds * 1000;
  if (settings.ringTimeoutMs !== ringTimeoutMs) {
    settings.ringTimeoutMs = ringTimeoutMs;
    lines.push(`center.ringTimeoutSeconds → ${next.ringTimeoutSeconds} (offers made from now on; one ringing keeps its timer)`);
  }
  const wrapUpMs = next.wrapUpSeconds === undefined ? undefined : next.wrapUpSeconds * 1000;
  if (settings.wrapUpMs !== wrapUpMs) {
    settings.wrapUpMs = wrapUpMs;
    lines.push(`center.wrapUpSeconds → ${next.wrapUpSeconds ?? "none (agents stay in WrapUp until they finish it)"} (wrap-ups begun from now on)`);
  }
  if (settings.declineState !== next.declineState) {
    settings.declineState = next.declineState;
    lines.push(`center.declineState → ${next.declineState}`);
  }
  if (settings.autoCreateQueues !== next.autoCreateQueues) {
    settings.autoCreateQueues = next.autoCreateQueues;
    lines.push(`center.autoCreateQueues → ${next.autoCreateQueues}`);
  }
  if (settings.ewtLookbackMinutes !== next.ewtLookbackMinutes) {
    settings.ewtLookbackMinutes = next.ewtLookbackMinutes;
    lines.push(`center.ewtLookbackMinutes → ${next.ewtLookbackMinutes}`);
  }
  return lines;
}

/** How many contacts the center holds still belong to the queue: waiting, ringing or connected through it. */
function inUse(core: CenterCore, queueId: string): number {
  const { state } = core;
  let n = 0;
  for (const c of state.contacts()) {
    if (c.state !== "ended" && (c.queueId === queueId || c.listId === queueId || c.recoveryQueueId === queueId)) n++;
  }
  return n;
}

function retireQueue(core: CenterCore, queue: QueueRecord): string {
  const left = inUse(core, queue.id);
  if (left === 0) {
    removeQueue(core, queue);
    return `queue ${queue.id} → removed (no longer in the environment, and no contact in it)`;
  }
  queue.retiring = true;
  core.state.saveQueue(queue);
  core.outbox.afterOp = () => sweepRetiring(core);
  return `queue ${queue.id} → retiring: no longer in the environment, it takes no new contacts; the ${left} contact${left === 1 ? "" : "s"} in it stay${left === 1 ? "s" : ""} and ${left === 1 ? "is" : "are"} served by its agents as before, and it is removed when the last one leaves`;
}

/** After each center operation while a queue retires: one nobody is left in goes. */
function sweepRetiring(core: CenterCore): void {
  let still = false;
  for (const queue of [...core.state.queues()]) {
    if (!queue.retiring) continue;
    // The waiting count first: it is one look, and while contacts wait the queue stays anyway.
    if (core.state.waitingCount(queue.id) > 0 || inUse(core, queue.id) > 0) {
      still = true;
      continue;
    }
    removeQueue(core, queue);
    core.outbox.notice("info", `queue ${queue.id} → removed: the last contact in it left (it was removed from the environment)`);
  }
  // Set back, not deleted: a deleted field would turn the outbox, read on every center operation, into a dictionary object.
  if (!still) core.outbox.afterOp = undefined;
}

/** Out of the center, and out of the queue lists of the agents who kept it while it retired (and of those serving every queue). */
function removeQueue(core: CenterCore, queue: QueueRecord): void {
  const { state, router } = core;
  const served = [...state.agents()].filter((a) => a.queues.includes(queue.id) || a.queues.includes("*"));
  for (const agent of served) {
    router.agentRemoved(agent);
    if (agent.state === "Available") state.markUnavailable(agent);
  }
  state.deleteQueue(queue.id);
  for (const agent of served) {
    if (agent.queues.includes(queue.id)) agent.queues = agent.queues.filter((q) => q !== queue.id);
    router.agentAdded(agent);
    state.saveAgent(agent);
    if (agent.state === "Available") router.dispatchAgent(agent);
  }
}

/** The center settings reconfigureCenter applies; the watcher names the others as needing a restart. */
export const LIVE_CENTER_SETTINGS = ["ringTimeoutSeconds", "wrapUpSeconds", "declineState", "autoCreateQueues", "ewtLookbackMinutes"] as const;

/**
 * What reconfigureCenter would change, without changing it, one line each (`queue Q2 added`,
 * `agent ana changed: name, queues`): for a center that does not take the change (a cluster node).
 */
export function describeCenterChanges(before: CenterConfig, after: CenterConfig): string[] {
  const lines: string[] = [];
  const diff = <T extends { id: string }>(kind: string, was: readonly T[], now: readonly T[]) => {
    const old = new Map(was.map((x) => [x.id, x]));
    for (const x of now) {
      const prev = old.get(x.id);
      if (!prev) lines.push(`${kind} ${x.id} added`);
      else {
        const fields = [...new Set([...Object.keys(prev), ...Object.keys(x)])].filter((k) => JSON.stringify(prev[k as keyof T]) !== JSON.stringify(x[k as keyof T]));
        if (fields.length > 0) lines.push(`${kind} ${x.id} changed: ${fields.join(", ")}`);
      }
      old.delete(x.id);
    }
    for (const id of old.keys()) lines.push(`${kind} ${id} removed`);
  };
  diff("queue", before.queues, after.queues);
  diff("team", before.teams, after.teams);
  diff("agent", before.agents, after.agents);
  for (const key of LIVE_CENTER_SETTINGS) {
    if (JSON.stringify(before.center[key]) !== JSON.stringify(after.center[key])) lines.push(`center.${key} changed`);
  }
  return lines;
}
