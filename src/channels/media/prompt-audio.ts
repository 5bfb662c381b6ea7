/**
 * Where a prompt's sound comes from: TTS text through espeak-ng; a file name through the prompts
 * folder (a `.wav` of any common rate, converted to 8 kHz); and the names flows use for hold music
 * (`defaultmusic_on_hold.wav` and the like), when the folder has no such file, through the music
 * made in music-on-hold.ts. A name found nowhere is an error naming the file and the folder, so
 * Play Message takes its error port instead of playing nothing.
 */
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { musicOnHold } from "./music-on-hold.js";
import { resample } from "./resample.js";
import { Tts } from "./tts.js";
import { readWav } from "./wav.js";

export const MEDIA_RATE = 8000;

export class PromptAudioError extends Error {}

const HOLD_MUSIC = /(music[_-]?on[_-]?hold|^moh\b|hold[_-]?music)/i;
const FILE_CACHE = 64;

export interface PromptAudioOptions {
  /** Folder of `.wav` prompts; none means only TTS and the built-in hold music. */
  promptsDir?: string;
  tts?: Tts;
}

export class PromptAudio {
  readonly tts: Tts;
  private readonly files = new Map<string, Promise<Int16Array>>();

  constructor(private readonly options: PromptAudioOptions = {}) {
    this.tts = options.tts ?? new Tts();
  }

  text(text: string, voice?: string, rate?: number): Promise<Int16Array> {
    return this.tts.render({ text, ...(voice !== undefined ? { voice } : {}), ...(rate !== undefined ? { rate } : {}) });
  }

  file(name: string): Promise<Int16Array> {
    // A URL or a path in the flow names a file; only its last segment is looked up, in our folder.
    const file = basename(name.split(/[?#]/)[0]!.replace(/\\/g, "/"));
    let loading = this.files.get(file);
    if (!loading) {
      loading = this.load(file);
      this.files.set(file, loading);
      loading.catch(() => this.files.delete(file));
      while (this.files.size > FILE_CACHE) this.files.delete(this.files.keys().next().value!);
    }
    return loading;
  }

  private async load(file: string): Promise<Int16Array> {
    if (file === "" || file.startsWith(".")) throw new PromptAudioError(`audio file name "${file}" is not a file name`);
    const dir = this.options.promptsDir;
    if (dir) {
      let bytes: Buffer | undefined;
      try {
        bytes = await readFile(join(dir, file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new PromptAudioError(`audio file ${file} in ${dir} could not be read: ${(err as Error).message}`);
      }
      if (bytes) {
        const wav = readWav(bytes, file);
        return resample(wav.samples, wav.sampleRate, MEDIA_RATE);
      }
    }
    if (HOLD_MUSIC.test(file)) return musicOnHold();
    throw new PromptAudioError(dir ? `audio file ${file} is not in the prompts folder ${dir}` : `audio file ${file}: no prompts folder is configured (environment prompts.folder)`);
  }
}
