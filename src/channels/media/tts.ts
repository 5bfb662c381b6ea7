/**
 * Text to speech, offline, with espeak-ng (the Debian package): rendered at espeak-ng's own rate
 * (22,050 Hz), resampled to 8 kHz, cached by (text, voice, rate). Without espeak-ng a TTS prompt
 * fails with an error saying so: a caller must never hear silence where words were meant.
 *
 * Voice: the flow's `voiceLanguage` (Google-style `en-US-Standard-C`, or a bare language) picks
 * espeak-ng's language and, from Google's standard voice letters, a female or male variant.
 * Rate: words per minute when given; SSML text (`<speak>…`) goes to espeak-ng's SSML reader, so
 * `<prosody rate>` and `<break>` are honoured by espeak-ng itself.
 */
import { spawn } from "node:child_process";
import { readWav } from "./wav.js";
import { resample } from "./resample.js";

export const TTS_SAMPLE_RATE = 8000;
const MAX_TEXT_CHARS = 4000;
const RENDER_TIMEOUT_MS = 15_000;
const CACHE_ENTRIES = 256;
const MAX_PARALLEL = 2;

export class TtsError extends Error {}

/** Google's en-US standard voices: these letters are female, the others male. */
const FEMALE_LETTERS = new Set(["C", "E", "F", "G", "H"]);

/** espeak-ng's `-v` for a flow's voice name. */
export function espeakVoice(voice: string | undefined): string {
  if (!voice) return "en-us";
  const m = /^([a-z]{2,3})(?:-([A-Za-z]{2}))?(?:-[A-Za-z]+-([A-Z]))?/i.exec(voice.trim());
  if (!m) return "en-us";
  const language = m[2] ? `${m[1]!.toLowerCase()}-${m[2].toLowerCase()}` : m[1]!.toLowerCase();
  if (!/^[a-z-]+$/.test(language)) return "en-us";
  const letter = m[3]?.toUpperCase();
  return letter ? `${language}+${FEMALE_LETTERS.has(letter) ? "f3" : "m3"}` : language;
}

export interface TtsRequest {
  text: string;
  voice?: string;
  /** Words per minute (espeak-ng -s, 80-450). */
  rate?: number;
}

export class Tts {
  private readonly cache = new Map<string, Promise<Int16Array>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly binary = "espeak-ng") {}

  /** 8 kHz mono samples for the text. Rejects with a TtsError naming what went wrong. */
  render(request: TtsRequest): Promise<Int16Array> {
    const text = request.text.trim();
    if (text === "") return Promise.resolve(new Int16Array(0));
    if (text.length > MAX_TEXT_CHARS) return Promise.reject(new TtsError(`TTS text is ${text.length} characters; the limit is ${MAX_TEXT_CHARS}`));
    const voice = espeakVoice(request.voice);
    const rate = request.rate === undefined ? undefined : Math.max(80, Math.min(450, Math.round(request.rate)));
    const key = `${voice}\u0000${rate ?? ""}\u0000${text}`;
    const hit = this.cache.get(key);
    if (hit) {
      // Refresh its place: the map's order is the eviction order.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const rendering = this.limited(() => this.spawnEspeak(text, voice, rate));
    this.cache.set(key, rendering);
    rendering.catch(() => this.cache.delete(key));
    while (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return rendering;
  }

  private limited<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        run()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.queue.shift()?.();
          });
      };
      if (this.running < MAX_PARALLEL) start();
      else this.queue.push(start);
    });
  }

  private spawnEspeak(text: string, voice: string, rate: number | undefined): Promise<Int16Array> {
    const ssml = /^<speak[\s>]/i.test(text);
    const args = ["-v", voice, ...(rate ? ["-s", String(rate)] : []), ...(ssml ? ["-m"] : []), "--stdout", "--stdin"];
    return new Promise<Int16Array>((resolve, reject) => {
      let child;
      try {
        child = spawn(this.binary, args, { stdio: ["pipe", "pipe", "pipe"] });
      } catch (err) {
        reject(new TtsError(`TTS needs espeak-ng, which could not be started: ${(err as Error).message}`));
        return;
      }
      const out: Buffer[] = [];
      let err = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), RENDER_TIMEOUT_MS);
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-500)));
      child.stdin.on("error", () => undefined);
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new TtsError(e.code === "ENOENT" ? `TTS needs espeak-ng, which is not installed (apt-get install espeak-ng)` : `espeak-ng failed to start: ${e.message}`));
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (signal) return reject(new TtsError(`espeak-ng was stopped (${signal}) rendering ${text.length} characters`));
        if (code !== 0) return reject(new TtsError(`espeak-ng exited with ${code} for voice ${voice}: ${err.trim().split("\n")[0] ?? ""}`));
        try {
          const wav = readWav(Buffer.concat(out), "espeak-ng output");
          resolve(resample(wav.samples, wav.sampleRate, TTS_SAMPLE_RATE));
        } catch (e) {
          reject(new TtsError(`espeak-ng output unreadable: ${(e as Error).message}`));
        }
      });
      child.stdin.end(text);
    });
  }
}
