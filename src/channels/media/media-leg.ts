/**
 * What a call's audio leg offers, whatever carries it: a SIP caller's RTP (`RtpSession`) or a
 * browser's WebRTC peer connection (`WebRtcLeg`). Prompts, hold music and the bridge between a
 * caller and an agent only need this.
 */
import type { FrameSource } from "./rtp-session.js";

export interface MediaLeg {
  /** Plays frames from `source` from the next 20 ms tick on, replacing what was playing. */
  play(source: FrameSource, onEnd?: () => void): void;
  /** Stops `source` if it is the one playing. */
  stop(source: FrameSource): void;
  /** Audio received on the leg, decoded to 8 kHz linear samples. */
  onAudio?: ((samples: Int16Array) => void) | undefined;
  /** DTMF keys received on the leg. */
  onKey?: ((key: string) => void) | undefined;
}
