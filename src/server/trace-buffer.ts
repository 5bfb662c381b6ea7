/**
 * A served call's trace (its CallEvent stream as emitted), held compactly. Most of a call's events
 * repeat what the flow says and nothing else: a step names the activity, its type, flow and port; a
 * music or file prompt names the file. A caller waiting in queue adds a step and a music prompt
 * every loop for as long as it waits. Such an event is kept as a body shared by every call (the
 * event without `at` and `interactionId`) and its time in a number array; any other event is kept
 * as the object it was. Reading the trace gives back the same events, keys in the same order.
 * Hand-written: the sharing follows the engine's event shapes, which no library knows.
 */
import type { CallEvent } from "../engine/events.js";

/** Events kept per call: the first ones (how the call started) and the most recent ones. */
const TRACE_HEAD = 500;
const TRACE_LIMIT = 5000;

/** An event without `at` and `interactionId` (its keys in order), shared by the traces of every call that had it. */
interface Body {
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  readonly keys: readonly string[];
}

/**
 * The shared bodies, by activity id (an activity's steps by port, its file prompts). One per call
 * registry. Bounded: bodies come from the flows' activities, but reloaded flows bring new ids.
 */
export class TraceBodies {
  private readonly byActivity = new Map<string, Body[]>();
  private size = 0;

  constructor(private readonly limit = 20_000) {}

  /** The shared body equal to `event` less its stamp, or undefined when it is not one to share. */
  bodyOf(event: CallEvent, interactionId: string): Body | undefined {
    if (event.interactionId !== interactionId || event.activityId === undefined) return undefined;
    if (event.type !== "step" && !(event.type === "prompt" && event.text === undefined)) return undefined;
    const candidates = this.byActivity.get(event.activityId);
    if (candidates) for (const body of candidates) if (sameBody(body, event)) return body;
    const body = bodyFrom(event);
    if (!body) return undefined;
    if (this.size >= this.limit) {
      // Traces keep the bodies they hold; later calls start sharing anew.
      this.byActivity.clear();
      this.size = 0;
    }
    const list = this.byActivity.get(event.activityId);
    if (list) list.push(body);
    else this.byActivity.set(event.activityId, [body]);
    this.size++;
    return body;
  }
}

/** The event's fields but `at` and `interactionId`, which must be its last two; only plain values. */
function bodyFrom(event: CallEvent): Body | undefined {
  const fields: Record<string, string | number | boolean> = {};
  const keys: string[] = [];
  const source = event as unknown as Record<string, unknown>;
  let stamp = 0;
  for (const key in source) {
    if (key === "at" && stamp === 0) stamp = 1;
    else if (key === "interactionId" && stamp === 1) stamp = 2;
    else {
      const value = source[key];
      if (stamp > 0 || (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")) return undefined;
      fields[key] = value;
      keys.push(key);
    }
  }
  return stamp === 2 ? { fields, keys } : undefined;
}

/** True when `event` is the body's fields followed by `at` and `interactionId`, key for key in order. */
function sameBody(body: Body, event: CallEvent): boolean {
  if (body.fields.type !== event.type) return false;
  const source = event as unknown as Record<string, unknown>;
  const n = body.keys.length;
  let i = 0;
  for (const key in source) {
    if (i < n ? key !== body.keys[i] || source[key] !== body.fields[key] : key !== (i === n ? "at" : "interactionId")) return false;
    if (++i > n + 2) return false;
  }
  return i === n + 2;
}

export class TraceBuffer {
  /** A shared body (its time in `times`) or the event itself (NaN in `times`). */
  private readonly entries: Array<Body | CallEvent> = [];
  private readonly times: number[] = [];
  /** Events dropped from the middle of a very long trace. */
  omitted = 0;

  constructor(
    private readonly interactionId: string,
    private readonly bodies: TraceBodies,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  push(event: CallEvent): void {
    if (this.entries.length >= TRACE_LIMIT) {
      this.entries.splice(TRACE_HEAD, 1);
      this.times.splice(TRACE_HEAD, 1);
      this.omitted++;
    }
    const body = this.bodies.bodyOf(event, this.interactionId);
    this.entries.push(body ?? event);
    this.times.push(body ? event.at : Number.NaN);
  }

  /** The events, oldest first: a new array each time (shared bodies made whole again). */
  events(): CallEvent[] {
    const out = new Array<CallEvent>(this.entries.length);
    for (let i = 0; i < out.length; i++) {
      const at = this.times[i]!;
      out[i] = Number.isNaN(at) ? (this.entries[i] as CallEvent) : ({ ...(this.entries[i] as Body).fields, at, interactionId: this.interactionId } as unknown as CallEvent);
    }
    return out;
  }
}
