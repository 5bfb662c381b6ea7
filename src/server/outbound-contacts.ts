/**
 * Contacts whose customer ccflow dials itself (an agent's outdial, a campaign's calls): the
 * server's side of src/campaigns/ports.ts. The call is placed in the registry at once (so its
 * PreDial runs and the API and traces see it); once PreDial's handler is done the number is
 * called through the environment's dial plan (the outside-transfer trunk settings: URI, digest
 * credentials, redirects, ring time) with channels/sip/outbound-call.ts. An answered call becomes
 * the contact's caller leg: prompts play over its RTP, its keys reach the flow, an agent who
 * answers is bridged to it (voice-lines.ts), and hang-ups cross both ways as for a SIP caller.
 */
import { PromptPlayer } from "../channels/media/prompt-player.js";
import { PromptAudio } from "../channels/media/prompt-audio.js";
import { DialError, OutboundCall } from "../channels/sip/outbound-call.js";
import { notAnswered, type DialResult } from "../campaigns/call-progress.js";
import type { OutboundContactRequest, OutboundContacts } from "../campaigns/ports.js";
import type { BrowserChannelOptions } from "../channels/browser.js";
import type { CallRegistry, CallSession } from "./calls.js";
import type { FlowCatalog } from "./flows.js";
import { OUTSIDE_NUMBER, routeNumber, trunkCredentials, type DialPlanEntry } from "./outside-transfer.js";
import { flowForNumber } from "./sip.js";
import type { VoiceLines } from "./voice-lines.js";

export interface SipOutboundContactsOptions {
  calls: CallRegistry;
  flows: FlowCatalog;
  voice: VoiceLines;
  /** The entry points in force: the one bound to the number we call from picks the flow. */
  entryPoints: () => Record<string, string>;
  plan: readonly DialPlanEntry[];
  ringTimeoutMs: number;
  /** The local address calls are placed from. */
  host: string;
  env?: Record<string, string | undefined>;
  log?: (level: "info" | "warn", message: string) => void;
}

export class SipOutboundContacts implements OutboundContacts {
  private readonly credentials = new Map<DialPlanEntry, { username: string; password: string }>();
  /** Dials still ringing: given up when the server stops. */
  private readonly ringing = new Set<AbortController>();

  constructor(private readonly options: SipOutboundContactsOptions) {
    for (const entry of options.plan) {
      const c = trunkCredentials(entry, options.env ?? {});
      if (c) this.credentials.set(entry, c);
    }
  }

  refuse(number: string): string | undefined {
    if (!OUTSIDE_NUMBER.test(number)) return `"${number.slice(0, 40)}" is not a phone number (digits, optionally after +)`;
    const plan = this.options.plan;
    if (!routeNumber(plan, number)) return `no entry of the environment's center.dialPlan matches ${number}${plan.length ? ` (prefixes: ${plan.map((e) => e.prefix || "(any)").join(", ")})` : " (it lists none)"}`;
    return undefined;
  }

  hasFlow(flow: string | undefined): boolean {
    return flow === undefined || this.options.flows.find(flow) !== undefined;
  }

  start(request: OutboundContactRequest): { interactionId: string } {
    const { calls, flows } = this.options;
    const flow = (request.flow !== undefined ? flows.find(request.flow) : undefined) ?? flowForNumber(this.options.entryPoints(), flows, request.from);
    let player: PromptPlayer | undefined;
    // Prompts wait for the customer's leg: the flow only runs once the call is answered.
    const media: NonNullable<BrowserChannelOptions["media"]> = { play: (prompt, signal) => (player ? player.play(prompt, signal) : Promise.resolve()) };
    let session!: CallSession;
    const dial = async (): Promise<DialResult> => {
      const route = routeNumber(this.options.plan, request.number);
      if (!route) return { answered: false, outcome: "FAILED", reason: this.refuse(request.number) ?? "no route" };
      const auth = this.credentials.get(route.entry);
      let call: OutboundCall;
      const abort = new AbortController();
      this.ringing.add(abort);
      try {
        call = await OutboundCall.dial({ uri: route.uri, from: request.from, host: this.options.host, ringTimeoutMs: request.ringTimeoutMs ?? this.options.ringTimeoutMs, signal: abort.signal, ...(auth ? { auth } : {}) });
      } catch (err) {
        if (!(err instanceof DialError)) throw err;
        return { answered: false, outcome: notAnswered(err.code, err.status), reason: err.message, ...(err.status !== undefined ? { sipStatus: err.status } : {}) };
      } finally {
        this.ringing.delete(abort);
      }
      if (session.ended) {
        call.hangup();
        return { answered: false, outcome: "FAILED", reason: "the contact ended while the number rang" };
      }
      this.connect(session, call, (audio) => (player = new PromptPlayer(call.rtp, audio)));
      return { answered: true };
    };
    calls.place(flow, request.number, request.from, {
      media,
      dialFirst: {
        ...(request.leg ? { leg: request.leg } : {}),
        dial: async () => {
          const result = await dial();
          if (result.answered) this.options.log?.("info", `call ${session.interactionId.slice(0, 8)}: ${request.number} answered`);
          else this.options.log?.("info", `call ${session.interactionId.slice(0, 8)}: ${request.number} not answered (${result.outcome}: ${result.reason})`);
          return request.decide(result);
        },
      },
      onSession: (s) => {
        session = s;
        s.subscribe((m) => {
          if (m.type === "event" && m.event.type === "queued") request.onQueued?.(m.event.queue);
          else if (m.type === "ended") request.onEnded?.(m.reason);
        });
      },
    });
    return { interactionId: session.interactionId };
  }

  /** Gives up the numbers still ringing (CANCEL); answered calls end with their contacts. */
  close(): void {
    for (const abort of this.ringing) abort.abort();
    this.ringing.clear();
  }

  /** The answered call is the contact's caller leg from now on. */
  private connect(session: CallSession, call: OutboundCall, playOver: (audio: PromptAudio) => void): void {
    const { voice } = this.options;
    // The SIP front's prompt audio (one TTS cache and prompts folder for both).
    playOver((voice.promptAudio ??= new PromptAudio()));
    call.rtp.onKey = (key) => session.channel.press(key);
    const removeLeg = voice.addCaller(session.interactionId, call.rtp);
    const unsubscribe = session.subscribe((m) => {
      if (m.type === "hangup" || m.type === "ended") call.hangup();
    });
    call.onEnded = (by) => {
      unsubscribe();
      removeLeg();
      if (by === "remote" && !session.ended) session.interaction.hangup("caller-hangup");
    };
  }
}
