/**
 * Music on hold made here, so the project ships no recording: a slow four-chord progression
 * (I–vi–IV–V in C) of soft sine voices with a little second harmonic, each chord faded in and out
 * so the loop joins without a click. Deterministic: the same samples every run, 8 kHz mono.
 */

const RATE = 8000;
const CHORD_SECONDS = 2;
// Frequencies (Hz) of C major, A minor, F major and G major, voiced around middle C.
const CHORDS = [
  [261.63, 329.63, 392.0, 130.81],
  [220.0, 261.63, 329.63, 110.0],
  [174.61, 220.0, 261.63, 87.31],
  [196.0, 246.94, 293.66, 98.0],
];
const PEAK = 0.18 * 32767;

let cached: Int16Array | undefined;

export function musicOnHold(): Int16Array {
  if (cached) return cached;
  const perChord = RATE * CHORD_SECONDS;
  const out = new Int16Array(perChord * CHORDS.length);
  const fade = RATE * 0.25;
  CHORDS.forEach((freqs, c) => {
    for (let i = 0; i < perChord; i++) {
      const t = i / RATE;
      const envelope = Math.min(1, i / fade, (perChord - i) / fade);
      let v = 0;
      for (const f of freqs) v += Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(4 * Math.PI * f * t);
      out[c * perChord + i] = Math.round((v / (freqs.length * 1.2)) * envelope * PEAK * 2);
    }
  });
  cached = out;
  return out;
}

/** A sine tone (tests, and the tone each side sends in the bridging checks). */
export function tone(frequency: number, ms: number, amplitude = 0.3): Int16Array {
  const n = Math.round((RATE * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / RATE) * amplitude * 32767);
  return out;
}
