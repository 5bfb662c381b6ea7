/**
 * Transfers to an outside number: the environment's dial plan (`center.dialPlan`) turns the
 * number into a SIP URI, ccflow calls it (channels/sip/outbound-call.ts) and, once it answers,
 * the caller's audio leg is bridged to that call (voice-lines.ts). From then on the contact lives
 * outside the center: it ends when either side hangs up — the far end's BYE ends it with reason
 * `transferred` (the caller gets a BYE), the caller's hang-up sends the far end a BYE. A trunk
 * that asks for digest credentials gets the entry's `username` and the password from the
 * environment variable its `password` names; redirects are followed (outbound-call.ts).
 *
 * The same call can first be a consult (`consulting`): the agent talks to the answered number while
 * the caller waits on hold, then hands the caller over (`connect`) or hangs it up.
 */
import { DialError, OutboundCall } from "../channels/sip/outbound-call.js";
import type { CallSession } from "./calls.js";
import { ApiError } from "./errors.js";
import type { VoiceLines } from "./voice-lines.js";

export interface DialPlanEntry {
  prefix: string;
  uri: string;
  name?: string;
  username?: string;
  /** `${ENV_VAR}`: where the password is. */
  password?: string;
}

/** A dial plan entry's credentials, the password read from its environment variable. */
export function trunkCredentials(entry: DialPlanEntry, env: Record<string, string | undefined>): { username: string; password: string } | undefined {
  if (entry.username === undefined || entry.password === undefined) return undefined;
  const name = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(entry.password)?.[1];
  const password = name ? env[name] : undefined;
  if (!password) throw new Error(`center.dialPlan entry ${entry.name ?? entry.prefix}: password refers to environment variable ${name ?? entry.password}, which is not set`);
  return { username: entry.username, password };
}

/** A number an agent may type: digits, optionally after +. */
export const OUTSIDE_NUMBER = /^\+?[0-9]{2,20}$/;

/** The first entry whose prefix starts the number, with `{number}` filled in. */
export function routeNumber(plan: readonly DialPlanEntry[], number: string): { entry: DialPlanEntry; uri: string } | undefined {
  const entry = plan.find((e) => number.startsWith(e.prefix));
  return entry ? { entry, uri: entry.uri.replaceAll("{number}", number) } : undefined;
}

export interface OutsideTransfersOptions {
  voice: VoiceLines;
  plan: readonly DialPlanEntry[];
  ringTimeoutMs: number;
  /** The address calls are placed from (the SIP front's). */
  host: string;
  /** Where the entries' passwords are read (the server's environment). */
  env?: Record<string, string | undefined>;
  log?: (level: "info" | "warn", message: string) => void;
}

export class OutsideTransfers {
  /** Calls being placed or talking, by contact. */
  private readonly calls = new Map<string, OutboundCall | "dialling">();
  /** Each entry's credentials, read once at start (a missing variable stops the server there). */
  private readonly credentials = new Map<DialPlanEntry, { username: string; password: string }>();

  constructor(private readonly options: OutsideTransfersOptions) {
    for (const entry of options.plan) {
      const c = trunkCredentials(entry, options.env ?? {});
      if (c) this.credentials.set(entry, c);
    }
  }

  /** Checks the number against the dial plan and the call for an audio leg; the SIP URI to call. */
  check(session: CallSession, number: string): string {
    if (!OUTSIDE_NUMBER.test(number)) throw new ApiError(400, "BAD_REQUEST", `number: "${number.slice(0, 40)}" is not a phone number (digits, optionally after +)`);
    const route = routeNumber(this.options.plan, number);
    if (!route) throw new ApiError(400, "NO_ROUTE", `no entry of the environment's center.dialPlan matches ${number}${this.options.plan.length ? ` (prefixes: ${this.options.plan.map((e) => e.prefix || "(any)").join(", ")})` : " (it lists none)"}`);
    if (!this.options.voice.hasCaller(session.interactionId)) throw new ApiError(409, "NO_AUDIO", "only a call that carries audio (SIP, or the softphone with Real audio) can go to an outside number");
    if (this.calls.has(session.interactionId)) throw new ApiError(409, "ALREADY_DIALLING", "this call is already being transferred to an outside number");
    return route.uri;
  }

  /** Calls the number; resolves once it answered. A failure is an ApiError naming why. */
  async dial(session: CallSession, number: string, uri: string): Promise<OutboundCall> {
    const id = session.interactionId;
    this.calls.set(id, "dialling");
    try {
      const entry = routeNumber(this.options.plan, number)?.entry;
      const auth = entry ? this.credentials.get(entry) : undefined;
      const call = await OutboundCall.dial({ uri, from: session.ani, host: this.options.host, ringTimeoutMs: this.options.ringTimeoutMs, ...(auth ? { auth } : {}) });
      this.options.log?.("info", `contact ${id.slice(0, 8)}: outside number answered`);
      return call;
    } catch (err) {
      this.calls.delete(id);
      if (err instanceof DialError) throw new ApiError(err.code === "INVALID_DESTINATION" ? 400 : 502, "TRANSFER_FAILED", `${number}: ${err.message}; the caller is still on hold with you`);
      throw err;
    } finally {
      if (this.calls.get(id) === "dialling") this.calls.delete(id);
    }
  }

  /**
   * The answered call is consulted by the agent (the caller on hold): it is hung up when the
   * contact ends, and `onRemoteHangup` runs when the far end hangs up first. `release` lets go of
   * it without hanging up (before `connect` hands the caller over).
   */
  consulting(session: CallSession, call: OutboundCall, onRemoteHangup: () => void): { release(): void } {
    const id = session.interactionId;
    this.calls.set(id, call);
    const unsubscribe = session.subscribe((m) => {
      if (m.type === "ended") call.hangup();
    });
    call.onEnded = (by) => {
      unsubscribe();
      if (this.calls.get(id) === call) this.calls.delete(id);
      if (by === "remote") onRemoteHangup();
    };
    if (session.ended) call.hangup();
    return {
      release: () => {
        unsubscribe();
        call.onEnded = undefined;
      },
    };
  }

  /** The caller and the answered outside call talk until either hangs up. */
  connect(session: CallSession, call: OutboundCall): void {
    const id = session.interactionId;
    this.calls.set(id, call);
    this.options.voice.bridgeOutside(id, call.rtp);
    const unsubscribe = session.subscribe((m) => {
      if (m.type === "ended") call.hangup();
    });
    call.onEnded = (by) => {
      unsubscribe();
      this.calls.delete(id);
      this.options.voice.unbridgeOutside(id);
      if (by === "remote" && !session.ended) session.interaction.hangup("transferred");
    };
    if (session.ended) call.hangup();
  }

  close(): void {
    for (const c of this.calls.values()) if (c !== "dialling") c.hangup();
    this.calls.clear();
  }
}
