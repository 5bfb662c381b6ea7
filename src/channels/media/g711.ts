/**
 * G.711 µ-law (PCMU) and A-law (PCMA) through alawmulaw. The package is CommonJS without named
 * exports Node can detect, hence the require.
 */
import type * as AlawMulaw from "alawmulaw";
import { createRequire } from "node:module";
import type { G711Codec } from "../sip/sdp.js";

const { alaw, mulaw } = createRequire(import.meta.url)("alawmulaw") as typeof AlawMulaw;

export function encodeG711(codec: G711Codec, samples: Int16Array): Uint8Array {
  return codec === "PCMU" ? mulaw.encode(samples) : alaw.encode(samples);
}

export function decodeG711(codec: G711Codec, payload: Uint8Array): Int16Array {
  return codec === "PCMU" ? mulaw.decode(payload) : alaw.decode(payload);
}

/** The codeword for silence (linear 0) in each law. */
export function silenceByte(codec: G711Codec): number {
  return codec === "PCMU" ? mulaw.encodeSample(0) : alaw.encodeSample(0);
}
