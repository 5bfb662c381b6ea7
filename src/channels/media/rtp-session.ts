/**
 * One call's RTP: a UDP socket of its own, G.711 out in 20 ms packets paced by the shared clock,
 * G.711 and RFC 4733 telephone-events in.
 *
 * - Sequence numbers rise by one per packet sent; timestamps follow the clock (160 per 20 ms) even
 *   while nothing is sent, so a pause between prompts shows as a timestamp jump. Nothing is sent
 *   while nothing plays; each prompt starts a talkspurt whose first packet carries the marker bit
 *   (RFC 3551 §4.1).
 * - Symmetric RTP (RFC 4961): once a packet arrives from another address than the SDP's, we send
 *   to where it came from, which gets through NATs that the SDP does not describe. Packets from
 *   the SDP's own address leave the SDP's port as it is: that caller is reached directly and
 *   may send from one port while listening on another (SIPp's rtp_stream does).
 * - SRTP (RFC 3711, keys from SDES): when the peer carries keys, every packet out is encrypted
 *   and tagged, and a packet in whose tag does not verify is dropped. The cipher is werift's
 *   (`SrtpSession`, AES_CM_128_HMAC_SHA1_80), used as a library: no SRTP of our own.
 */
import { createSocket, type Socket } from "node:dgram";
import { randomInt } from "node:crypto";
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from "werift";
import type { G711Codec } from "../sip/sdp.js";
import { decodeG711, encodeG711 } from "./g711.js";
import { PTIME_MS, sharedPacer, type Pacer } from "./pacer.js";
import { parseRtp, writeRtp } from "./rtp-packet.js";
import { TelephoneEventReceiver } from "./telephone-events.js";

export const SAMPLES_PER_PACKET = 160;

/** Something that fills 20 ms frames; returns false when it has no more. */
export interface FrameSource {
  fill(frame: Int16Array): boolean;
}

export interface RtpSessionOptions {
  host: string;
  /** Even ports are tried from `min` to `max`; without a range the system picks one. */
  portRange?: { min: number; max: number };
  pacer?: Pacer;
}

export interface RtpPeer {
  address: string;
  port: number;
  codec: G711Codec;
  payloadType: number;
  dtmfPayloadType?: number;
  /** SRTP master keys and salts (30 bytes each): ours for sending, the peer's for receiving. */
  srtp?: { localKey: Buffer; remoteKey: Buffer };
}

function srtpSession(keys: { localKey: Buffer; remoteKey: Buffer }): SrtpSession {
  return new SrtpSession({
    profile: ProtectionProfileAes128CmHmacSha1_80,
    keys: {
      localMasterKey: keys.localKey.subarray(0, 16),
      localMasterSalt: keys.localKey.subarray(16, 30),
      remoteMasterKey: keys.remoteKey.subarray(0, 16),
      remoteMasterSalt: keys.remoteKey.subarray(16, 30),
    },
  });
}

export class RtpSession {
  private srtp?: SrtpSession;
  private socket?: Socket;
  private peer?: RtpPeer;
  private remote?: { address: string; port: number };
  private latched = false;
  private source?: FrameSource;
  private onSourceEnd?: () => void;
  private stopTicks?: () => void;
  private readonly ssrc = randomInt(0, 2 ** 32 - 1);
  private sequence = randomInt(0, 0xffff);
  private readonly timestampBase = randomInt(0, 2 ** 32 - 1);
  private startTick?: number;
  private sendingBefore = false;
  /** False while the peer holds us (it offered a=sendonly or a=inactive): frames play out unsent. */
  private sending = true;
  private readonly frame = new Int16Array(SAMPLES_PER_PACKET);
  private readonly dtmf = new TelephoneEventReceiver();
  port = 0;
  packetsSent = 0;
  packetsReceived = 0;
  /** SRTP packets dropped because their authentication tag did not verify. */
  packetsRejected = 0;
  /** When the caller's RTP last arrived (or the session was connected), performance.now() ms. */
  lastReceivedAt = performance.now();
  onKey?: (key: string) => void;
  /** Caller audio, decoded (for bridging and level checks). */
  onAudio?: (samples: Int16Array) => void;

  constructor(private readonly options: RtpSessionOptions) {}

  async open(): Promise<number> {
    const range = this.options.portRange;
    if (range) {
      for (let p = range.min + (range.min % 2); p <= range.max; p += 2) {
        if (await this.bind(p).then(() => true, () => false)) return this.port;
      }
      throw new Error(`no free RTP port in ${range.min}-${range.max}`);
    }
    await this.bind(0);
    return this.port;
  }

  private bind(port: number): Promise<void> {
    const family = this.options.host.includes(":") ? "udp6" : "udp4";
    const socket = createSocket(family);
    return new Promise<void>((resolve, reject) => {
      socket.once("error", (err) => {
        socket.close();
        reject(err);
      });
      socket.bind(port, this.options.host, () => {
        socket.removeAllListeners("error");
        socket.on("error", () => undefined);
        socket.on("message", (msg, rinfo) => this.receive(msg, rinfo));
        this.socket = socket;
        this.port = socket.address().port;
        resolve();
      });
    });
  }

  /** Where to send and how to encode: from the SDP offer. */
  connect(peer: RtpPeer): void {
    if (!this.peer) this.lastReceivedAt = performance.now();
    // A new address in the SDP (a re-INVITE moving the media) replaces the one latched from packets.
    if (this.peer && (this.peer.address !== peer.address || this.peer.port !== peer.port)) this.latched = false;
    // New keys (a first connect, or a re-INVITE that rekeys) start new SRTP contexts.
    const keys = peer.srtp;
    if (!keys) this.srtp = undefined;
    else if (!this.srtp || !this.peer?.srtp || !keys.localKey.equals(this.peer.srtp.localKey) || !keys.remoteKey.equals(this.peer.srtp.remoteKey)) this.srtp = srtpSession(keys);
    this.peer = peer;
    if (!this.latched) this.remote = { address: peer.address, port: peer.port };
    if (!this.stopTicks) this.stopTicks = (this.options.pacer ?? sharedPacer).add((tick) => this.tick(tick));
  }

  /**
   * Sends or not: a peer that holds us gets nothing, though what plays goes on (its end still
   * ends the prompt, so the flow keeps its time); sending again starts a talkspurt.
   */
  setSending(on: boolean): void {
    if (on && !this.sending) this.sendingBefore = false;
    this.sending = on;
  }

  /** Plays frames from `source` from the next tick on, replacing what was playing. */
  play(source: FrameSource, onEnd?: () => void): void {
    const previous = this.onSourceEnd;
    this.source = source;
    this.onSourceEnd = onEnd;
    // Each prompt starts a talkspurt: its first packet carries the marker bit.
    this.sendingBefore = false;
    if (previous && previous !== onEnd) previous();
  }

  /** Stops `source` if it is the one playing (a stale stop does nothing). */
  stop(source: FrameSource): void {
    if (this.source !== source) return;
    this.source = undefined;
    this.onSourceEnd = undefined;
  }

  close(): void {
    this.stopTicks?.();
    this.stopTicks = undefined;
    this.source = undefined;
    const end = this.onSourceEnd;
    this.onSourceEnd = undefined;
    end?.();
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.socket = undefined;
  }

  private tick(tick: number): void {
    this.startTick ??= tick;
    const source = this.source;
    if (!source || !this.peer || !this.remote || !this.socket) {
      this.sendingBefore = false;
      return;
    }
    this.frame.fill(0);
    const more = source.fill(this.frame);
    if (!this.sending) {
      if (!more) this.finishSource();
      return;
    }
    const payload = Buffer.from(encodeG711(this.peer.codec, this.frame));
    const timestamp = (this.timestampBase + (tick - this.startTick) * SAMPLES_PER_PACKET) >>> 0;
    const marker = !this.sendingBefore;
    const packet = this.srtp
      ? this.srtp.encrypt(payload, new RtpHeader({ payloadType: this.peer.payloadType, marker, sequenceNumber: this.sequence, timestamp, ssrc: this.ssrc }))
      : writeRtp({ payloadType: this.peer.payloadType, marker, sequence: this.sequence, timestamp, ssrc: this.ssrc, payload });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.sendingBefore = true;
    this.packetsSent++;
    this.socket.send(packet, this.remote.port, this.remote.address);
    if (!more) this.finishSource();
  }

  private finishSource(): void {
    this.source = undefined;
    const end = this.onSourceEnd;
    this.onSourceEnd = undefined;
    end?.();
  }

  private receive(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (this.srtp) {
      // Only packets that authenticate count (and can move where we send, below).
      if (msg.length < 12 + 10 || (msg[0]! & 0xc0) !== 0x80) return;
      try {
        msg = this.srtp.decrypt(msg);
      } catch {
        this.packetsRejected++;
        return;
      }
    }
    const packet = parseRtp(msg);
    if (!packet || !this.peer) return;
    const isAudio = packet.payloadType === this.peer.payloadType;
    const isDtmf = this.peer.dtmfPayloadType !== undefined && packet.payloadType === this.peer.dtmfPayloadType;
    if (!isAudio && !isDtmf) return;
    this.packetsReceived++;
    this.lastReceivedAt = performance.now();
    // Packets from the offered address come from a caller we reach directly: its SDP port is
    // where it listens (some send from another port). From elsewhere, a NAT is on the way.
    if (rinfo.address !== this.peer.address && (!this.latched || this.remote?.address !== rinfo.address || this.remote.port !== rinfo.port)) {
      this.remote = { address: rinfo.address, port: rinfo.port };
      this.latched = true;
    }
    if (isDtmf) {
      const key = this.dtmf.receive(packet.timestamp, packet.payload);
      if (key) this.onKey?.(key);
    } else if (this.onAudio) this.onAudio(decodeG711(this.peer.codec, packet.payload));
  }
}

/** Frames from samples, once or looped, for at most `limitMs`. */
export class SampleSource implements FrameSource {
  private position: number;
  private remaining: number;

  constructor(
    private readonly samples: Int16Array,
    options: { loop?: boolean; offsetMs?: number; limitMs?: number } = {},
  ) {
    this.loop = options.loop === true && samples.length > 0;
    this.position = Math.floor(((options.offsetMs ?? 0) * 8) % Math.max(1, samples.length));
    this.remaining = options.limitMs === undefined ? Infinity : Math.max(0, Math.round(options.limitMs / PTIME_MS));
  }

  private readonly loop: boolean;

  /** Length in 20 ms packets (not looped). */
  static packets(samples: Int16Array): number {
    return Math.ceil(samples.length / SAMPLES_PER_PACKET);
  }

  fill(frame: Int16Array): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    let i = 0;
    while (i < frame.length) {
      if (this.position >= this.samples.length) {
        if (!this.loop) break;
        this.position = 0;
      }
      const n = Math.min(frame.length - i, this.samples.length - this.position);
      frame.set(this.samples.subarray(this.position, this.position + n), i);
      i += n;
      this.position += n;
    }
    return this.remaining > 0 && (this.loop || this.position < this.samples.length);
  }
}
