/**
 * A call's life as one stream of typed events. The CLI transcript, the web UI, traces and flow
 * tests all read this stream; nothing else is a source of truth about what happened.
 *
 * Values of `isSecure` variables never enter an event: the engine masks them before emitting.
 */

interface EventBase {
  /** Clock time in ms since the epoch (virtual in tests). */
  at: number;
  /** The interaction this event belongs to. */
  interactionId: string;
  /** Name of the activity that produced the event, where there is one. */
  activity?: string;
  /** Activity id, for traces and coverage. */
  activityId?: string;
  /** `main`, or the event flow (`AgentContactAssigned`, ...) in which the activity ran. */
  flow?: string;
}

export interface StepEvent extends EventBase {
  type: "step";
  /** Activity type (`play-message`, ...). */
  activityType: string;
  /** The port the activity left by; absent when the activity ended the flow. */
  port?: string;
}

export interface PromptEvent extends EventBase {
  type: "prompt";
  /** Rendered TTS text, when the prompt is speech. */
  text?: string;
  /** Audio file name, when the prompt is a recording. */
  file?: string;
  /** Music (play-music) rather than a message. */
  music?: boolean;
  /** Language/voice as exported (`en-US-Standard-C`). */
  voice?: string;
}

export interface HttpEvent extends EventBase {
  type: "http";
  method: string;
  /** Final URL, without credentials (no query parameter or header carries a secret). */
  url: string;
  /** HTTP status, absent when the request failed before a response (timeout, reset). */
  status?: number;
  ms: number;
  /** Number of attempts made, including retries. */
  attempts?: number;
  /** Transport failure description (`timeout after 2000 ms`, `ECONNRESET`). */
  failure?: string;
  connector?: string;
}

export interface VariableEvent extends EventBase {
  type: "variable";
  name: string;
  /** The new value; `"******"` for isSecure variables. */
  value: unknown;
}

export interface InputEvent extends EventBase {
  type: "input";
  /** Digits entered (terminator excluded); empty on timeout. */
  digits: string;
  /** `digits`, `timeout`, `invalid`. */
  outcome: "digits" | "timeout" | "invalid";
}

export interface QueuedEvent extends EventBase {
  type: "queued";
  queue: string;
  queueName?: string;
  priority: number;
}

export interface OfferedEvent extends EventBase {
  type: "offered";
  agent: string;
  agentName?: string;
  queue?: string;
}

/** An offer that did not turn into an answer: the contact is back in its queue. */
export interface RequeuedEvent extends EventBase {
  type: "requeued";
  agent: string;
  agentName?: string;
  /** `transfer`: the agent passed the contact on, to `queue` or to agent `to`. */
  reason: "rona" | "declined" | "transfer";
  queue?: string;
  queueName?: string;
  to?: string;
  toName?: string;
}

export interface AnsweredEvent extends EventBase {
  type: "answered";
  agent: string;
  agentName?: string;
  queue?: string;
}

export interface ScreenPopEvent extends EventBase {
  type: "screen-pop";
  url: string;
  target: string;
  label?: string;
  agent?: string;
}

export interface TransferredEvent extends EventBase {
  type: "transferred";
  destination: string;
}

/**
 * An agent's call control on the contact, recorded by the server (server/call-controls.ts): the
 * trace, the caller's softphone and the media layer read it (a SIP call's audio bridge stops
 * carrying the agent's voice on `hold` and `mute`, and starts again on `resume` and `unmute`).
 */
export interface ControlEvent extends EventBase {
  type: "control";
  action: "hold" | "resume" | "mute" | "unmute" | "transfer" | "consult" | "conference" | "consult-transfer" | "consult-end" | "edit-cad" | "wrap-up";
  /** The agent who acted. */
  agent: string;
  agentName?: string;
  /** What to (`queue Support`, `agent Bo Chen`, the variable edited, the wrap-up code). */
  detail?: string;
}

export interface DisconnectedEvent extends EventBase {
  type: "disconnected";
  /** Who hung up: the flow, the caller or the agent. */
  by: "flow" | "caller" | "agent" | "system";
}

export interface ErrorEvent extends EventBase {
  type: "error";
  message: string;
  /** What the engine does about it: the wired port, OnGlobalError, or ending the call. */
  handling?: "port" | "global-error" | "end";
}

export interface CallbackEvent extends EventBase {
  type: "callback";
  number: string;
  queue?: string;
  /** Absent: registered. `failed`: dialling the customer failed (CallbackFailed runs with `reason`). */
  state?: "failed";
  reason?: string;
}

/**
 * Start Media Stream ran. ccflow streams no media: the event records where the stream would have
 * gone, so traces and transcripts show it.
 */
export interface MediaStreamEvent extends EventBase {
  type: "media-stream";
  /** The media destination id, as rendered. */
  destination: string;
  /** The destination's display name, when the export carries one. */
  destinationName?: string;
}

/**
 * What an activity ccflow simulates came to — Percentage Allocation's branch, a bridged transfer,
 * a post-call survey's answers, a recording, recording control, a BRE lookup — with the one line
 * a transcript prints.
 */
export interface ActivityResultEvent extends EventBase {
  type: "activity-result";
  kind: "allocation" | "bridged-transfer" | "survey" | "recording" | "recording-control" | "bre" | "wait" | "contact-priority" | "queue-info" | "caller-id" | "send-digits" | "scheduled-callback";
  text: string;
  data: Record<string, unknown>;
}

export interface EventFlowEvent extends EventBase {
  type: "event";
  /** eventSpecificationName (`AgentContactAssigned`, `ContactEnded`, ...). */
  name: string;
}

export interface EndedEvent extends EventBase {
  type: "ended";
  /**
   * `disconnected` (flow hung up), `caller-hangup`, `rtp-timeout` (a SIP caller who sent no RTP), `agent-ended`, `transferred`, `callback`,
   * `flow-ended` (End Flow in the main flow), `global-error`, `no-handler`, `step-limit`, `shutdown`.
   */
  reason: string;
}

export type CallEvent =
  | StepEvent
  | PromptEvent
  | HttpEvent
  | VariableEvent
  | InputEvent
  | QueuedEvent
  | OfferedEvent
  | RequeuedEvent
  | AnsweredEvent
  | ScreenPopEvent
  | TransferredEvent
  | ControlEvent
  | DisconnectedEvent
  | ErrorEvent
  | CallbackEvent
  | MediaStreamEvent
  | ActivityResultEvent
  | EventFlowEvent
  | EndedEvent;

export type CallEventType = CallEvent["type"];

/** An event as emitted, before the engine stamps time and interaction. */
export type CallEventInput = CallEvent extends infer E
  ? E extends CallEvent
    ? Omit<E, "at" | "interactionId"> & { at?: number; interactionId?: string }
    : never
  : never;

export type CallEventListener = (event: CallEvent) => void;
