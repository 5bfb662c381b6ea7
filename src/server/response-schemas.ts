/**
 * The API's responses as zod schemas, declared on each route beside its request schemas
 * (schemas.ts). They feed the OpenAPI document (api-doc.ts) and the response check
 * (response-check.ts); they never reshape what a handler returns.
 *
 * Objects are loose on purpose: each schema names the fields a client may rely on, and a field
 * added later (a cluster node, a new control) passes through to clients untouched. Schemas used
 * by several routes are registered with an id and appear once under
 * `components.schemas`.
 */
import { z } from "zod";
import { callEvent } from "./call-event-schemas.js";
import { named } from "./schema-registry.js";

export { apiSchemas, named } from "./schema-registry.js";
export { callEvent } from "./call-event-schemas.js";

const ref = z.looseObject({ id: z.string(), name: z.string() });
const refNameOptional = z.looseObject({ id: z.string(), name: z.string().optional() });

export const errorResponse = named(
  "Error",
  z.object({ error: z.object({ code: z.string().describe("A stable code: BAD_REQUEST, CALL_NOT_FOUND, INVALID_STATE…"), message: z.string().describe("What was wrong, naming the field or the thing") }) }),
);

export const cadItem = named("CadItem", z.looseObject({ label: z.string(), name: z.string(), value: z.string(), editable: z.boolean().optional().describe("The flow marks it isAgentEditable") }));

export const screenPop = named(
  "ScreenPop",
  z.looseObject({ url: z.string(), target: z.string().describe("newBrowserTab, sameBrowserTab or insideDesktop"), label: z.string().optional(), agentId: z.string(), at: z.number() }),
);

export const agentState = z.enum(["LoggedOut", "Available", "Idle", "Reserved", "Engaged", "WrapUp"]);

export const agent = named(
  "Agent",
  z.looseObject({
    id: z.string(),
    name: z.string(),
    email: z.string().optional(),
    teamId: z.string().optional(),
    teamName: z.string().optional(),
    queues: z.array(z.string()),
    state: agentState,
    reason: z.string().optional(),
    since: z.number().describe("ms since the epoch"),
    sessionId: z.string().optional(),
    offerId: z.number().int().optional(),
    interactionId: z.string().optional(),
    parked: z.number().int().describe("Contacts waiting for this agent in particular"),
    simulated: z.boolean().optional().describe("Played by the machine: listed, but nobody acts as it"),
  }),
);

export const deskView = named(
  "DeskView",
  z.looseObject({
    agent,
    queues: z.array(ref).describe("The agent's queues with their names"),
    offer: z
      .looseObject({
        offerId: z.number().int(),
        interactionId: z.string(),
        ani: z.string(),
        dnis: z.string(),
        kind: z.string(),
        via: z.enum(["queue", "direct"]),
        queue: ref,
        priority: z.number().int(),
        offeredAt: z.number(),
        ringTimeoutMs: z.number(),
        callAssociatedData: z.array(cadItem),
      })
      .optional()
      .describe("The offer ringing now"),
    contact: z
      .looseObject({
        interactionId: z.string(),
        ani: z.string(),
        dnis: z.string(),
        state: z.string(),
        queue: refNameOptional.optional(),
        priority: z.number().int(),
        answeredAt: z.number().optional(),
        endedAt: z.number().optional(),
        endedReason: z.string().optional(),
        callAssociatedData: z.array(cadItem),
        screenPops: z.array(screenPop),
        controls: z.looseObject({ held: z.boolean(), heldSince: z.number().optional(), muted: z.boolean() }).optional(),
      })
      .optional()
      .describe("The contact being handled, or the one just ended while the agent wraps up"),
    wrapUpCodes: z.array(ref).optional(),
    transferQueues: z.array(ref).optional(),
    consult: z.looseObject({ role: z.enum(["asking", "consulted"]), with: ref, since: z.number(), conference: z.boolean().optional().describe("the caller, off hold, and both agents hear each other"), queue: ref.optional().describe("the queue consulted, when the consult asked for one (`with` is its agent who took it)"), number: z.string().optional().describe("the outside number consulted (`with` names it too)") }).optional(),
  }),
);

export const callPhase = z.enum(["ivr", "queued", "offered", "engaged", "ended"]);

export const callSummary = named(
  "CallSummary",
  z.looseObject({
    interactionId: z.string(),
    flow: ref,
    ani: z.string(),
    dnis: z.string(),
    startedAt: z.number().describe("ms since the epoch"),
    state: callPhase,
    activity: z.string().optional().describe("The activity the flow ran last"),
    queue: refNameOptional.optional(),
    priority: z.number().int().optional(),
    agent: refNameOptional.optional(),
    endedAt: z.number().optional(),
    endReason: z.string().optional(),
  }),
);

export const contactSummary = named(
  "ContactSummary",
  callSummary.extend({
    centerState: z.enum(["queued", "offered", "engaged", "ended"]).optional().describe("Where the center has the contact; absent before it is queued"),
    position: z.number().int().optional().describe("1-based position in the queue while waiting"),
    waitedMs: z.number().optional(),
    offers: z.number().int().optional(),
  }),
);

export const playMessage = z.looseObject({
  type: z.literal("play"),
  promptId: z.number().int(),
  text: z.string().optional(),
  file: z.string().optional(),
  music: z.boolean().optional(),
  voice: z.string().optional(),
  durationMs: z.number(),
  interruptible: z.boolean(),
});

export const contactTrace = named(
  "ContactTrace",
  z.looseObject({
    contact: contactSummary,
    events: z.array(callEvent),
    omittedEvents: z.number().int().describe("Events left out of the middle of a very long trace"),
    variables: z.record(z.string(), z.unknown()).describe("Flow variables now; isSecure ones read ******"),
    callAssociatedData: z.array(cadItem),
    screenPops: z.array(screenPop),
  }),
);

export const queue = named(
  "Queue",
  z.looseObject({
    id: z.string(),
    name: z.string(),
    routing: z.string(),
    auto: z.boolean(),
    retiring: z.boolean().optional().describe("Removed from the environment file (serve --watch): takes no new contacts, and is gone when the last contact in it leaves"),
    maxWaitSeconds: z.number().optional(),
    queuedNow: z.number().int(),
    loggedOnAgents: z.number().int(),
    availableAgents: z.number().int(),
    oldestWaitMs: z.number(),
    waiting: z
      .array(z.looseObject({ interactionId: z.string(), kind: z.string(), ani: z.string(), priority: z.number().int(), position: z.number().int(), waitedMs: z.number() }))
      .describe("In routing order: priority (1 first), then time in queue"),
    ringing: z.array(z.looseObject({ interactionId: z.string(), agentId: z.string(), ani: z.string(), priority: z.number().int() })),
    connected: z.array(z.looseObject({ interactionId: z.string(), agentId: z.string(), ani: z.string() })),
  }),
);

export const flowSummary = named(
  "Flow",
  z.looseObject({ id: z.string(), name: z.string(), description: z.string().optional(), source: z.enum(["example", "seed", "file", "given"]), default: z.boolean() }),
);

export const info = named(
  "Info",
  z.looseObject({
    name: z.string(),
    version: z.string(),
    startedAt: z.number(),
    urls: z.record(z.string(), z.string()),
    crm: z.looseObject({ tenantId: z.string(), clientId: z.string(), tokenUrl: z.string().optional() }).optional(),
    defaultDnis: z.string(),
    demo: z.looseObject({
      callers: z.array(
        z.looseObject({
          number: z.string(),
          name: z.string(),
          note: z.string(),
          known: z.boolean(),
          casePriority: z.enum(["High", "Normal", "Low"]).optional(),
          caseTitle: z.string().optional(),
          caseNumber: z.string().optional(),
        }),
      ),
      agents: z.array(z.looseObject({ id: z.string(), name: z.string(), email: z.string().optional(), teamId: z.string().optional(), teamName: z.string().optional(), queues: z.array(z.string()), simulated: z.boolean() })),
    }),
    bindings: z.array(z.string()).describe("What the server bound that the environment did not spell out"),
  }),
);

export const callPlaced = callSummary.extend({
  socket: z.string().describe("Path of the caller WebSocket"),
  audio: z.string().optional().describe("Path of the caller's audio line, for a call placed with audio: true"),
});

export const callState = contactSummary.extend({ bufferedDigits: z.string(), playing: playMessage.optional().describe("The prompt playing now") });

export const digitsTaken = z.looseObject({ accepted: z.number().int(), bufferedDigits: z.string() });

export const hungUp = z.looseObject({ interactionId: z.string(), hungUp: z.boolean().describe("false when the call had already ended"), state: callPhase });

export const intervalFigures = named(
  "IntervalFigures",
  z.looseObject({
    from: z.number(),
    to: z.number(),
    offered: z.number().int(),
    answered: z.number().int(),
    abandoned: z.number().int(),
    answeredWithinThreshold: z.number().int(),
    serviceLevel: z.number().nullable().describe("0..1; null when nothing was answered or abandoned"),
    asaMs: z.number().nullable(),
    abandonRate: z.number().nullable(),
    ahtMs: z.number().nullable(),
  }),
);

export const report = z.looseObject({
  interval: z.enum(["15m", "1h", "1d"]),
  serviceLevelSeconds: z.number(),
  queues: z.array(z.looseObject({ queue: ref, intervals: z.array(intervalFigures) })),
});

export const storedContact = named(
  "ContactRecord",
  z.looseObject({
    interactionId: z.string(),
    ani: z.string().optional(),
    dnis: z.string().optional(),
    flow: ref.optional(),
    startedAt: z.number(),
    queueId: z.string().optional(),
    queueName: z.string().optional(),
    queuedAt: z.number().optional(),
    answeredAt: z.number().optional(),
    abandonedAt: z.number().optional(),
    leftAt: z.number().optional(),
    endedAt: z.number().optional(),
    wrapEndAt: z.number().optional(),
    agentId: z.string().optional(),
    agentName: z.string().optional(),
    legs: z
      .array(
        z.looseObject({
          agentId: z.string(),
          agentName: z.string().optional(),
          consult: z.boolean().optional().describe("the agent was consulted on the call: from the consult's start to its end or the transfer"),
          answeredAt: z.number(),
          endedAt: z.number().optional(),
          wrapEndAt: z.number().optional(),
        }),
      )
      .optional()
      .describe("One per agent who answered (more than one after a transfer), and one per consulted agent's consult; AHT counts them all"),
    callEndedAt: z.number().optional(),
    endReason: z.string().optional(),
    wrapUp: z.looseObject({ code: z.string(), name: z.string(), notes: z.string().optional(), agentId: z.string() }).optional(),
    controls: z.array(z.looseObject({ at: z.number(), action: z.string(), agentId: z.string(), detail: z.string().optional() })).optional(),
  }),
);

export const storedRecord = z.looseObject({
  record: storedContact,
  trace: z.looseObject({ events: z.array(callEvent), omittedEvents: z.number().int() }).optional(),
});

export const session = z.looseObject({
  signedIn: z.boolean(),
  user: z
    .looseObject({ kind: z.enum(["user", "app"]), subject: z.string(), name: z.string(), roles: z.array(z.string()), agentId: z.string().optional() })
    .optional(),
  via: z.enum(["bearer", "session"]).optional(),
  csrfToken: z.string().optional().describe("Send as x-csrf-token on every change made with the session cookie"),
  expiresAt: z.string().optional().describe("ISO date-time"),
  signIn: z.string().optional(),
  signOut: z.string().optional(),
});

export const signedOut = z.looseObject({ signedOut: z.boolean(), endSessionUrl: z.string().optional() });

/** A body that is not JSON (SVG, CSV, Prometheus text): documented by its media type. */
export const text = (mediaType: string, description: string) => ({ description, content: { [mediaType]: { schema: z.string() } } });

/** A JSON response with its description. */
export const json = (schema: z.ZodType, description = "OK") => ({ description, content: { "application/json": { schema } } });

/**
 * The error responses a route can give, by status: a bare status takes the shared description
 * below; `[status, description]` says what that status means on this route. 502 has no shared
 * description (an identity provider on sign-in, an outside line on a transfer): each route says.
 */
export function errors(...statuses: Array<number | [number, string]>): Record<number, ReturnType<typeof json>> {
  return Object.fromEntries(
    statuses.map((s) => {
      const [status, text] = Array.isArray(s) ? s : [s, ERROR_TEXT[s]];
      if (text === undefined) throw new Error(`errors(${status}): this status has no shared description; give the route's own as [${status}, "…"]`);
      return [status, json(errorResponse, text)];
    }),
  );
}

/** What a 503 means on every route: the listener is up before the API, and a cluster node needs Redis. */
export const UNAVAILABLE_TEXT = "The server is still starting (STARTING), or this cluster node cannot reach Redis (CENTER_UNAVAILABLE)";

/** A 503 of the routes that read contact records. */
export const NO_RECORDS = `${UNAVAILABLE_TEXT}; or NO_RECORDS: this server keeps no contact records`;

const ERROR_TEXT: Record<number, string> = {
  400: "The request is malformed (the message names the field)",
  401: "Nobody signed in, or the bearer token is not valid here",
  403: "Signed in, but the role does not allow this; or a cross-site request (Origin, CSRF token)",
  404: "No such call, agent, flow, queue or record",
  409: "Not allowed in the current state (INVALID_STATE, STALE_OFFER, CALL_ENDED, AGENT_NOT_LOGGED_IN, SIMULATED_AGENT, NO_AUDIO, QUEUE_RETIRED)",
  503: UNAVAILABLE_TEXT,
};
