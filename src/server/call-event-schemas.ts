/**
 * A call's events (engine/events.ts) as zod schemas, one per `type`, joined in a discriminated
 * union: what the API's traces (`GET /api/contacts/{id}`, stored records) and WebSockets (`event`,
 * `hello`, `trace`, `call-event`) carry, published under components.schemas as `CallEvent` with
 * one named schema per type (`StepEvent`, `HttpEvent`…), so a client sees every event's fields.
 *
 * Two forms of one table:
 * - `callEvent`: the objects are loose, like every response schema (a field added later reaches
 *   clients untouched); the document and the response check use it;
 * - `exactCallEvent`: the same shapes, strict, for the tests that hold real events to the
 *   schemas — a field the engine emits that a schema lacks fails there.
 *
 * The type check at the end keeps the table equal to the engine's `CallEvent` union: an event
 * type or a field added there without its schema here does not compile.
 */
import { z } from "zod";
import type { CallEvent } from "../engine/events.js";
import { named } from "./schema-registry.js";

const base = {
  at: z.number().describe("Clock time, ms since the epoch"),
  interactionId: z.string(),
  activity: z.string().optional().describe("The activity that produced the event, where there is one"),
  activityId: z.string().optional(),
  flow: z.string().optional().describe("main, the event flow the activity ran in (AgentContactAssigned…), or subflow:<name>"),
};

const shape = <T extends string, S extends z.core.$ZodLooseShape>(type: T, fields: S) => ({ type: z.literal(type), ...base, ...fields });

/** Each event type: its name in components.schemas, its fields, and what it says. */
const EVENTS = {
  step: ["StepEvent", shape("step", { activityType: z.string().describe("play-message, queue-contact…"), port: z.string().optional().describe("The port the activity left by; absent when it ended the flow") }), "An activity ran"],
  prompt: [
    "PromptEvent",
    shape("prompt", {
      text: z.string().optional().describe("The rendered text, when the prompt is speech"),
      file: z.string().optional().describe("The audio file, when it is a recording"),
      music: z.boolean().optional().describe("Music (Play Music) rather than a message"),
      voice: z.string().optional().describe("Language/voice as exported (en-US-Standard-C)"),
    }),
    "A prompt played",
  ],
  http: [
    "HttpEvent",
    shape("http", {
      method: z.string(),
      url: z.string().describe("The final URL, without credentials"),
      status: z.number().int().optional().describe("Absent when the request failed before a response"),
      ms: z.number(),
      attempts: z.number().int().optional().describe("Attempts made, retries included"),
      failure: z.string().optional().describe("The transport failure (timeout after 2000 ms, ECONNRESET)"),
      connector: z.string().optional(),
    }),
    "An HTTP request of the flow (HTTP Request, BRE Request)",
  ],
  variable: ["VariableEvent", shape("variable", { name: z.string(), value: z.unknown().describe("The new value; ****** for isSecure variables") }), "A flow variable changed"],
  input: [
    "InputEvent",
    shape("input", { digits: z.string().describe("Keys entered, terminator excluded; empty on timeout"), outcome: z.enum(["digits", "timeout", "invalid"]) }),
    "The caller's keys for a menu, a collect or a survey question",
  ],
  queued: ["QueuedEvent", shape("queued", { queue: z.string(), queueName: z.string().optional(), priority: z.number().int() }), "The contact entered a queue"],
  offered: ["OfferedEvent", shape("offered", { agent: z.string(), agentName: z.string().optional(), queue: z.string().optional() }), "An agent's phone rings with the contact"],
  requeued: [
    "RequeuedEvent",
    shape("requeued", {
      agent: z.string(),
      agentName: z.string().optional(),
      reason: z.enum(["rona", "declined", "transfer"]).describe("transfer: the agent passed the contact on, to queue or to agent to"),
      queue: z.string().optional(),
      queueName: z.string().optional(),
      to: z.string().optional(),
      toName: z.string().optional(),
    }),
    "An offer did not turn into an answer, or the agent transferred the contact: it is back in a queue",
  ],
  answered: ["AnsweredEvent", shape("answered", { agent: z.string(), agentName: z.string().optional(), queue: z.string().optional() }), "An agent answered"],
  "screen-pop": [
    "ScreenPopEvent",
    shape("screen-pop", { url: z.string(), target: z.string().describe("newBrowserTab, sameBrowserTab or insideDesktop"), label: z.string().optional(), agent: z.string().optional() }),
    "A screen pop for the agent's desktop",
  ],
  transferred: ["TransferredEvent", shape("transferred", { destination: z.string().describe("A number, or flow:<name> for a GoTo") }), "The contact left by a blind transfer or a GoTo"],
  control: [
    "ControlEvent",
    shape("control", {
      action: z.enum(["hold", "resume", "mute", "unmute", "transfer", "consult", "conference", "consult-transfer", "consult-end", "edit-cad", "wrap-up"]),
      agent: z.string().describe("The agent who acted"),
      agentName: z.string().optional(),
      detail: z.string().optional().describe("What to: queue Support, agent Bo Chen, the variable edited, the wrap-up code"),
    }),
    "An agent's call control on the contact",
  ],
  disconnected: ["DisconnectedEvent", shape("disconnected", { by: z.enum(["flow", "caller", "agent", "system"]) }), "Someone hung up"],
  error: [
    "ErrorEvent",
    shape("error", { message: z.string(), handling: z.enum(["port", "global-error", "end"]).optional().describe("What the engine did: the wired port, OnGlobalError, or ending the call") }),
    "An activity or the call failed",
  ],
  callback: [
    "CallbackEvent",
    shape("callback", {
      number: z.string(),
      queue: z.string().optional(),
      state: z.literal("failed").optional().describe("Absent: registered; failed: dialling the customer failed"),
      reason: z.string().optional(),
    }),
    "A callback was registered, or dialling it failed",
  ],
  "media-stream": [
    "MediaStreamEvent",
    shape("media-stream", { destination: z.string(), destinationName: z.string().optional() }),
    "Start Media Stream ran (ccflow streams no media: the event says where it would have gone)",
  ],
  "activity-result": [
    "ActivityResultEvent",
    shape("activity-result", {
      kind: z.enum(["allocation", "bridged-transfer", "survey", "recording", "recording-control", "bre", "wait", "contact-priority", "queue-info", "caller-id", "send-digits", "scheduled-callback"]),
      text: z.string().describe("The one line a transcript prints"),
      data: z.record(z.string(), z.unknown()),
    }),
    "What an activity ccflow simulates came to",
  ],
  event: ["EventFlowEvent", shape("event", { name: z.string().describe("The event flow: AgentContactAssigned, ContactEnded…") }), "An event flow started"],
  ended: [
    "EndedEvent",
    shape("ended", {
      reason: z
        .string()
        .describe("disconnected, caller-hangup, rtp-timeout, agent-ended, transferred, callback, flow-ended, global-error, no-handler, step-limit, shutdown, max-wait…"),
    }),
    "The call is over",
  ],
} as const;

type Events = typeof EVENTS;
type Options<Make extends "loose" | "strict"> = { [K in keyof Events]: Make extends "loose" ? z.ZodObject<Events[K][1], z.core.$loose> : z.ZodObject<Events[K][1], z.core.$strict> }[keyof Events];

const entries = Object.values(EVENTS) as Array<Events[keyof Events]>;

/** Every event type the API delivers, as the engine names them. */
export const CALL_EVENT_TYPES = Object.keys(EVENTS) as Array<keyof Events>;

export const callEvent = named(
  "CallEvent",
  z
    .discriminatedUnion(
      "type",
      entries.map(([id, fields, what]) => named(id, z.looseObject(fields).describe(what))) as unknown as [Options<"loose">, ...Options<"loose">[]],
    )
    .describe("One event of a call, by type: each type's fields are in its own schema"),
);

export const exactCallEvent = z.discriminatedUnion("type", entries.map(([, fields]) => z.strictObject(fields)) as unknown as [Options<"strict">, ...Options<"strict">[]]);

// The schemas and the engine's union are one list: each side's events are the other's, type by
// type with the same fields (an optional field one side lacks would pass the first check alone).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Exact = z.output<typeof exactCallEvent>;
type FieldsMatch = { [T in CallEvent["type"]]: Same<keyof Extract<Exact, { type: T }>, keyof Extract<CallEvent, { type: T }>> }[CallEvent["type"]];
const same: Same<Exact, CallEvent> = true;
const fields: false extends FieldsMatch ? false : true = true;
void same;
void fields;
