/** Media pieces on their own: RTP packets, RFC 4733 keys, G.711, WAV, TTS and its failures. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeG711, encodeG711 } from "../../../src/channels/media/g711.js";
import { musicOnHold, tone } from "../../../src/channels/media/music-on-hold.js";
import { PromptAudio } from "../../../src/channels/media/prompt-audio.js";
import { resample } from "../../../src/channels/media/resample.js";
import { parseRtp, writeRtp } from "../../../src/channels/media/rtp-packet.js";
import { SampleSource } from "../../../src/channels/media/rtp-session.js";
import { TelephoneEventReceiver, telephoneEventPayload } from "../../../src/channels/media/telephone-events.js";
import { espeakVoice, Tts } from "../../../src/channels/media/tts.js";
import { readWav, writeWav } from "../../../src/channels/media/wav.js";

const hasEspeak = !spawnSync("espeak-ng", ["--version"], { stdio: "ignore" }).error;

const rms = (s: Int16Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0) / Math.max(1, s.length));

describe("RTP and RFC 4733", () => {
  it("writes and reads a packet", () => {
    const packet = { payloadType: 0, marker: true, sequence: 65535, timestamp: 2 ** 32 - 160, ssrc: 42, payload: Buffer.alloc(160, 0xff) };
    expect(parseRtp(writeRtp(packet))).toEqual(packet);
    expect(parseRtp(Buffer.from("not rtp at all"))).toBeUndefined();
  });

  it("counts a key once, however many packets carry it (end bit and redundant end packets)", () => {
    const rx = new TelephoneEventReceiver();
    const keys: string[] = [];
    const feed = (ts: number, key: string, end: boolean, dur: number) => {
      const k = rx.receive(ts, telephoneEventPayload(key, end, dur));
      if (k) keys.push(k);
    };
    for (let d = 0; d <= 800; d += 160) feed(1000, "1", false, d);
    for (let i = 0; i < 3; i++) feed(1000, "1", true, 960);
    feed(3000, "1", false, 0); // the same key pressed again: a new event, a new timestamp
    feed(3000, "1", true, 320);
    feed(5000, "#", true, 320);
    expect(keys).toEqual(["1", "1", "#"]);
  });
});

describe("audio", () => {
  it("round-trips G.711 within its quantisation", () => {
    const t = tone(440, 100);
    for (const codec of ["PCMU", "PCMA"] as const) {
      const back = decodeG711(codec, encodeG711(codec, t));
      expect(Math.abs(rms(back) - rms(t)) / rms(t)).toBeLessThan(0.05);
    }
  });

  it("resamples to 8 kHz keeping the length and the level of a tone in band", () => {
    const at22 = new Int16Array(22050);
    for (let i = 0; i < at22.length; i++) at22[i] = Math.round(Math.sin((2 * Math.PI * 440 * i) / 22050) * 10000);
    const at8 = resample(at22, 22050, 8000);
    expect(at8.length).toBe(8000);
    expect(Math.abs(rms(at8) - rms(at22)) / rms(at22)).toBeLessThan(0.05);
  });

  it("reads back a WAV it wrote, and refuses a file that is not one", () => {
    const audio = { sampleRate: 16000, samples: tone(300, 50) };
    expect(readWav(writeWav(audio))).toEqual(audio);
    expect(() => readWav(Buffer.from("hello"), "x.wav")).toThrow(/x.wav is not a WAV file/);
  });

  it("loops hold music for exactly the time asked, from an offset", () => {
    const moh = musicOnHold();
    expect(moh.length).toBe(8 * 8000);
    expect(rms(moh)).toBeGreaterThan(1000);
    const source = new SampleSource(moh, { loop: true, offsetMs: 7990, limitMs: 20_000 });
    const frame = new Int16Array(160);
    let frames = 0;
    while (source.fill(frame)) frames++;
    expect(frames + 1).toBe(1000);
  });

  it("finds prompts in the prompts folder, hold music by its usual names, and names what is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccflow-prompts-"));
    try {
      writeFileSync(join(dir, "welcome.wav"), writeWav({ sampleRate: 16000, samples: tone(500, 2000) }) /* 16,000 samples: 1 s at 16 kHz */);
      const audio = new PromptAudio({ promptsDir: dir });
      expect((await audio.file("welcome.wav")).length).toBe(8000);
      expect((await audio.file("https://cdn.example/x/welcome.wav?v=2")).length).toBe(8000);
      expect(await audio.file("defaultmusic_on_hold.wav")).toBe(musicOnHold());
      await expect(audio.file("missing.wav")).rejects.toThrow(`audio file missing.wav is not in the prompts folder ${dir}`);
      await expect(new PromptAudio().file("welcome.wav")).rejects.toThrow(/no prompts folder is configured/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("TTS", () => {
  it("maps the flows' voice names to espeak-ng voices", () => {
    expect(espeakVoice("en-US-Standard-C")).toBe("en-us+f3");
    expect(espeakVoice("en-US-Standard-B")).toBe("en-us+m3");
    expect(espeakVoice("fr-FR")).toBe("fr-fr");
    expect(espeakVoice(undefined)).toBe("en-us");
    expect(espeakVoice("; rm -rf /")).toBe("en-us");
  });

  it("fails with a clear error when espeak-ng is not installed, never silence", async () => {
    const tts = new Tts("espeak-ng-not-installed-here");
    await expect(tts.render({ text: "Hello" })).rejects.toThrow("TTS needs espeak-ng, which is not installed (apt-get install espeak-ng)");
  });

  it.skipIf(!hasEspeak)("speaks at 8 kHz, faster at a higher rate, and caches by text, voice and rate", async () => {
    const tts = new Tts();
    const text = "Press 1 to connect to an agent.";
    const normal = await tts.render({ text, voice: "en-US-Standard-C" });
    expect(rms(normal)).toBeGreaterThan(300);
    expect(normal.length / 8000).toBeGreaterThan(1);
    const fast = await tts.render({ text, voice: "en-US-Standard-C", rate: 300 });
    expect(fast.length).toBeLessThan(normal.length * 0.8);
    expect(tts.render({ text, voice: "en-US-Standard-C" })).toBe(tts.render({ text, voice: "en-US-Standard-C" }));
  });
});
