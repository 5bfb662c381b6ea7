/**
 * bench/voice's ear (compiled with the benches: dist/bench/voice/rtp-sink.js), in a process of its own so that receiving does not share the event loop it
 * measures. One UDP port per kind of call (argv: kind names); for every RTP packet it notes when it
 * arrived against the packet's own RTP clock (timestamp / 8 kHz): per stream (SSRC), a packet's
 * lateness is (arrival − timestamp time) minus the stream's smallest such difference, i.e. how much
 * later than its stream's best packet it left and arrived. Headers are read only, so SRTP packets
 * count too.
 *
 * stdout: one line `{"ports":{kind:port}}` once bound. stdin: `start` clears the counts (the
 * window begins), `stop` prints `{"kinds":{kind:{packets,streams,p50,p99,max}}}` and exits.
 */
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";

interface Stream {
  ts0: number;
  /** Per packet: arrival ms minus its RTP timestamp in ms (from the stream's first). */
  points: number[];
}

const kinds = process.argv.slice(2);
const streams = new Map(kinds.map((k) => [k, new Map<number, Stream>()]));
let recording = false;
const ports: Record<string, number> = {};

await Promise.all(
  kinds.map(
    (kind) =>
      new Promise<void>((resolve) => {
        const socket = createSocket("udp4");
        socket.on("message", (msg) => {
          if (!recording || msg.length < 12 || (msg[0]! & 0xc0) !== 0x80) return;
          const at = performance.now();
          const ssrc = msg.readUInt32BE(8);
          const ts = msg.readUInt32BE(4);
          const byKind = streams.get(kind)!;
          let s = byKind.get(ssrc);
          if (!s) byKind.set(ssrc, (s = { ts0: ts, points: [] }));
          s.points.push(at - ((ts - s.ts0) >>> 0) / 8);
        });
        socket.bind(0, "127.0.0.1", () => {
          ports[kind] = socket.address().port;
          resolve();
        });
      }),
  ),
);
process.stdout.write(`${JSON.stringify({ ports })}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "start") {
    for (const byKind of streams.values()) byKind.clear();
    recording = true;
  } else if (line.trim() === "stop") {
    recording = false;
    const out: Record<string, { packets: number; streams: number; p50: number; p99: number; max: number }> = {};
    for (const [kind, byKind] of streams) {
      const late: number[] = [];
      let packets = 0;
      for (const s of byKind.values()) {
        const best = s.points.reduce((a, b) => Math.min(a, b), Infinity);
        for (const p of s.points) late.push(p - best);
        packets += s.points.length;
      }
      late.sort((a, b) => a - b);
      out[kind] = { packets, streams: byKind.size, p50: percentile(late, 50), p99: percentile(late, 99), max: late[late.length - 1] ?? 0 };
    }
    process.stdout.write(`${JSON.stringify({ kinds: out })}\n`, () => process.exit(0));
  }
});
