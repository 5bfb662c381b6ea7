/**
 * SDP offer/answer (RFC 3264) for one audio stream: G.711 (PCMU, PCMA) and RFC 4733
 * telephone-event, over RTP/AVP, or RTP/SAVP with SDES keys (RFC 4568, `a=crypto`, the suite
 * AES_CM_128_HMAC_SHA1_80). Parsing and writing go through sdp-transform; this module only decides.
 */
import { parse, write, type SessionDescription } from "sdp-transform";

export type G711Codec = "PCMU" | "PCMA";

export interface MediaOffer {
  /** Where the caller wants our RTP. */
  address: string;
  port: number;
  codec: G711Codec;
  payloadType: number;
  /** The caller's telephone-event payload type, when offered. */
  dtmfPayloadType?: number;
  /** sendrecv unless the caller said otherwise (hold). */
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** RTP/SAVP: the crypto line we took (its tag) and the caller's master key and salt (30 bytes). */
  srtp?: { tag: number; key: Buffer };
}

/** The one SRTP suite taken (RFC 4568 §6.2.1): AES counter mode, HMAC-SHA1 tags of 80 bits. */
export const SRTP_SUITE = "AES_CM_128_HMAC_SHA1_80";
/** Its master key (16 bytes) and salt (14 bytes), as `inline:` carries them. */
export const SRTP_KEY_BYTES = 30;

export class SdpError extends Error {
  /** 400 for SDP that does not parse, 488 for SDP we cannot agree with. */
  constructor(
    readonly status: 400 | 488,
    message: string,
  ) {
    super(message);
  }
}

const STATIC: Record<number, G711Codec> = { 0: "PCMU", 8: "PCMA" };

/** A browser's WebRTC offer (ICE and DTLS-SRTP, RTP/SAVPF), which only a WebRTC stack can answer. */
export function isWebRtcOffer(text: string): boolean {
  return /^m=audio [0-9]+ (UDP\/TLS\/RTP\/SAVPF|RTP\/SAVPF)\b/im.test(text) && /^a=fingerprint:/im.test(text);
}

/** Reads an offer and picks the first G.711 codec the caller lists. */
export function readOffer(text: string): MediaOffer {
  if (!/^v=0\r?\n/.test(text)) throw new SdpError(400, "SDP does not start with v=0");
  const bad = text.split(/\r?\n/).findIndex((line) => line !== "" && !/^[a-z]=/.test(line));
  if (bad >= 0) throw new SdpError(400, `SDP line ${bad + 1} is not type=value`);
  let sdp: SessionDescription;
  try {
    sdp = parse(text);
  } catch {
    throw new SdpError(400, "SDP does not parse");
  }
  const audio = (sdp.media ?? []).find((m) => m.type === "audio" && m.port > 0);
  if (!audio) throw new SdpError(488, "SDP offers no audio stream");
  const secure = /^RTP\/SAVP$/i.test(audio.protocol);
  if (!secure && !/^RTP\/AVP$/i.test(audio.protocol)) throw new SdpError(488, `audio transport ${audio.protocol} is not RTP/AVP or RTP/SAVP`);
  let srtp: MediaOffer["srtp"];
  if (secure) {
    for (const c of audio.crypto ?? []) {
      // inline:<base64 key||salt>[|lifetime][|MKI:length]; keys with an MKI are not taken.
      const m = /^inline:([A-Za-z0-9+/]+={0,2})(\|[^|]*)?$/.exec(c.config.trim());
      if (c.suite.toUpperCase() !== SRTP_SUITE || !m) continue;
      const key = Buffer.from(m[1]!, "base64");
      if (key.length !== SRTP_KEY_BYTES) continue;
      srtp = { tag: c.id, key };
      break;
    }
    if (!srtp) throw new SdpError(488, `RTP/SAVP offered without a usable a=crypto line (ccflow takes ${SRTP_SUITE} with one inline key, no MKI)`);
  }
  const address = audio.connection?.ip ?? sdp.connection?.ip;
  if (!address || !/^[0-9a-f.:]+$/i.test(address)) throw new SdpError(400, "SDP has no c= address for the audio stream");
  if (!Number.isInteger(audio.port) || audio.port < 1 || audio.port > 65535) throw new SdpError(400, "SDP audio port is out of range");

  const payloads = String(audio.payloads ?? "")
    .trim()
    .split(/\s+/)
    .filter((p) => /^\d{1,3}$/.test(p))
    .map(Number);
  const names = new Map<number, { codec: string; rate: number }>();
  for (const r of audio.rtp ?? []) names.set(r.payload, { codec: r.codec.toUpperCase(), rate: r.rate ?? 8000 });
  let chosen: { pt: number; codec: G711Codec } | undefined;
  let dtmf: number | undefined;
  for (const pt of payloads) {
    const named = names.get(pt);
    const codec = named ? named.codec : STATIC[pt];
    const rate = named?.rate ?? 8000;
    if (!chosen && (codec === "PCMU" || codec === "PCMA") && rate === 8000) chosen = { pt, codec };
    if (dtmf === undefined && codec === "TELEPHONE-EVENT" && rate === 8000) dtmf = pt;
  }
  if (!chosen) throw new SdpError(488, `no common codec: offered ${payloads.map((p) => names.get(p)?.codec ?? p).join(", ") || "none"}; ccflow takes PCMU and PCMA`);
  const direction = (audio.direction ?? sdp.direction ?? "sendrecv") as MediaOffer["direction"];
  return { address, port: audio.port, codec: chosen.codec, payloadType: chosen.pt, ...(dtmf !== undefined ? { dtmfPayloadType: dtmf } : {}), direction, ...(srtp ? { srtp } : {}) };
}

const ANSWER_DIRECTION: Record<MediaOffer["direction"], MediaOffer["direction"]> = {
  sendrecv: "sendrecv",
  sendonly: "recvonly",
  recvonly: "sendonly",
  inactive: "inactive",
};

/**
 * Our answer: the chosen codec, telephone-event when the caller offered it, our RTP address; for
 * RTP/SAVP, our own master key (`local.srtpKey`) under the tag of the crypto line we took.
 */
export function writeAnswer(offer: MediaOffer, local: { address: string; port: number; sessionId: number; version: number; srtpKey?: Buffer }): string {
  if (offer.srtp && local.srtpKey?.length !== SRTP_KEY_BYTES) throw new Error("an RTP/SAVP answer needs our SRTP master key");
  const ip4 = !local.address.includes(":");
  const rtp: Array<{ payload: number; codec: string; rate: number }> = [{ payload: offer.payloadType, codec: offer.codec, rate: 8000 }];
  const payloads = [offer.payloadType];
  const fmtp: Array<{ payload: number; config: string }> = [];
  if (offer.dtmfPayloadType !== undefined) {
    rtp.push({ payload: offer.dtmfPayloadType, codec: "telephone-event", rate: 8000 });
    payloads.push(offer.dtmfPayloadType);
    fmtp.push({ payload: offer.dtmfPayloadType, config: "0-16" });
  }
  const sdp: SessionDescription = {
    version: 0,
    origin: { username: "ccflow", sessionId: local.sessionId, sessionVersion: local.version, netType: "IN", ipVer: ip4 ? 4 : 6, address: local.address },
    name: "ccflow",
    connection: { version: ip4 ? 4 : 6, ip: local.address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: "audio",
        port: local.port,
        protocol: offer.srtp ? "RTP/SAVP" : "RTP/AVP",
        payloads: payloads.join(" "),
        rtp,
        fmtp,
        ptime: 20,
        direction: ANSWER_DIRECTION[offer.direction],
        ...(offer.srtp && local.srtpKey ? { crypto: [{ id: offer.srtp.tag, suite: SRTP_SUITE, config: `inline:${local.srtpKey.toString("base64")}` }] } : {}),
      },
    ],
  };
  return write(sdp);
}
