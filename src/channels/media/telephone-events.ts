/**
 * RFC 4733 telephone-events in: one key per event, however many packets carry it. An event is
 * identified by its RTP timestamp (every packet of one event, the three redundant end packets
 * included, carries the event's start timestamp). A key counts at its first packet, so barge-in
 * does not wait for the key's release; later packets of the same event are ignored.
 */

const KEYS = "0123456789*#ABCD";

export class TelephoneEventReceiver {
  private lastTimestamp?: number;
  private lastEvent?: number;

  /** Returns the key a packet starts, or undefined for a repeat, an end packet or a non-key event. */
  receive(timestamp: number, payload: Buffer): string | undefined {
    if (payload.length < 4) return undefined;
    const event = payload[0]!;
    if (event >= KEYS.length) return undefined;
    if (this.lastTimestamp === timestamp && this.lastEvent === event) return undefined;
    this.lastTimestamp = timestamp;
    this.lastEvent = event;
    return KEYS[event];
  }
}

/** The payload of one telephone-event packet (for tests and the agent leg later). */
export function telephoneEventPayload(key: string, end: boolean, durationSamples: number, volume = 10): Buffer {
  const event = KEYS.indexOf(key.toUpperCase());
  if (event < 0) throw new Error(`"${key}" is not a DTMF key`);
  const buf = Buffer.alloc(4);
  buf[0] = event;
  buf[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  buf.writeUInt16BE(Math.min(0xffff, durationSamples), 2);
  return buf;
}
