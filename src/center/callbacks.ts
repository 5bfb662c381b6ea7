/**
 * Courtesy callbacks: recorded, then queued like a contact. When an agent of the queue is free the
 * callback is offered (kind `callback`, ANI = the number to call). Accepting it stands for
 * placing the outbound call; ending it completes the callback. No outbound call is dialled.
 */
import type { CallAssociatedItem } from "./center-events.js";
import type { CenterCore } from "./center-core.js";
import { failure } from "./errors.js";
import { resolveQueue, retiredFailure } from "./queues.js";
import type { CallbackRequest, CenterNotice, ContactHandle } from "./types.js";
import { LOWEST_PRIORITY } from "./waiting-list.js";

/**
 * `failed`: its agent declined it or let it ring out, the customer did not answer, or a scheduled
 * window closed; `cancelled`: withdrawn (the contact that asked for it gave up, the center shut down).
 */
export type CallbackState = "waiting" | "offered" | "connected" | "completed" | "cancelled" | "failed";

export interface CallbackSnapshot {
  id: string;
  number: string;
  queueId: string;
  callerId?: string;
  /** The call during which the callback was requested. */
  interactionId?: string;
  createdAt: number;
  state: CallbackState;
  agentId?: string;
}

export class CallbackBook {
  private readonly callbacks = new Map<string, CallbackSnapshot>();
  private callbackSeq = 0;

  constructor(private readonly core: CenterCore) {}

  /** The callbacks and the id counter (a cluster snapshot). */
  snapshot(): { seq: number; callbacks: CallbackSnapshot[] } {
    return { seq: this.callbackSeq, callbacks: this.list() };
  }

  clear(): void {
    this.callbacks.clear();
  }

  /** After a snapshot's contacts are in the state: the callbacks, and a handle for each one still a contact. */
  restore(data: { seq: number; callbacks: CallbackSnapshot[] }): void {
    this.callbackSeq = data.seq;
    for (const cb of data.callbacks) {
      const callback = { ...cb };
      this.callbacks.set(callback.id, callback);
      // The flow that asked runs on the node that took its call; a node joining later has none of it.
      if (this.core.state.contact(callback.id)) this.core.handles.set(callback.id, callbackHandle(callback, () => {}));
    }
  }

  list(): CallbackSnapshot[] {
    return [...this.callbacks.values()].map((cb) => ({ ...cb }));
  }

  /** The center is done with a callback's contact (contacts.finish): it no longer waits. */
  finished(id: string, reason: string): void {
    const callback = this.callbacks.get(id);
    if (!callback) return;
    callback.state = finalState(callback.state, reason);
    delete callback.agentId;
  }

  /** `chosen`: the id a cluster node picked before logging the request (ids are per node otherwise). */
  register(request: CallbackRequest, chosen?: string): { ok: true; id: string } | { ok: false; code: string; description: string } {
    const core = this.core;
    const raw = (request.number ?? "").trim();
    const number = raw.replace(/[\s().-]/g, "");
    if (!/^\+?[0-9]{3,20}$/.test(number)) {
      return failure("INVALID_NUMBER", raw ? `callback number "${raw}" is not a dialable number` : "callback number is empty");
    }
    const origin = core.state.contact(request.contact.interactionId);
    const queueId = request.queueId?.trim() || origin?.queueId;
    if (!queueId) return failure("NO_QUEUE", "callback has no queue and the contact is not queued anywhere");
    const queue = resolveQueue(core, queueId);
    if (!queue) return failure("QUEUE_NOT_FOUND", `callback queue "${queueId}" is not defined and autoCreateQueues is off`);
    if (queue.retiring) return retiredFailure(queue);
    const id = chosen ?? `callback-${++this.callbackSeq}`;
    const callback: CallbackSnapshot = {
      id,
      number,
      queueId: queue.id,
      ...(request.callerId ? { callerId: request.callerId } : {}),
      interactionId: request.contact.interactionId,
      createdAt: core.clock.now(),
      state: "waiting",
    };
    this.callbacks.set(id, callback);
    // The contact that asked runs its event flows for the callback (PreDial, CallbackFailed, ...).
    const handle = callbackHandle(callback, (notice) => request.contact.callbackNotice?.(id, notice));
    core.handles.set(id, handle);
    const contact = core.contacts.create(handle, "callback");
    contact.callbackId = id;
    core.contacts.place(contact, queue, origin?.priority ?? LOWEST_PRIORITY);
    if (core.outbox.listening) {
      core.outbox.emit({
        type: "callback-registered",
        at: core.clock.now(),
        callbackId: id,
        number,
        queueId: queue.id,
        interactionId: request.contact.interactionId,
      });
    }
    request.contact.callbackRegistered?.(id, number, queue.id);
    core.router.dispatchList(queue.id);
    return { ok: true, id };
  }
}

/** The center's own handle on a callback's contact: its state follows the notices; `toFlow` passes them on. */
function callbackHandle(callback: CallbackSnapshot, toFlow: (notice: CenterNotice) => void): ContactHandle {
  const data: CallAssociatedItem[] = [
    { label: "Callback number", name: "callbackNumber", value: callback.number },
    { label: "Requested during", name: "interactionId", value: callback.interactionId ?? "" },
  ];
  return {
    interactionId: callback.id,
    ani: callback.number,
    dnis: callback.callerId ?? "",
    callAssociatedData: () => data,
    notify: (notice) => {
      onCallbackNotice(callback, notice);
      toFlow(notice);
    },
  };
}

/** How a callback ended, from the reason its contact was finished with. */
function finalState(state: CallbackState, reason: string): CallbackState {
  if (state === "completed" || state === "failed" || state === "cancelled") return state;
  // `callback-declined`, `callback-rona`, `callback-no-answer`, `callback-expired`, ...: it failed.
  if (reason.startsWith("callback-") && reason !== "callback-cancelled") return "failed";
  if (state === "connected" || reason === "agent-ended") return "completed";
  return "cancelled";
}

const FINAL: ReadonlySet<CallbackState> = new Set(["completed", "cancelled", "failed"]);

/** A callback's state follows the notices its contact gets (delivered after the center acted: a finished one stays as it ended). */
function onCallbackNotice(callback: CallbackSnapshot, notice: CenterNotice): void {
  if (FINAL.has(callback.state)) return;
  switch (notice.type) {
    case "offered":
      callback.state = "offered";
      callback.agentId = notice.agent.id;
      break;
    case "answered":
      callback.state = "connected";
      break;
    case "agent-disconnected":
      callback.state = "completed";
      break;
    case "ended":
      if (callback.state !== "completed") callback.state = notice.reason === "agent-ended" ? "completed" : "cancelled";
      break;
  }
}
