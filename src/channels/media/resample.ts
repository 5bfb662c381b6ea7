/**
 * Sample-rate conversion to the 8 kHz G.711 needs: a windowed-sinc low-pass at the lower Nyquist
 * frequency, evaluated at each output instant (any ratio, e.g. espeak-ng's 22,050 Hz). Offline
 * prompt rendering only, so clarity matters more than speed.
 */

const HALF_TAPS = 16;

export function resample(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return samples;
  const ratio = to / from;
  const cutoff = Math.min(1, ratio) * 0.95; // of the input Nyquist
  const out = new Int16Array(Math.floor(samples.length * ratio));
  const width = HALF_TAPS / Math.min(1, ratio);
  for (let n = 0; n < out.length; n++) {
    const center = n / ratio;
    const first = Math.max(0, Math.ceil(center - width));
    const last = Math.min(samples.length - 1, Math.floor(center + width));
    let acc = 0;
    for (let k = first; k <= last; k++) {
      const x = k - center;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / (width + 1)); // Hann
      acc += samples[k]! * cutoff * sinc * window;
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}
