/**
 * The API's OpenAPI 3.1 document, served at /api/openapi.json. Request bodies come from the
 * same zod schemas the handlers parse with; responses and WebSocket messages are described here
 * by hand. A test checks that every route the server registers is in `paths` and back.
 */
import { accessOf, describeGrants } from "./auth/access.js";
import { digitsBody, jsonSchemaOf, loginBody, offerBody, placeCallBody, stateBody, wrapUpBody } from "./schemas.js";
import { cadBody, consultBody, muteBody, transferBody } from "./routes/call-controls.js";

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = "OK") => ({ description, content: { "application/json": { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), json(ref("Error"), ERROR_TEXT[s] ?? "Error")]));
const ERROR_TEXT: Record<number, string> = {
  400: "The request is malformed (the message names the field)",
  404: "No such call, agent or flow",
  401: "Nobody signed in, or the bearer token is not valid here",
  403: "Signed in, but the role does not allow this; or a cross-site request (Origin, CSRF token)",
  502: "The identity provider cannot be reached",
  409: "Not allowed in the current state (INVALID_STATE, STALE_OFFER, CALL_ENDED, AGENT_NOT_LOGGED_IN, SIMULATED_AGENT)",
  503: "The server is starting",
};
/**
 * Each operation states who may call it, from the one route→role table (auth/access.ts):
 * `x-ccflow-roles` lists its grants, `security` the ways to prove them, 401/403 the refusals.
 */
function withAccess(doc: Json): Json {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const grants = accessOf(method, path.replace(/\{(\w+)\}/g, ":$1")) ?? [];
      op["x-ccflow-roles"] = grants;
      const open = grants.includes("public");
      op.security = open ? [] : [{ bearer: [] }, { session: [] }];
      const access = open ? "Public." : `Who: ${describeGrants(grants)}.`;
      op.description = op.description ? `${String(op.description)} ${access}` : access;
      if (!open) op.responses = { ...(op.responses as Json), ...errors(401, 403) };
    }
  }
  return doc;
}

const body = (schema: Json, required = true) => ({ required, content: { "application/json": { schema } } });
const idParam = (what: string) => ({ name: "id", in: "path", required: true, description: what, schema: { type: "string" } });

const agentAction = (summary: string, description: string, bodySchema?: Json) => ({
  post: {
    tags: ["agent"],
    summary,
    description,
    parameters: [idParam("Agent id")],
    ...(bodySchema ? { requestBody: body(bodySchema, false) } : {}),
    responses: { "200": json(ref("DeskView"), "The agent's desk after the action"), ...errors(400, 404, 409) },
  },
});

const wsUpgrade = (summary: string, description: string, params: Json[] = []) => ({
  get: {
    tags: ["websocket"],
    summary,
    description,
    parameters: params,
    responses: { "101": { description: "Switching protocols to WebSocket; messages are JSON objects with a `type`" } },
  },
});

export function buildOpenApi(version = "0.0.0"): Json {
  return withAccess({
    openapi: "3.1.0",
    info: {
      title: "ccflow contact center API",
      version,
      description:
        "Place calls as a caller, take them as an agent, watch queues and traces as a supervisor. " +
        "Errors are `{error:{code,message}}`. Live events come over the WebSocket endpoints tagged `websocket` " +
        "(upgrade with GET); each sends the current picture first. The web UI uses only this API.",
    },
    tags: [
      { name: "info", description: "What the server runs" },
      { name: "caller", description: "The softphone: place a call, press keys, hang up" },
      { name: "agent", description: "The agent desktop: sign in, state, offers, wrap-up" },
      { name: "supervisor", description: "Queues, agents, contacts and their traces" },
      { name: "websocket", description: "Live events (WebSocket)" },
      { name: "sign-in", description: "People sign in with OpenID Connect; apps send bearer tokens (see docs/security.md)" },
    ],
    paths: {
      "/api/openapi.json": { get: { tags: ["info"], summary: "This document", responses: { "200": json({ type: "object" }) } } },
      "/metrics": {
        get: {
          tags: ["supervisor"],
          summary: "Figures in the Prometheus text format: contacts, queues, agents, connector and CRM latency, process (docs/observability.md)",
          responses: { "200": { description: "Prometheus text exposition format 0.0.4", content: { "text/plain": { schema: { type: "string" } } } } },
        },
      },
      "/api/session": {
        get: {
          tags: ["sign-in"],
          summary: "Who is asking: the signed-in person or the app of the bearer token, with the session's CSRF token",
          responses: { "200": json(ref("Session")) },
        },
      },
      "/auth/login": {
        get: {
          tags: ["sign-in"],
          summary: "Start signing in (OpenID Connect, authorization code + PKCE): redirects to the identity provider",
          parameters: [{ name: "returnTo", in: "query", required: false, description: "Path on this server to come back to", schema: { type: "string" } }],
          responses: { "303": { description: "To the provider's sign-in page" }, ...errors(502) },
        },
      },
      "/auth/callback": {
        get: { tags: ["sign-in"], summary: "Where the provider sends the browser back; sets the session cookie", responses: { "303": { description: "Signed in: back to returnTo" }, ...errors(400, 401) } },
      },
      "/auth/logout": {
        post: {
          tags: ["sign-in"],
          summary: "Sign out (ends the session; with the CSRF token)",
          responses: { "200": json({ type: "object", properties: { signedOut: { type: "boolean" }, endSessionUrl: { type: "string" } } }) },
        },
      },
      "/api/info": {
        get: {
          tags: ["info"],
          summary: "URLs, demo callers and agents, embedded CRM app",
          responses: { "200": json(ref("Info")), ...errors(503) },
        },
      },
      "/api/flows": {
        get: { tags: ["info"], summary: "Flows that take calls", responses: { "200": json({ type: "array", items: ref("Flow") }) } },
      },
      "/api/flows/{id}/graph.svg": {
        get: {
          tags: ["info"],
          summary: "The flow drawn as Flow Designer lays it out (SVG)",
          parameters: [idParam("Flow id")],
          responses: { "200": { description: "SVG picture", content: { "image/svg+xml": { schema: { type: "string" } } } }, ...errors(404) },
        },
      },
      "/api/calls": {
        post: {
          tags: ["caller"],
          summary: "Place a call",
          description: "Starts the flow for a caller. Connect to `socket` (the caller WebSocket) to hear prompts; closing that socket hangs up.",
          requestBody: body(jsonSchemaOf(placeCallBody)),
          responses: { "201": json({ allOf: [ref("CallSummary"), { type: "object", properties: { socket: { type: "string", description: "Path of the caller WebSocket" } } }] }, "Call placed"), ...errors(400, 404, 503) },
        },
      },
      "/api/calls/{id}": {
        get: {
          tags: ["caller"],
          summary: "A call's state",
          parameters: [idParam("Interaction id")],
          responses: {
            "200": json({ allOf: [ref("ContactSummary"), { type: "object", properties: { bufferedDigits: { type: "string" }, playing: ref("PlayMessage") } }] }),
            ...errors(404),
          },
        },
      },
      "/api/calls/{id}/digits": {
        post: {
          tags: ["caller"],
          summary: "Press keys (DTMF)",
          description: "Keys are buffered like type-ahead; an interruptible prompt stops at the first one (barge-in).",
          parameters: [idParam("Interaction id")],
          requestBody: body(jsonSchemaOf(digitsBody)),
          responses: { "202": json({ type: "object", properties: { accepted: { type: "integer" }, bufferedDigits: { type: "string" } } }, "Keys taken"), ...errors(400, 404, 409) },
        },
      },
      "/api/calls/{id}/hangup": {
        post: {
          tags: ["caller"],
          summary: "Hang up",
          parameters: [idParam("Interaction id")],
          responses: { "200": json({ type: "object", properties: { interactionId: { type: "string" }, hungUp: { type: "boolean" }, state: { type: "string" } } }), ...errors(404) },
        },
      },
      "/api/agents": {
        get: { tags: ["agent", "supervisor"], summary: "Agents and their states", responses: { "200": json({ type: "array", items: ref("Agent") }) } },
      },
      "/api/agents/{id}": {
        get: { tags: ["agent"], summary: "An agent's desk: state, ringing offer, current contact, screen pops", parameters: [idParam("Agent id")], responses: { "200": json(ref("DeskView")), ...errors(404) } },
      },
      "/api/agents/{id}/login": agentAction("Sign in", "LoggedOut → Idle (reason Login), or Available with `available: true`.", jsonSchemaOf(loginBody)),
      "/api/agents/{id}/logout": agentAction("Sign out", "A ringing offer goes back to its queue. Not allowed while Engaged."),
      "/api/agents/{id}/state": agentAction("Go Available or Idle (with a reason)", "Signs the agent in first if needed. Available takes the best waiting contact at once.", jsonSchemaOf(stateBody)),
      "/api/agents/{id}/accept": agentAction("Accept the ringing offer", "Reserved → Engaged; the flow's AgentAnswered event flow runs (screen pops).", jsonSchemaOf(offerBody)),
      "/api/agents/{id}/decline": agentAction("Decline the ringing offer", "The contact goes back to the head of its priority; the agent goes Idle (Declined).", jsonSchemaOf(offerBody)),
      "/api/agents/{id}/end": agentAction("End the call", "Engaged → WrapUp; the caller's leg ends (AgentDisconnected, PhoneContactEnded)."),
      "/api/agents/{id}/wrapup": agentAction("Finish wrap-up", "WrapUp → Available (default) or Idle with a reason.", jsonSchemaOf(wrapUpBody)),
      "/api/agents/{id}/hold": agentAction("Put the call on hold", "The caller hears hold music until resumed; a `control` event (hold) goes on the contact's stream."),
      "/api/agents/{id}/resume": agentAction("Take the call off hold", "The music stops; a `control` event (resume)."),
      "/api/agents/{id}/mute": agentAction("Mute or unmute the agent", "A `control` event (mute/unmute) for the audio bridge.", jsonSchemaOf(muteBody)),
      "/api/agents/{id}/cad": agentAction("Edit call-associated data", "Only variables the flow marks isAgentEditable (403 otherwise); the flow sees the new value.", jsonSchemaOf(cadBody)),
      "/api/agents/{id}/transfer": agentAction("Blind transfer", "To a queue (the caller waits there with music) or to an Available agent (it rings there; on RONA it goes back to its queue). The agent wraps up.", jsonSchemaOf(transferBody)),
      "/api/agents/{id}/consult": agentAction("Consult an Available agent", "The caller is put on hold; the consulted agent is Engaged (reason Consult) on the same call.", jsonSchemaOf(consultBody)),
      "/api/agents/{id}/consult/transfer": agentAction("Consulted transfer", "The consulted agent takes the caller (off hold; AgentAnswered runs for them); the asking agent wraps up."),
      "/api/agents/{id}/consult/end": agentAction("End the consult", "The consulted agent is Available again; the caller stays on hold with the asking agent until resumed."),
      "/api/reports": {
        get: {
          tags: ["supervisor"],
          summary: "Today's intervals per queue from the contact records: offered, answered, abandoned, service level, ASA, AHT",
          parameters: [
            { name: "interval", in: "query", schema: { type: "string", enum: ["15m", "1h", "1d"], default: "1h" } },
            { name: "queue", in: "query", schema: { type: "string" }, description: "One queue's id (default: every queue)" },
            { name: "format", in: "query", schema: { type: "string", enum: ["json", "csv"], default: "json" } },
          ],
          responses: {
            "200": { description: "The report", content: { "application/json": { schema: { type: "object" } }, "text/csv": { schema: { type: "string" } } } },
            ...errors(400, 404),
          },
        },
      },
      "/api/records": {
        get: {
          tags: ["supervisor"],
          summary: "Stored contact records, newest first (kept center.recordRetentionDays days)",
          parameters: [
            { name: "from", in: "query", schema: { type: "string" }, description: "Started at or after (ISO date-time or ms)" },
            { name: "to", in: "query", schema: { type: "string" }, description: "Started before (ISO date-time or ms)" },
            { name: "queue", in: "query", schema: { type: "string" } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: { "200": json({ type: "array", items: { type: "object" } }), ...errors(400) },
        },
      },
      "/api/records/{id}": {
        get: { tags: ["supervisor"], summary: "One contact record with its trace", parameters: [idParam("Interaction id")], responses: { "200": json({ type: "object", properties: { record: { type: "object" }, trace: { type: "object" } } }), ...errors(404) } },
      },
      "/api/queues": {
        get: { tags: ["supervisor"], summary: "Queues with waiting contacts in routing order (priority, then time)", responses: { "200": json({ type: "array", items: ref("Queue") }) } },
      },
      "/api/contacts": {
        get: {
          tags: ["supervisor"],
          summary: "Contacts: live ones and those that ended recently",
          parameters: [{ name: "state", in: "query", required: false, schema: { type: "string", enum: ["all", "active", "ended"], default: "all" } }],
          responses: { "200": json({ type: "array", items: ref("ContactSummary") }), ...errors(400) },
        },
      },
      "/api/contacts/{id}": {
        get: {
          tags: ["supervisor"],
          summary: "One contact's trace: its event stream and variables (isSecure values masked)",
          parameters: [idParam("Interaction id")],
          responses: { "200": json(ref("ContactTrace")), ...errors(404) },
        },
      },
      "/api/contacts/{id}/graph.svg": {
        get: {
          tags: ["supervisor"],
          summary: "The contact's flow drawn with the path it took so far and the activity running now (SVG)",
          parameters: [idParam("Interaction id")],
          responses: { "200": { description: "SVG picture", content: { "image/svg+xml": { schema: { type: "string" } } } }, ...errors(404) },
        },
      },
      "/api/calls/{id}/ws": wsUpgrade(
        "Caller events",
        "Server → client: `hello` {call, events, playing?, collecting?}; `play` {promptId, text?, file?, music?, durationMs, interruptible}; `play-end` {promptId, reason}; " +
          "`collect` {minDigits, maxDigits, terminator?, entryTimeoutMs}; `collect-end` {digits, timedOut, terminated}; `event` {event: CallEvent}; " +
          "`state` {state}; `hangup` {by:\"flow\"}; `ended` {reason}. Client → server: `dtmf` {digits}; `played` {promptId} (the browser finished the prompt); " +
          "`speech` {enabled} (the browser speaks prompts: each then lasts until `played`); `hangup`. Closing the socket hangs up unless `observe=1`.",
        [idParam("Interaction id"), { name: "observe", in: "query", required: false, description: "1: listen only (closing does not hang up)", schema: { type: "string" } }],
      ),
      "/api/calls/{id}/audio": wsUpgrade(
        "The caller's audio line (WebRTC), for a call placed with audio: true",
        "Client → server: `offer` {sdp} (a WebRTC offer with PCMU audio; telephone-event for keys). Server → client: `answer` {sdp}; `error` {error}. " +
          "The call's prompts play over the line and RFC 4733 keys press the menu; closing the socket hangs up. docs/voice.md",
        [idParam("Interaction id")],
      ),
      "/api/agents/{id}/ws": wsUpgrade(
        "Agent events",
        "Server → client: `desk` {desk: DeskView} first and after each burst of events; `event` {event: CenterEvent} where event.type is " +
          "agent-state, offer (with callAssociatedData), offer-cancelled, answered, ended or screen-pop {url, target, label}.",
        [idParam("Agent id")],
      ),
      "/api/agents/{id}/audio": wsUpgrade(
        "The agent's audio line (WebRTC)",
        "Client → server: `offer` {sdp} (a WebRTC offer with PCMU audio). Server → client: `answer` {sdp}; `bridged`, `unbridged`, `held`, `resumed` {interactionId}; " +
          "`error` {error}. Closing the socket closes the line, and hangs up a call the line is bridged to. docs/voice.md",
        [idParam("Agent id")],
      ),
      "/api/supervisor/ws": wsUpgrade(
        "Supervisor events",
        "Server → client: `snapshot` {queues, agents, contacts} first and whenever something changed (at most every 250 ms); `notice` {event}; " +
          "`trace` {interactionId, events} and then `call-event` {event} for the watched contact. Client → server: `watch` {interactionId} (`*` for all, empty to stop).",
      ),
    },
    components: {
      securitySchemes: {
        bearer: {
          type: "oauth2",
          description: "An access token from the token service: client credentials with scope api://ccflow/.default (the development app holds every role), or a signed-in person's.",
          flows: { clientCredentials: { tokenUrl: "/identity/token", scopes: { "api://ccflow/.default": "The API, with the app's roles" } } },
        },
        session: { type: "apiKey", in: "cookie", name: "ccflow_session", description: "The web UI's sign-in session (changes also need the x-csrf-token header)" },
        signIn: { type: "openIdConnect", openIdConnectUrl: "/identity/.well-known/openid-configuration" },
      },
      schemas: {
        Session: {
          type: "object",
          properties: {
            signedIn: { type: "boolean" },
            user: { type: "object", properties: { kind: { type: "string", enum: ["user", "app"] }, subject: { type: "string" }, name: { type: "string" }, roles: { type: "array", items: { type: "string" } }, agentId: { type: "string" } } },
            via: { type: "string", enum: ["bearer", "session"] },
            csrfToken: { type: "string", description: "Send as x-csrf-token on every change made with the session cookie" },
            expiresAt: { type: "string", format: "date-time" },
            signIn: { type: "string" },
            signOut: { type: "string" },
          },
        },
        Error: {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } },
        },
        Info: {
          type: "object",
          properties: {
            name: { type: "string" },
            version: { type: "string" },
            startedAt: { type: "number" },
            urls: { type: "object", additionalProperties: { type: "string" } },
            crm: { type: "object", properties: { tenantId: { type: "string" }, clientId: { type: "string" }, tokenUrl: { type: "string" } } },
            defaultDnis: { type: "string" },
            demo: {
              type: "object",
              properties: { callers: { type: "array", items: ref("DemoCaller") }, agents: { type: "array", items: ref("DemoAgent") } },
            },
            bindings: { type: "array", items: { type: "string" }, description: "What the server bound that the environment did not spell out" },
          },
        },
        DemoCaller: {
          type: "object",
          properties: {
            number: { type: "string" },
            name: { type: "string" },
            note: { type: "string" },
            known: { type: "boolean" },
            casePriority: { type: "string", enum: ["High", "Normal", "Low"] },
            caseTitle: { type: "string" },
            caseNumber: { type: "string" },
          },
        },
        DemoAgent: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, email: { type: "string" }, teamId: { type: "string" }, teamName: { type: "string" }, queues: { type: "array", items: { type: "string" } }, simulated: { type: "boolean" } },
        },
        Flow: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, description: { type: "string" }, source: { type: "string", enum: ["example", "seed", "file", "given"] }, default: { type: "boolean" } },
        },
        CallSummary: {
          type: "object",
          properties: {
            interactionId: { type: "string" },
            flow: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
            ani: { type: "string" },
            dnis: { type: "string" },
            startedAt: { type: "number", description: "ms since the epoch" },
            state: { type: "string", enum: ["ivr", "queued", "offered", "engaged", "ended"] },
            activity: { type: "string", description: "The activity the flow ran last" },
            queue: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
            priority: { type: "integer", minimum: 1, maximum: 10 },
            agent: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
            endedAt: { type: "number" },
            endReason: { type: "string" },
          },
        },
        ContactSummary: {
          allOf: [
            ref("CallSummary"),
            {
              type: "object",
              properties: {
                centerState: { type: "string", enum: ["queued", "offered", "engaged", "ended"] },
                position: { type: "integer", description: "1-based position in the queue while waiting" },
                waitedMs: { type: "number" },
                offers: { type: "integer" },
              },
            },
          ],
        },
        ContactTrace: {
          type: "object",
          properties: {
            contact: ref("ContactSummary"),
            events: { type: "array", items: ref("CallEvent") },
            omittedEvents: { type: "integer" },
            variables: { type: "object", additionalProperties: true, description: "isSecure variables read ******" },
            callAssociatedData: { type: "array", items: ref("CadItem") },
            screenPops: { type: "array", items: ref("ScreenPop") },
          },
        },
        CallEvent: {
          type: "object",
          required: ["type", "at", "interactionId"],
          description:
            "One event of a call: step {activityType, port}, prompt {text|file, music}, http {method, url, status, ms, attempts, failure}, variable {name, value}, " +
            "input {digits, outcome}, queued {queue, priority}, offered/answered {agent, agentName, queue}, requeued {agent, agentName, reason}, screen-pop {url, target, label}, " +
            "transferred, disconnected {by}, error {message, handling}, callback, event {name}, ended {reason}.",
          properties: {
            type: { type: "string" },
            at: { type: "number" },
            interactionId: { type: "string" },
            activity: { type: "string" },
            activityId: { type: "string" },
            flow: { type: "string", description: "main, or the event flow the activity ran in" },
          },
          additionalProperties: true,
        },
        CadItem: { type: "object", properties: { label: { type: "string" }, name: { type: "string" }, value: { type: "string" } } },
        ScreenPop: { type: "object", properties: { url: { type: "string" }, target: { type: "string", enum: ["newBrowserTab", "sameBrowserTab", "insideDesktop"] }, label: { type: "string" }, agentId: { type: "string" }, at: { type: "number" } } },
        PlayMessage: {
          type: "object",
          properties: { type: { const: "play" }, promptId: { type: "integer" }, text: { type: "string" }, file: { type: "string" }, music: { type: "boolean" }, durationMs: { type: "number" }, interruptible: { type: "boolean" } },
        },
        Agent: {
          type: "object",
          properties: {
            id: { type: "string" },
            name: { type: "string" },
            email: { type: "string" },
            teamId: { type: "string" },
            teamName: { type: "string" },
            queues: { type: "array", items: { type: "string" } },
            state: { type: "string", enum: ["LoggedOut", "Available", "Idle", "Reserved", "Engaged", "WrapUp"] },
            reason: { type: "string" },
            since: { type: "number" },
            offerId: { type: "integer" },
            interactionId: { type: "string" },
            parked: { type: "integer" },
            simulated: { type: "boolean" },
          },
        },
        DeskView: {
          type: "object",
          properties: {
            agent: ref("Agent"),
            queues: { type: "array", description: "The agent's queues with their names", items: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } } },
            offer: {
              type: "object",
              properties: {
                offerId: { type: "integer" },
                interactionId: { type: "string" },
                ani: { type: "string" },
                dnis: { type: "string" },
                queue: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
                priority: { type: "integer" },
                offeredAt: { type: "number" },
                ringTimeoutMs: { type: "number" },
                callAssociatedData: { type: "array", items: ref("CadItem") },
              },
            },
            contact: {
              type: "object",
              properties: {
                interactionId: { type: "string" },
                ani: { type: "string" },
                state: { type: "string" },
                priority: { type: "integer" },
                answeredAt: { type: "number" },
                endedAt: { type: "number" },
                endedReason: { type: "string" },
                callAssociatedData: { type: "array", items: ref("CadItem") },
                screenPops: { type: "array", items: ref("ScreenPop") },
              },
            },
          },
        },
        Queue: {
          type: "object",
          properties: {
            id: { type: "string" },
            name: { type: "string" },
            routing: { type: "string" },
            queuedNow: { type: "integer" },
            loggedOnAgents: { type: "integer" },
            availableAgents: { type: "integer" },
            oldestWaitMs: { type: "number" },
            waiting: {
              type: "array",
              description: "In routing order: priority (1 first), then time in queue",
              items: { type: "object", properties: { interactionId: { type: "string" }, ani: { type: "string" }, priority: { type: "integer" }, position: { type: "integer" }, waitedMs: { type: "number" } } },
            },
            ringing: { type: "array", items: { type: "object" } },
            connected: { type: "array", items: { type: "object" } },
          },
        },
      },
    },
  });
}
