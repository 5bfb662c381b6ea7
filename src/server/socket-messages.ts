/**
 * Every message of the API's WebSockets, both ways, as zod schemas. They are the contract and
 * its check at once:
 *
 * - what a client sends is parsed with them (a message that does not fit is answered with
 *   `error` BAD_MESSAGE naming the field), so the document cannot promise what the server refuses;
 * - what the server sends goes through `SocketSender`, which checks it against them and logs a
 *   message that does not fit once per socket and type (as response-check.ts does for REST) — the
 *   message itself is sent unchanged;
 * - the OpenAPI document (api-doc.ts) publishes them under components.schemas and names them on
 *   each upgrade route as `x-ccflow-messages` {serverToClient, clientToServer}.
 *
 * Objects the server sends are loose, like the REST responses: a field added later reaches
 * clients untouched. The SIP socket (/sip) carries SIP, not JSON: it is described in docs/api.md.
 */
import type { WebSocket } from "ws";
import { z } from "zod";
import { agent, agentState, cadItem, callEvent, callPhase, contactSummary, deskView, errorResponse, intervalFigures, named, playMessage, queue } from "./response-schemas.js";
import { describeIssues } from "./schemas.js";

const typeOf = (input: unknown) => (input && typeof input === "object" ? (input as { type?: unknown }).type : undefined);
const literal = <T extends string>(type: T) => z.literal(type);
const queueRef = z.looseObject({ id: z.string(), name: z.string() });

/** `{type:"error", error:{code, message}}`: a message the server could not take, or why it closes the socket. */
const socketError = z.looseObject({ type: literal("error"), error: errorResponse.shape.error }).describe("Why a message was refused, or why the socket closes next (close code 1008)");

// ---- the caller's socket: /api/calls/{id}/ws

const collect = z
  .looseObject({ type: literal("collect"), minDigits: z.number().int(), maxDigits: z.number().int(), terminator: z.string().optional(), entryTimeoutMs: z.number() })
  .describe("The flow waits for keys");

export const callerServerMessage = named(
  "CallerSocketServerMessage",
  z
    .discriminatedUnion("type", [
      z
        .looseObject({ type: literal("hello"), call: contactSummary, events: z.array(callEvent), playing: playMessage.optional(), collecting: collect.optional() })
        .describe("First: the call, its events so far, the prompt playing and the keys awaited"),
      playMessage.describe("A prompt starts; without word from the browser it lasts durationMs"),
      z.looseObject({ type: literal("play-end"), promptId: z.number().int(), reason: z.enum(["finished", "barge-in", "interrupted"]) }).describe("A prompt ended"),
      collect,
      z.looseObject({ type: literal("collect-end"), digits: z.string(), timedOut: z.boolean(), terminated: z.boolean() }).describe("The keys the flow got"),
      z.looseObject({ type: literal("event"), event: callEvent }).describe("One event of the call's trace, as it happens"),
      z.looseObject({ type: literal("state"), state: callPhase }).describe("The call moved: ivr, queued, offered, engaged, ended"),
      z.looseObject({ type: literal("hangup"), by: literal("flow") }).describe("The flow hung up"),
      z.looseObject({ type: literal("ended"), reason: z.string() }).describe("The call is over"),
      socketError,
    ])
    .describe("What the caller's socket (/api/calls/{id}/ws) sends"),
);

/** The keys a caller may press, as the dtmf message carries them. */
const DTMF = /^[0-9*#]{1,32}$/;

export const callerClientMessage = named(
  "CallerSocketClientMessage",
  z
    .discriminatedUnion(
      "type",
      [
        z.object({ type: literal("dtmf"), digits: z.string().regex(DTMF, "must be 1 to 32 keys among 0-9, * and #") }).describe("Keys pressed"),
        z.object({ type: literal("played"), promptId: z.number().int().describe("The play message's promptId") }).describe("The browser finished speaking or playing the prompt"),
        z
          .object({ type: literal("speech"), enabled: z.boolean() })
          .describe("This browser speaks prompts (true): each then lasts until it says `played`, at most twice its estimate plus 5 s; false to stop"),
        z.object({ type: literal("hangup") }).describe("The caller hangs up"),
      ],
      { error: (issue) => (issue.code === "invalid_union" ? `unknown message type ${JSON.stringify(typeOf(issue.input))} (dtmf, played, speech, hangup)` : undefined) },
    )
    .describe("What a caller may send on /api/calls/{id}/ws (an observer, ?observe=1, may send nothing: each message is answered with error OBSERVER)"),
);

// ---- the agent desktop's socket: /api/agents/{id}/ws

const centerEvent = <T extends string>(type: T, fields: z.core.$ZodLooseShape, description: string) =>
  z.looseObject({ type: literal(type), at: z.number().describe("ms since the epoch"), ...fields }).describe(description);

const agentEvents = [
  centerEvent("agent-state", { agentId: z.string(), state: agentState, reason: z.string().optional(), interactionId: z.string().optional() }, "The agent's state changed"),
  centerEvent(
    "offer",
    {
      agentId: z.string(),
      offerId: z.number().int(),
      interactionId: z.string(),
      kind: z.enum(["call", "callback"]),
      via: z.enum(["queue", "direct"]),
      ani: z.string(),
      dnis: z.string(),
      queue: queueRef,
      priority: z.number().int(),
      ringTimeoutMs: z.number(),
      callAssociatedData: z.array(cadItem),
    },
    "A contact rings for the agent (accept with POST /api/agents/{id}/accept and this offerId)",
  ),
  centerEvent(
    "offer-cancelled",
    { agentId: z.string(), offerId: z.number().int(), interactionId: z.string(), reason: z.enum(["rona", "declined", "caller-hangup", "logout", "shutdown"]) },
    "The offer stopped ringing",
  ),
  centerEvent("answered", { agentId: z.string(), interactionId: z.string(), queue: queueRef }, "The agent has the contact"),
  centerEvent("ended", { agentId: z.string(), interactionId: z.string(), by: z.enum(["agent", "caller", "system"]), reason: z.string() }, "The conversation ended; the agent wraps up"),
  centerEvent("screen-pop", { agentId: z.string(), interactionId: z.string(), url: z.string(), target: z.string(), label: z.string().optional() }, "The flow pops a page for the agent"),
  centerEvent("consult", { agentId: z.string(), interactionId: z.string(), state: z.enum(["started", "ended", "transferred"]), with: z.string().describe("The other agent") }, "A consult began or ended"),
  centerEvent("contact-updated", { agentId: z.string(), interactionId: z.string(), ani: z.string(), previousAni: z.string() }, "The caller's number changed (ContactAniUpdated); the desk shows the new one"),
] as const;

export const agentCenterEvent = named("AgentCenterEvent", z.discriminatedUnion("type", [...agentEvents]).describe("A center event concerning one agent"));

export const agentServerMessage = named(
  "AgentSocketServerMessage",
  z
    .discriminatedUnion("type", [
      z
        .looseObject({
          type: literal("desk"),
          desk: deskView,
          lastEventId: z.string().optional().describe("The newest center event's id: reconnect with ?after= it"),
          resumed: z.boolean().optional().describe("Only on the first desk of a socket opened with ?after=: true when the events since that id came before it, false when that id is too old or unknown here (the desk is the current state only)"),
        })
        .describe("The desk (as GET /api/agents/{id}): first, and after each burst of events"),
      z.looseObject({ type: literal("event"), id: z.string().optional().describe("The event's id (the same on every cluster node): reconnect with ?after= it"), event: agentCenterEvent }).describe("One center event concerning the agent, as it happens (or missed, after ?after=)"),
      socketError,
    ])
    .describe("What the agent's socket (/api/agents/{id}/ws) sends"),
);

/** The agent's socket takes nothing: every message is answered with error BAD_MESSAGE. */
export const agentClientMessage = named("AgentSocketClientMessage", z.never().describe("Nothing: the agent acts through REST (POST /api/agents/{id}/…)"));

// ---- the supervisor's socket: /api/supervisor/ws

const noticeEvent = centerEvent("notice", { level: z.enum(["info", "warn"]), message: z.string() }, "A center notice (a queue created on the fly…)");

const liveKpis = z.looseObject({
  queueId: z.string(),
  queueName: z.string(),
  waiting: z.number().int(),
  longestWaitMs: z.number(),
  windowMinutes: z.number(),
  serviceLevelSeconds: z.number(),
  figures: intervalFigures,
  agents: z.record(agentState, z.number().int()).describe("Agents of the queue by state"),
  occupancy: z.number().nullable(),
});

export const supervisorServerMessage = named(
  "SupervisorSocketServerMessage",
  z
    .discriminatedUnion("type", [
      z
        .looseObject({
          type: literal("snapshot"),
          at: z.number(),
          queues: z.array(queue),
          agents: z.array(agent),
          contacts: z.array(contactSummary).describe("The 200 newest"),
          kpis: z.array(liveKpis).describe("Live figures per queue over a trailing window; empty when the server keeps no contact records"),
        })
        .describe("First, and whenever something changed (at most every 250 ms); `lastEventId`: the newest center event's id, to reconnect with ?after=, and on the first snapshot of a socket opened with ?after=, `resumed` (were the notices missed since then sent first)"),
      z.looseObject({ type: literal("notice"), id: z.string().optional().describe("The event's id"), event: noticeEvent }).describe("A center notice, as it comes (or missed, after ?after=)"),
      z.looseObject({ type: literal("trace"), interactionId: z.string(), events: z.array(callEvent), omittedEvents: z.number().int() }).describe("The watched contact's events so far"),
      z.looseObject({ type: literal("call-event"), event: callEvent }).describe("One event of a watched contact"),
      socketError,
    ])
    .describe("What the supervisor's socket (/api/supervisor/ws) sends"),
);

export const supervisorClientMessage = named(
  "SupervisorSocketClientMessage",
  z
    .discriminatedUnion("type", [z.object({ type: literal("watch"), interactionId: z.string().nullish().describe("The contact to follow; `*` for every contact; empty, null or absent to stop") })], {
      error: (issue) => (issue.code === "invalid_union" ? 'supervisor messages: {"type":"watch","interactionId":"..."}' : undefined),
    })
    .describe("What a supervisor may send"),
);

// ---- the audio lines: /api/agents/{id}/audio and /api/calls/{id}/audio (WebRTC signalling)

/** An SDP offer is a few kilobytes; anything far larger is not one. */
export const MAX_SDP = 32 * 1024;

export const audioClientMessage = named(
  "AudioSocketClientMessage",
  z.object({ type: literal("offer"), sdp: z.string().max(MAX_SDP) }).describe("A WebRTC offer with PCMU audio (telephone-event for keys on the caller's line); again to renegotiate"),
);

const answer = z.looseObject({ type: literal("answer"), sdp: z.string() }).describe("The server's SDP answer");

export const callerAudioServerMessage = named(
  "CallerAudioSocketServerMessage",
  z.discriminatedUnion("type", [answer, socketError]).describe("What the caller's audio line (/api/calls/{id}/audio) sends"),
);

const lineNotice = (type: string, description: string) => z.looseObject({ type: z.literal(type), interactionId: z.string() }).describe(description);

export const agentAudioServerMessage = named(
  "AgentAudioSocketServerMessage",
  z
    .discriminatedUnion("type", [
      answer,
      lineNotice("bridged", "The line now carries this call"),
      lineNotice("unbridged", "The line no longer carries the call"),
      lineNotice("held", "The caller is on hold"),
      lineNotice("resumed", "The caller is back"),
      lineNotice("muted", "The agent's microphone is cut toward the caller (and, in a consult or conference, toward the other agent)"),
      lineNotice("unmuted", "The agent's microphone is back"),
      lineNotice("consulting", "The line carries a consult between two agents"),
      lineNotice("conference", "The line carries a three-way conference: the caller and both agents hear each other"),
      socketError,
    ])
    .describe("What the agent's audio line (/api/agents/{id}/audio) sends"),
);

/** The messages of one socket, both ways: what an upgrade route names in the document. */
export interface SocketMessages {
  serverToClient: z.ZodType;
  clientToServer: z.ZodType;
}

export const SOCKET_MESSAGES = {
  caller: { serverToClient: callerServerMessage, clientToServer: callerClientMessage },
  agent: { serverToClient: agentServerMessage, clientToServer: agentClientMessage },
  supervisor: { serverToClient: supervisorServerMessage, clientToServer: supervisorClientMessage },
  callerAudio: { serverToClient: callerAudioServerMessage, clientToServer: audioClientMessage },
  agentAudio: { serverToClient: agentAudioServerMessage, clientToServer: audioClientMessage },
} satisfies Record<string, SocketMessages>;

/** The route schema key that names a socket's messages (api-doc.ts turns it into references). */
export const MESSAGES_KEY = "x-ccflow-messages";

/** A message type the schema knows: what `send` takes, so an undocumented type does not compile. */
type TypeOf<S extends z.ZodType> = z.input<S> extends { type: infer T } ? T : never;

/**
 * Sends JSON messages on one kind of socket after checking each against its schema. A message
 * that does not fit is sent anyway (clients get what the server meant) and logged once per
 * socket and type, naming the field, so drift from the document shows in the log and in tests.
 */
export class SocketSender<S extends z.ZodType> {
  private readonly warned = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly schema: S,
    private readonly warn: (message: string) => void,
  ) {}

  /** The message as text, checked (one check however many sockets it goes to). */
  encode<M extends { type: TypeOf<S> }>(message: M): string {
    const result = this.schema.safeParse(message);
    if (!result.success) {
      const key = String(message.type);
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.warn(`a ${key} message of ${this.name} does not match its schema: ${describeIssues(result.error.issues, "message")}`);
      }
    }
    return JSON.stringify(message);
  }

  send<M extends { type: TypeOf<S> }>(socket: WebSocket, message: M): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(this.encode(message));
  }
}

/** What a client sent, parsed: the message, or the reason it cannot be taken (for a BAD_MESSAGE error). */
export function readClientMessage<S extends z.ZodType>(schema: S, data: unknown): { message: z.output<S> } | { problem: string } {
  let value: unknown;
  try {
    const text = Buffer.isBuffer(data) ? data.toString("utf8") : Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
    value = JSON.parse(text) as unknown;
  } catch {
    value = undefined;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { problem: "messages are JSON objects with a type" };
  const result = schema.safeParse(value);
  if (result.success) return { message: result.data };
  // A wrong or missing type is said as the schema says it; a wrong field is named under its type.
  const type = typeOf(value);
  return { problem: result.error.issues.map((i) => (i.path[0] === "type" || typeof type !== "string" ? i.message : `${type}: ${describeIssues([i], "message")}`)).join("; ") };
}
