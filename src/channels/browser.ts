/**
 * The browser softphone as a caller channel. The flow's prompts go to the caller's browser (over
 * the WebSocket the server attaches); a prompt lasts its estimated speaking time, or until the
 * browser says it finished speaking it. Keys pressed on the softphone's keypad arrive as digits
 * and are buffered like type-ahead on a phone line: an interruptible prompt stops at the first
 * one (barge-in), the next menu or digit collection consumes them in order.
 *
 * The channel knows nothing of sockets: it hands every message to `send` and the server fans it
 * out to the caller's sockets (and keeps the current prompt for a socket that joins late).
 */
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import type { CallerChannel, CollectOptions, CollectResult, PlayOptions, PlayResult, Prompt } from "./types.js";

/** Speaking time per character of TTS text, ms (about 150 words a minute). */
export const DEFAULT_MS_PER_CHAR = 60;
/** Length assumed for an audio file whose real length is unknown, ms. */
export const DEFAULT_AUDIO_FILE_MS = 3000;
/** Shortest time a spoken prompt lasts, however short its text. */
const MIN_SPEECH_MS = 400;

/** What the channel tells the caller's browser. */
export type ChannelMessage =
  | {
      type: "play";
      promptId: number;
      text?: string;
      file?: string;
      music?: boolean;
      voice?: string;
      /** How long the server lets the prompt play without word from the browser, ms. */
      durationMs: number;
      interruptible: boolean;
    }
  | { type: "play-end"; promptId: number; reason: "finished" | "barge-in" | "interrupted" }
  | { type: "collect"; minDigits: number; maxDigits: number; terminator?: string; entryTimeoutMs: number }
  | { type: "collect-end"; digits: string; timedOut: boolean; terminated: boolean }
  | { type: "hangup"; by: "flow" };

export interface BrowserChannelOptions {
  clock: Clock;
  send: (message: ChannelMessage) => void;
  /** Estimated speaking time per character, ms. */
  msPerChar?: number;
  audioFileMs?: number;
  /**
   * Plays prompts as real audio (a SIP call's RTP): a prompt then lasts as long as its sound, and
   * a prompt whose sound cannot be had fails the activity.
   */
  media?: { play(prompt: Prompt, signal: AbortSignal): Promise<void> };
}

interface Playing {
  promptId: number;
  finish: (result: PlayResult, reason: "finished" | "barge-in" | "interrupted") => void;
  interruptible: boolean;
}

export class BrowserChannel implements CallerChannel {
  private readonly digits: string[] = [];
  private digitWaiter?: () => void;
  private playing?: Playing;
  private promptSeq = 0;
  /** Browsers that speak prompts themselves and will say when each one ends. */
  private speakers = 0;
  private hungUp = false;
  private readonly msPerChar: number;
  private readonly audioFileMs: number;

  constructor(private readonly options: BrowserChannelOptions) {
    this.msPerChar = options.msPerChar ?? DEFAULT_MS_PER_CHAR;
    this.audioFileMs = options.audioFileMs ?? DEFAULT_AUDIO_FILE_MS;
  }

  /** The prompt now playing, for a socket that connects in the middle of it. */
  get currentPromptId(): number | undefined {
    return this.playing?.promptId;
  }

  get flowHungUp(): boolean {
    return this.hungUp;
  }

  /** Digits pressed and not yet consumed by the flow. */
  get bufferedDigits(): string {
    return this.digits.join("");
  }

  /**
   * A browser that speaks prompts (speech synthesis) joined or left. While one is connected a
   * prompt waits for the browser's word that it ended, up to a generous cap, so the flow does
   * not run ahead of the voice.
   */
  speakerJoined(): void {
    this.speakers++;
  }

  speakerLeft(): void {
    this.speakers = Math.max(0, this.speakers - 1);
  }

  /** Keys pressed on the softphone. Anything but 0-9, * and # is ignored. */
  press(keys: string): number {
    let accepted = 0;
    for (const key of keys) {
      if (!/^[0-9*#]$/.test(key)) continue;
      accepted++;
      if (this.playing?.interruptible) {
        // Barge-in: the key stops the prompt and goes to the menu or collection that follows.
        this.playing.finish({ bargeIn: key }, "barge-in");
        continue;
      }
      this.digits.push(key);
    }
    if (accepted > 0) this.wakeDigitWaiter();
    return accepted;
  }

  /** The browser finished playing (speaking) a prompt. Stale ids are ignored. */
  promptFinished(promptId: number): void {
    if (this.playing?.promptId === promptId) this.playing.finish({}, "finished");
  }

  async play(prompt: Prompt, options: PlayOptions): Promise<PlayResult> {
    options.signal.throwIfAborted();
    const interruptible = options.interruptible === true && !prompt.music;
    // Keys typed ahead during an earlier prompt barge into the next interruptible one at once.
    if (interruptible && this.digits.length > 0) return { bargeIn: this.digits.shift()! };

    const estimate = this.estimateMs(prompt);
    const speaking = prompt.text !== undefined && !prompt.music && this.speakers > 0;
    const limit = speaking ? estimate * 2 + 5000 : estimate;
    const promptId = ++this.promptSeq;
    this.options.send({
      type: "play",
      promptId,
      ...(prompt.text !== undefined ? { text: prompt.text } : {}),
      ...(prompt.file !== undefined ? { file: prompt.file } : {}),
      ...(prompt.music ? { music: true } : {}),
      ...(prompt.voice !== undefined ? { voice: prompt.voice } : {}),
      durationMs: limit,
      interruptible,
    });

    return new Promise<PlayResult>((resolve, reject) => {
      let settled = false;
      // The prompt's end on the clock, or the media's stop: a waiting caller holds one for as
      // long as its music plays, and an AbortController (an EventTarget with a hidden class of
      // its own) was the larger part of what a waiting served call held for it.
      let timer: ClockTimer | undefined = undefined;
      const media = this.options.media ? new AbortController() : undefined;
      const finish = (result: PlayResult, reason: "finished" | "barge-in" | "interrupted", error?: unknown) => {
        if (settled) return;
        settled = true;
        if (this.playing?.promptId === promptId) this.playing = undefined;
        timer?.cancel();
        media?.abort();
        options.signal.removeEventListener("abort", onAbort);
        this.options.send({ type: "play-end", promptId, reason });
        if (error !== undefined) reject(error);
        else resolve(result);
      };
      const onAbort = () => finish({}, "interrupted", options.signal.reason ?? new DOMException("aborted", "AbortError"));
      options.signal.addEventListener("abort", onAbort, { once: true });
      this.playing = { promptId, interruptible, finish: (r, why) => finish(r, why) };
      if (this.options.media && media) {
        this.options.media.play(prompt, media.signal).then(
          () => finish({}, "finished"),
          (err: unknown) => finish({}, "interrupted", err),
        );
        return;
      }
      timer = startTimer(this.options.clock, limit, () => finish({}, "finished"));
    });
  }

  async collect(options: CollectOptions): Promise<CollectResult> {
    options.signal.throwIfAborted();
    this.options.send({
      type: "collect",
      minDigits: options.minDigits,
      maxDigits: options.maxDigits,
      ...(options.terminator ? { terminator: options.terminator } : {}),
      entryTimeoutMs: options.entryTimeoutMs,
    });
    const pending = [...(options.initial ?? "")];
    let collected = "";
    const done = (r: CollectResult): CollectResult => {
      this.options.send({ type: "collect-end", ...r });
      return r;
    };
    for (;;) {
      const key = pending.length > 0 ? pending.shift()! : this.digits.shift();
      if (key !== undefined) {
        if (options.terminator && key === options.terminator) return done({ digits: collected, timedOut: false, terminated: true });
        collected += key;
        if (collected.length >= Math.max(1, options.maxDigits)) return done({ digits: collected, timedOut: false, terminated: false });
        continue;
      }
      const waitMs = collected === "" ? options.entryTimeoutMs : options.interDigitTimeoutMs;
      const arrived = waitMs > 0 ? await this.nextDigit(waitMs, options.signal) : false;
      if (!arrived) return done(collected === "" ? { digits: "", timedOut: true, terminated: false } : { digits: collected, timedOut: false, terminated: false });
    }
  }

  hangup(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.options.send({ type: "hangup", by: "flow" });
  }

  private estimateMs(prompt: Prompt): number {
    if (prompt.music) return Math.max(0, prompt.durationMs ?? 0);
    if (prompt.text !== undefined) return Math.max(this.msPerChar > 0 ? MIN_SPEECH_MS : 0, prompt.text.length * this.msPerChar);
    return this.audioFileMs;
  }

  /** Resolves true when a key arrives within `ms`, false on timeout; rejects when aborted. */
  private nextDigit(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      const settle = (value: boolean | Error) => {
        if (settled) return;
        settled = true;
        this.digitWaiter = undefined;
        timer.cancel();
        signal.removeEventListener("abort", onAbort);
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
      const onAbort = () => settle(signal.reason instanceof Error ? signal.reason : new DOMException("aborted", "AbortError"));
      signal.addEventListener("abort", onAbort, { once: true });
      this.digitWaiter = () => settle(true);
      const timer = startTimer(this.options.clock, ms, () => settle(false));
    });
  }

  private wakeDigitWaiter(): void {
    if (this.digits.length > 0) this.digitWaiter?.();
  }
}
