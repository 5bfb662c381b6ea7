/**
 * SRTP for the tests' side of a call, written from RFC 3711 with node:crypto alone (AES-128 in
 * counter mode, HMAC-SHA1 tags of 80 bits, key derivation rate 0), so the server's SRTP — werift's
 * cipher — is checked against an implementation it shares no code with.
 */
import { createCipheriv, createHmac } from "node:crypto";

function derive(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  iv[7]! ^= label;
  return createCipheriv("aes-128-ctr", masterKey, iv).update(Buffer.alloc(length));
}

export class SrtpPeer {
  private readonly cipherKey: Buffer;
  private readonly authKey: Buffer;
  private readonly salt: Buffer;

  /** `key`: the 30-byte master key and salt, as `a=crypto … inline:` carries it. */
  constructor(key: Buffer) {
    const masterKey = key.subarray(0, 16);
    const masterSalt = key.subarray(16, 30);
    this.cipherKey = derive(masterKey, masterSalt, 0, 16);
    this.authKey = derive(masterKey, masterSalt, 1, 20);
    this.salt = derive(masterKey, masterSalt, 2, 14);
  }

  private keystream(ssrc: number, index: number, data: Buffer): Buffer {
    const iv = Buffer.alloc(16);
    this.salt.copy(iv, 0);
    const ssrcBytes = Buffer.alloc(4);
    ssrcBytes.writeUInt32BE(ssrc >>> 0);
    for (let i = 0; i < 4; i++) iv[4 + i]! ^= ssrcBytes[i]!;
    const indexBytes = Buffer.alloc(6);
    indexBytes.writeUIntBE(index, 0, 6);
    for (let i = 0; i < 6; i++) iv[8 + i]! ^= indexBytes[i]!;
    return createCipheriv("aes-128-ctr", this.cipherKey, iv).update(data);
  }

  private tag(authenticated: Buffer, roc: number): Buffer {
    const r = Buffer.alloc(4);
    r.writeUInt32BE(roc);
    return createHmac("sha1", this.authKey).update(authenticated).update(r).digest().subarray(0, 10);
  }

  /** A plain RTP packet (12-byte header, no CSRC or extension) encrypted and tagged; `roc` 0. */
  protect(rtp: Buffer): Buffer {
    const seq = rtp.readUInt16BE(2);
    const ssrc = rtp.readUInt32BE(8);
    const body = Buffer.concat([rtp.subarray(0, 12), this.keystream(ssrc, seq, rtp.subarray(12))]);
    return Buffer.concat([body, this.tag(body, 0)]);
  }

  /**
   * The plain RTP packet, or undefined when the tag does not verify. A test call is short: the
   * rollover counter is 0, or 1 once the sender's random first sequence number has wrapped.
   */
  unprotect(srtp: Buffer): Buffer | undefined {
    if (srtp.length < 22) return undefined;
    const body = srtp.subarray(0, srtp.length - 10);
    const roc = [0, 1].find((r) => this.tag(body, r).equals(srtp.subarray(srtp.length - 10)));
    if (roc === undefined) return undefined;
    const cc = body[0]! & 0x0f;
    const extension = (body[0]! & 0x10) !== 0;
    let offset = 12 + cc * 4;
    if (extension) offset += 4 + body.readUInt16BE(offset + 2) * 4;
    const seq = body.readUInt16BE(2);
    const ssrc = body.readUInt32BE(8);
    return Buffer.concat([body.subarray(0, offset), this.keystream(ssrc, roc * 0x10000 + seq, body.subarray(offset))]);
  }
}
