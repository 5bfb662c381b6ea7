/** Offer/answer as a phone or trunk meets it: which codec we take, and what we refuse. */
import { describe, expect, it } from "vitest";
import { readOffer, SdpError, writeAnswer } from "../../../src/channels/sip/sdp.js";

const offer = (m: string, extra = "") => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP ${m}\r\n${extra}`;

describe("SDP offer/answer", () => {
  it("takes the caller's first G.711 codec and its telephone-event payload type", () => {
    const o = readOffer(offer("8 0 101", "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"));
    expect(o).toMatchObject({ address: "127.0.0.1", port: 4000, codec: "PCMA", payloadType: 8, dtmfPayloadType: 101, direction: "sendrecv" });
    const answer = writeAnswer(o, { address: "127.0.0.1", port: 20000, sessionId: 1, version: 1 });
    expect(answer).toContain("m=audio 20000 RTP/AVP 8 101\r\n");
    expect(answer).toContain("a=rtpmap:101 telephone-event/8000\r\n");
    expect(answer).toContain("a=ptime:20\r\n");
  });

  it("knows the static payload types without rtpmap lines", () => {
    expect(readOffer(offer("18 0"))).toMatchObject({ codec: "PCMU", payloadType: 0 });
  });

  it("refuses unknown codecs with 488, naming what was offered", () => {
    const err = (() => {
      try {
        readOffer(offer("9 111", "a=rtpmap:9 G722/8000\r\na=rtpmap:111 opus/48000/2\r\n"));
      } catch (e) {
        return e as SdpError;
      }
    })();
    expect(err).toBeInstanceOf(SdpError);
    expect(err!.status).toBe(488);
    expect(err!.message).toContain("G722");
  });

  it.each([
    ["not SDP at all", "hello"],
    ["no address", "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"],
    ["an impossible port", offer("0").replace("m=audio 4000", "m=audio 99999")],
  ])("refuses broken SDP (%s) with 400", (_what, text) => {
    expect(() => readOffer(text)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it("refuses an offer without audio, or RTP/SAVP without keys, with 488", () => {
    expect(() => readOffer(offer("0").replace("m=audio", "m=video"))).toThrow(expect.objectContaining({ status: 488 }));
    expect(() => readOffer(offer("0").replace("RTP/AVP", "RTP/SAVP"))).toThrow(expect.objectContaining({ status: 488, message: expect.stringMatching(/a=crypto/) }));
  });

  it("takes RTP/SAVP with an AES_CM_128_HMAC_SHA1_80 key (SDES), skipping other suites and keys with an MKI, and answers with our key under its tag", () => {
    const key = Buffer.alloc(30, 7);
    const other = Buffer.alloc(30, 9).toString("base64");
    const sdp = offer("0", `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${other}\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${other}|2^20|1:4\r\na=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${key.toString("base64")}|2^31\r\n`).replace("RTP/AVP", "RTP/SAVP");
    const o = readOffer(sdp);
    expect(o.srtp?.tag).toBe(3);
    expect(o.srtp?.key.equals(key)).toBe(true);
    const ours = Buffer.alloc(30, 1);
    const answer = writeAnswer(o, { address: "127.0.0.1", port: 20000, sessionId: 1, version: 1, srtpKey: ours });
    expect(answer).toContain("m=audio 20000 RTP/SAVP 0\r\n");
    expect(answer).toContain(`a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${ours.toString("base64")}\r\n`);
    expect(() => writeAnswer(o, { address: "127.0.0.1", port: 20000, sessionId: 1, version: 1 })).toThrow(/SRTP master key/);
    // A key of the wrong length is no key.
    expect(() => readOffer(sdp.replace(/a=crypto:3 [^\r]*/, `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(16).toString("base64")}`))).toThrow(expect.objectContaining({ status: 488 }));
  });
});
