/**
 * A browser's audio leg over WebRTC, through werift (WebRTC in TypeScript for Node; ICE, DTLS
 * and SRTP are its part). The browser offers, we answer with PCMU only (and telephone-event when
 * offered, so RTCDTMFSender can press keys); ICE candidates are gathered before answering, so one
 * offer and one answer are the whole signalling.
 *
 * Sending follows the same shared 20 ms clock as SIP RTP: while connected, each tick sends one
 * PCMU packet — what plays, else silence, so the browser's jitter buffer and level meters see a
 * steady stream. Received PCMU is decoded and handed to `onAudio`; RFC 4733 events become keys.
 */
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCPeerConnectionConfig } from "werift";
import { randomInt } from "node:crypto";
import { parse as parseSdp } from "sdp-transform";
import { decodeG711, encodeG711 } from "./g711.js";
import type { MediaLeg } from "./media-leg.js";
import { sharedPacer, type Pacer } from "./pacer.js";
import { SAMPLES_PER_PACKET, type FrameSource } from "./rtp-session.js";
import { TelephoneEventReceiver } from "./telephone-events.js";

const PCMU = 0;
const ICE_GATHERING_MS = 5000;

export class WebRtcError extends Error {}

export interface WebRtcLegOptions {
  /** The address ICE uses: loopback keeps the media on loopback. */
  host: string;
  pacer?: Pacer;
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.");
}

export class WebRtcLeg implements MediaLeg {
  private readonly pc: RTCPeerConnection;
  private readonly track = new MediaStreamTrack({ kind: "audio" });
  private source?: FrameSource;
  private onSourceEnd?: () => void;
  private stopTicks?: () => void;
  private readonly ssrc = randomInt(1, 2 ** 32 - 1);
  private sequence = randomInt(0, 0xffff);
  private timestamp = randomInt(0, 2 ** 32 - 1);
  private readonly frame = new Int16Array(SAMPLES_PER_PACKET);
  private readonly dtmf = new TelephoneEventReceiver();
  private dtmfPayloadTypes = new Set<number>();
  private closed = false;
  /** False while the browser holds us (a re-offer with a=sendonly or a=inactive). */
  private sending = true;
  private origin?: { id: number; version: number; rest: string };
  private connectedWaiters: Array<() => void> = [];
  packetsSent = 0;
  packetsReceived = 0;
  /** When media last arrived (or the leg was made), performance.now() ms: a silent peer is gone. */
  lastReceivedAt = performance.now();
  onAudio?: ((samples: Int16Array) => void) | undefined;
  onKey?: ((key: string) => void) | undefined;
  /** The connection failed or closed (not called for our own close()). */
  onClosed?: (reason: string) => void;

  constructor(private readonly options: WebRtcLegOptions) {
    const loopback = isLoopback(options.host);
    const config: RTCPeerConnectionConfig = {
      codecs: {
        audio: [
          new RTCRtpCodecParameters({ mimeType: "audio/PCMU", clockRate: 8000, channels: 1, payloadType: PCMU }),
          new RTCRtpCodecParameters({ mimeType: "audio/telephone-event", clockRate: 8000, channels: 1, payloadType: 101 }),
        ],
      },
      iceUseIpv6: options.host.includes(":"),
      iceUseIpv4: !options.host.includes(":"),
      ...(loopback
        ? {
            iceAdditionalHostAddresses: [options.host],
            iceInterfaceAddresses: options.host.includes(":") ? { udp6: options.host } : { udp4: options.host },
            iceFilterCandidatePair: (pair) => isLoopback(pair.remoteCandidate.host),
          }
        : {}),
    };
    this.pc = new RTCPeerConnection(config);
    this.pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => this.receive(rtp.header.payloadType, rtp.header.timestamp, rtp.payload));
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") {
        this.startSending();
        for (const w of this.connectedWaiters.splice(0)) w();
      }
      if ((state === "failed" || state === "closed") && !this.closed) {
        this.close();
        this.onClosed?.(state === "failed" ? "connection failed" : "connection closed");
      }
    });
  }

  get connected(): boolean {
    return this.pc.connectionState === "connected";
  }

  /** Resolves once media flows (ICE and DTLS done). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Takes the browser's offer; returns our answer (with every ICE candidate in it). */
  async answer(offerSdp: string): Promise<string> {
    const { audio } = this.checkOffer(offerSdp);
    this.dtmfPayloadTypes = new Set(audio.rtp.filter((r) => r.codec.toLowerCase() === "telephone-event" && r.rate === 8000).map((r) => r.payload));
    try {
      await this.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
    } catch (err) {
      throw new WebRtcError(`the offer was refused: ${(err as Error).message}`);
    }
    const transceiver = this.pc.getTransceivers().find((t) => t.kind === "audio");
    if (!transceiver) throw new WebRtcError("the offer has no audio");
    await transceiver.sender.replaceTrack(this.track);
    transceiver.setDirection("sendrecv");
    return this.localAnswer();
  }

  /**
   * A new offer on the live connection (a SIP re-INVITE or UPDATE: hold, resume, new ICE
   * parameters): werift renegotiates on the same transports; returns our answer. The direction
   * the browser offers decides whether we send (not while it holds us).
   */
  async renegotiate(offerSdp: string): Promise<{ answer: string; direction: string }> {
    if (this.closed) throw new WebRtcError("the WebRTC connection is closed");
    const { audio, direction } = this.checkOffer(offerSdp);
    try {
      await this.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
    } catch (err) {
      throw new WebRtcError(`the offer was refused: ${(err as Error).message}`);
    }
    for (const r of audio.rtp) if (r.codec.toLowerCase() === "telephone-event" && r.rate === 8000) this.dtmfPayloadTypes.add(r.payload);
    this.sending = direction === "sendrecv" || direction === "recvonly";
    return { answer: await this.localAnswer(), direction };
  }

  /** Sends or not (the peer holds us); what plays goes on unsent. */
  setSending(on: boolean): void {
    this.sending = on;
  }

  private async localAnswer(): Promise<string> {
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this.gathered();
    const made = this.pc.localDescription?.sdp;
    if (!made) throw new WebRtcError("no answer could be made");
    const sdp = this.withOrigin(made);
    // The browser may send keys with the payload type of either side's description.
    for (const m of parseSdp(sdp).media) for (const r of m.rtp) if (r.codec.toLowerCase() === "telephone-event") this.dtmfPayloadTypes.add(r.payload);
    return sdp;
  }

  /**
   * werift writes a new session id and version 0 into every description; RFC 3264 §8 wants one
   * session id for the call and a version that rises with each changed description (SIP peers
   * check it), so the o= line is ours.
   */
  private withOrigin(sdp: string): string {
    const rest = sdp.replace(/^o=.*\r?\n/m, "");
    if (!this.origin) this.origin = { id: randomInt(1, 2 ** 31 - 1), version: 1, rest };
    else if (rest !== this.origin.rest) this.origin = { ...this.origin, version: this.origin.version + 1, rest };
    return sdp.replace(/^o=(\S+) \d+ \d+ /m, `o=$1 ${this.origin.id} ${this.origin.version} `);
  }

  private checkOffer(offerSdp: string) {
    let offered: ReturnType<typeof parseSdp>;
    try {
      offered = parseSdp(offerSdp);
    } catch (err) {
      throw new WebRtcError(`the offer is not SDP: ${(err as Error).message}`);
    }
    const audio = offered.media.find((m) => m.type === "audio");
    if (!audio) throw new WebRtcError("the offer has no audio");
    if (!audio.rtp.some((r) => r.codec.toUpperCase() === "PCMU" && r.rate === 8000)) throw new WebRtcError("the offer does not include PCMU (G.711 µ-law), the only codec ccflow's WebRTC audio speaks");
    return { audio, direction: audio.direction ?? offered.direction ?? "sendrecv" };
  }

  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ICE_GATHERING_MS);
      const sub = this.pc.iceGatheringStateChange.subscribe((s) => {
        if (s === "complete") done();
      });
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }

  play(source: FrameSource, onEnd?: () => void): void {
    const previous = this.onSourceEnd;
    this.source = source;
    this.onSourceEnd = onEnd;
    if (previous && previous !== onEnd) previous();
  }

  stop(source: FrameSource): void {
    if (this.source !== source) return;
    this.source = undefined;
    this.onSourceEnd = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTicks?.();
    this.stopTicks = undefined;
    this.source = undefined;
    const end = this.onSourceEnd;
    this.onSourceEnd = undefined;
    end?.();
    void this.pc.close().catch(() => undefined);
  }

  private startSending(): void {
    if (this.stopTicks || this.closed) return;
    this.stopTicks = (this.options.pacer ?? sharedPacer).add(() => this.tick());
  }

  private tick(): void {
    this.frame.fill(0);
    const source = this.source;
    let ended = false;
    if (source) ended = !source.fill(this.frame);
    if (!this.sending) {
      if (ended && this.source === source) {
        this.source = undefined;
        const end = this.onSourceEnd;
        this.onSourceEnd = undefined;
        end?.();
      }
      return;
    }
    const header = new RtpHeader({ payloadType: PCMU, sequenceNumber: this.sequence, timestamp: this.timestamp, ssrc: this.ssrc, marker: false });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_PACKET) >>> 0;
    this.track.writeRtp(new RtpPacket(header, Buffer.from(encodeG711("PCMU", this.frame))));
    this.packetsSent++;
    if (ended && this.source === source) {
      this.source = undefined;
      const end = this.onSourceEnd;
      this.onSourceEnd = undefined;
      end?.();
    }
  }

  private receive(payloadType: number, timestamp: number, payload: Buffer): void {
    if (this.closed) return;
    this.lastReceivedAt = performance.now();
    if (payloadType === PCMU) {
      this.packetsReceived++;
      this.onAudio?.(decodeG711("PCMU", payload));
    } else if (this.dtmfPayloadTypes.has(payloadType)) {
      this.packetsReceived++;
      const key = this.dtmf.receive(timestamp, payload);
      if (key) this.onKey?.(key);
    }
  }
}
