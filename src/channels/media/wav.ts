/**
 * WAV files in and out: RIFF with PCM (8/16-bit), µ-law or A-law, any rate, mixed down to mono.
 * Streams written with an unknown length (espeak-ng --stdout writes 0x7fffffff sizes) are read to
 * the end of the data. Small and strict enough that a library would add more than it saves.
 */
import { decodeG711 } from "./g711.js";

export interface PcmAudio {
  sampleRate: number;
  /** Mono, signed 16-bit. */
  samples: Int16Array;
}

export class WavError extends Error {}

export function readWav(buf: Buffer, name = "audio"): PcmAudio {
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "RIFF" || buf.toString("latin1", 8, 12) !== "WAVE") throw new WavError(`${name} is not a WAV file (no RIFF/WAVE header)`);
  let offset = 12;
  let format: { tag: number; channels: number; rate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString("latin1", offset, offset + 4);
    const declared = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    const size = Math.min(declared, buf.length - body);
    if (id === "fmt ") {
      if (size < 16) throw new WavError(`${name}: fmt chunk too short`);
      let tag = buf.readUInt16LE(body);
      if (tag === 0xfffe && size >= 26) tag = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
      format = { tag, channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === "data") {
      if (!format) throw new WavError(`${name}: data before fmt chunk`);
      return { sampleRate: format.rate, samples: decode(buf.subarray(body, body + size), format, name) };
    }
    offset = body + size + (size & 1);
  }
  throw new WavError(`${name}: no data chunk`);
}

function decode(data: Buffer, f: { tag: number; channels: number; rate: number; bits: number }, name: string): Int16Array {
  if (f.channels < 1 || f.channels > 8) throw new WavError(`${name}: ${f.channels} channels`);
  if (f.rate < 4000 || f.rate > 192000) throw new WavError(`${name}: sample rate ${f.rate} Hz`);
  let interleaved: Int16Array;
  if (f.tag === 1 && f.bits === 16) {
    interleaved = new Int16Array(Math.floor(data.length / 2));
    for (let i = 0; i < interleaved.length; i++) interleaved[i] = data.readInt16LE(i * 2);
  } else if (f.tag === 1 && f.bits === 8) {
    interleaved = new Int16Array(data.length);
    for (let i = 0; i < data.length; i++) interleaved[i] = (data[i]! - 128) << 8;
  } else if (f.tag === 7 && f.bits === 8) interleaved = decodeG711("PCMU", new Uint8Array(data));
  else if (f.tag === 6 && f.bits === 8) interleaved = decodeG711("PCMA", new Uint8Array(data));
  else throw new WavError(`${name}: unsupported WAV encoding (format ${f.tag}, ${f.bits} bits); use 16-bit PCM, µ-law or A-law`);
  if (f.channels === 1) return interleaved;
  const frames = Math.floor(interleaved.length / f.channels);
  const mono = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < f.channels; c++) sum += interleaved[i * f.channels + c]!;
    mono[i] = Math.round(sum / f.channels);
  }
  return mono;
}

/** 16-bit PCM mono WAV. */
export function writeWav(audio: PcmAudio): Buffer {
  const data = Buffer.alloc(audio.samples.length * 2);
  for (let i = 0; i < audio.samples.length; i++) data.writeInt16LE(audio.samples[i]!, i * 2);
  const head = Buffer.alloc(44);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVEfmt ", 8, "latin1");
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(audio.sampleRate, 24);
  head.writeUInt32LE(audio.sampleRate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36, "latin1");
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}
