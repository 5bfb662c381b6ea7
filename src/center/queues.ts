/** Queues: created from the environment, on request, or on first use when `autoCreateQueues` is on. */
import type { CenterCore } from "./center-core.js";
import type { QueueConfig } from "./config.js";
import { failure } from "./errors.js";
import type { QueueRecord } from "./state.js";

export function createQueue(core: CenterCore, config: Pick<QueueConfig, "id" | "routing"> & Partial<QueueConfig>, auto: boolean): QueueRecord {
  const queue: QueueRecord = {
    id: config.id,
    name: config.name ?? config.id,
    routing: config.routing,
    ...(config.maxWaitSeconds !== undefined ? { maxWaitSeconds: config.maxWaitSeconds } : {}),
    auto,
  };
  core.state.saveQueue(queue);
  if (queue.routing === "SKILLS_BASED") {
    core.outbox.notice("warn", `queue "${queue.id}": SKILLS_BASED routing is not implemented yet; routing it as LONGEST_AVAILABLE_AGENT`);
  }
  core.router.queueAdded(queue);
  if (core.outbox.listening) core.outbox.emit({ type: "queue-created", at: core.clock.now(), queue: core.views.queueInfo(queue), auto });
  return queue;
}

export function autoCreateQueue(core: CenterCore, id: string): QueueRecord {
  const queue = createQueue(core, { id, routing: "LONGEST_AVAILABLE_AGENT" }, true);
  core.outbox.notice("info", `queue "${id}" is not in the environment; created it (longest available agent, served by agents with queues ["*"])`);
  return queue;
}

/** The queue with that id; created when it is missing and `autoCreateQueues` is on. */
export function resolveQueue(core: CenterCore, id: string): QueueRecord | undefined {
  const queue = core.state.queue(id);
  if (queue) return queue;
  return core.settings.autoCreateQueues ? autoCreateQueue(core, id) : undefined;
}

/** A queue gone from the environment file takes no new contacts while those in it are served (reconfigure.ts). */
export function retiredFailure(queue: QueueRecord): { ok: false; code: string; description: string } {
  return failure("QUEUE_RETIRED", `queue "${queue.id}" was removed from the environment: it takes no new contacts (those in it are still served)`);
}
