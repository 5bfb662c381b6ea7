/**
 * How much of one frequency a stretch of audio holds (the Goertzel algorithm), for the tests that
 * check who hears whom: each side sends its own tone, and the other side's audio must carry it.
 */

/** Power at `frequency` relative to the signal's total power: near 1 for a pure tone at it, near 0 without. */
export function toneShare(samples: ArrayLike<number>, frequency: number, rate = 8000): number {
  const n = samples.length;
  if (n === 0) return 0;
  const k = Math.round((n * frequency) / rate);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i]!;
    total += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // A pure tone of amplitude A over n samples gives power (A·n/2)² and total A²·n/2.
  return total === 0 ? 0 : power / ((n / 2) * total);
}

export function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}
