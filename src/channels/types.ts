/**
 * How a caller meets the engine. A channel plays prompts and collects digits; the scripted channel
 * (CLI, tests) reads digits from a script, the browser softphone from a WebSocket.
 */

export interface Prompt {
  /** Rendered TTS text. */
  text?: string;
  /** Audio file name. */
  file?: string;
  /** Hold music (play-music) rather than a message. */
  music?: boolean;
  /** For music: how long to play, ms. */
  durationMs?: number;
  /** For music: offset into the file, ms. */
  offsetMs?: number;
  voice?: string;
}

export interface PlayOptions {
  /** Aborted when the contact is answered, hangs up or the flow is interrupted. */
  signal: AbortSignal;
  /** A digit pressed during the prompt stops it (menus, collect digits). */
  interruptible?: boolean;
}

export interface PlayResult {
  /** The digit that barged in, when interruptible and the caller pressed one. */
  bargeIn?: string;
}

export interface CollectOptions {
  signal: AbortSignal;
  minDigits: number;
  maxDigits: number;
  /** `#` or `*`, or undefined for none. */
  terminator?: string;
  /** Wait for the first digit, ms. */
  entryTimeoutMs: number;
  /** Wait between digits, ms. */
  interDigitTimeoutMs: number;
  /** Digits already pressed (barge-in during the prompt). */
  initial?: string;
}

export interface CollectResult {
  /** Digits entered, terminator excluded. */
  digits: string;
  /** Nothing was entered before the entry timeout. */
  timedOut: boolean;
  /** The terminator was pressed. */
  terminated: boolean;
}

export interface CallerChannel {
  play(prompt: Prompt, options: PlayOptions): Promise<PlayResult>;
  collect(options: CollectOptions): Promise<CollectResult>;
  /** The flow hung up on the caller. */
  hangup(): void;
}
