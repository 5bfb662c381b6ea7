/**
 * A WebRTC endpoint for tests that need one without a browser: werift as the offering side (what
 * the agent desktop's RTCPeerConnection does), sending a tone in 20 ms PCMU packets and keeping
 * every sample it hears.
 */
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from "werift";
import { decodeG711, encodeG711 } from "../../../src/channels/media/g711.js";

export class WeriftPhone {
  readonly pc = new RTCPeerConnection({
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: "audio/PCMU", clockRate: 8000, channels: 1, payloadType: 0 })] },
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceInterfaceAddresses: { udp4: "127.0.0.1" },
    iceUseIpv6: false,
  });
  private readonly track = new MediaStreamTrack({ kind: "audio" });
  /** Every sample received, in order. */
  heard: number[] = [];
  private timer?: NodeJS.Timeout;

  constructor() {
    this.pc.addTransceiver(this.track, { direction: "sendrecv" });
    this.pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((rtp) => {
      if (rtp.header.payloadType === 0) for (const s of decodeG711("PCMU", rtp.payload)) this.heard.push(s);
    }));
  }

  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await new Promise<void>((resolve) => {
      if (this.pc.iceGatheringState === "complete") return resolve();
      this.pc.iceGatheringStateChange.subscribe((s) => s === "complete" && resolve());
    });
    return this.pc.localDescription!.sdp;
  }

  /** A new offer on the live connection, our direction changed (hold: sendonly or inactive). */
  async reoffer(direction: "sendrecv" | "sendonly" | "inactive"): Promise<string> {
    this.pc.getTransceivers()[0]!.setDirection(direction);
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.pc.localDescription!.sdp;
  }

  async accept(answer: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "answer", sdp: answer });
  }

  /** Sends `samples` (8 kHz) looped, 160 per 20 ms, until stop(). */
  talk(samples: Int16Array): void {
    let seq = 0;
    let ts = 0;
    let pos = 0;
    const frame = new Int16Array(160);
    this.timer = setInterval(() => {
      for (let i = 0; i < 160; i++) frame[i] = samples[(pos + i) % samples.length]!;
      pos = (pos + 160) % samples.length;
      const header = new RtpHeader({ payloadType: 0, sequenceNumber: seq++ & 0xffff, timestamp: (ts += 160) >>> 0, ssrc: 4242, marker: false });
      this.track.writeRtp(new RtpPacket(header, Buffer.from(encodeG711("PCMU", frame))));
    }, 20);
  }

  /** What was heard from now on, after `ms`. */
  async listen(ms: number): Promise<number[]> {
    const from = this.heard.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.heard.slice(from);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pc.close();
  }
}
