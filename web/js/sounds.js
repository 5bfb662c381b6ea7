/* global AudioContext, setInterval, clearInterval */
// Phone sounds made with Web Audio (no files to ship): DTMF tones for key presses and a soft,
// slow arpeggio standing in for hold music. Silent where Web Audio is missing.

const DTMF = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477],
  4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
  7: [852, 1209], 8: [852, 1336], 9: [852, 1477],
  "*": [941, 1209], 0: [941, 1336], "#": [941, 1477],
};

const MELODY = [261.63, 329.63, 392.0, 493.88, 440.0, 392.0, 329.63, 293.66];

export class Sounds {
  constructor() {
    this.ctx = undefined;
    this.musicTimer = undefined;
  }

  /** Creates the audio context from a user gesture (browsers require one). */
  unlock() {
    if (this.ctx || !("AudioContext" in window)) return;
    try {
      this.ctx = new AudioContext();
    } catch {
      this.ctx = undefined;
    }
  }

  dtmf(key) {
    this.unlock();
    const pair = DTMF[key];
    if (!this.ctx || !pair) return;
    const t = this.ctx.currentTime;
    const gain = this.ctx.createGain();
    gain.gain.setValueAtTime(0.08, t);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.16);
    gain.connect(this.ctx.destination);
    for (const f of pair) {
      const osc = this.ctx.createOscillator();
      osc.frequency.value = f;
      osc.connect(gain);
      osc.start(t);
      osc.stop(t + 0.16);
    }
  }

  startMusic() {
    if (!this.ctx || this.musicTimer) return;
    let i = 0;
    const note = () => {
      const t = this.ctx.currentTime;
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = MELODY[i++ % MELODY.length];
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.04, t + 0.05);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.9);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(t);
      osc.stop(t + 1);
    };
    note();
    this.musicTimer = setInterval(note, 600);
  }

  stopMusic() {
    clearInterval(this.musicTimer);
    this.musicTimer = undefined;
  }
}
