/**
 * SIPp as the caller, and an RTP recorder as its ear: the scenarios' SDP points our RTP at the
 * recorder (`-key rtp_port`), while SIPp sends its own DTMF from its media port.
 */
import { spawn, spawnSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeG711 } from "../../../src/channels/media/g711.js";
import { parseRtp, type RtpPacket } from "../../../src/channels/media/rtp-packet.js";

export const scenarioDir = join(dirname(fileURLToPath(import.meta.url)), "scenarios");

function installed(binary: string, args: string[]): boolean {
  const r = spawnSync(binary, args, { stdio: "ignore" });
  return !r.error;
}

export const hasSipp = installed("sipp", ["-v"]);
export const hasEspeak = installed("espeak-ng", ["--version"]);
if (!hasSipp) process.stderr.write("notice: sipp (Debian sip-tester) is not installed; the SIPp call tests are skipped\n");
if (!hasEspeak) process.stderr.write("notice: espeak-ng is not installed; the SIPp call tests (which hear TTS prompts) are skipped\n");

export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Heard {
  at: number;
  packet: RtpPacket;
  from: { address: string; port: number };
}

/** A talkspurt: packets from one marker bit to the next. */
export interface Spurt {
  packets: RtpPacket[];
  /** By RTP timestamps: what a receiver plays, ms. */
  durationMs: number;
  /** Root mean square of the decoded samples (0 for digital silence). */
  rms: number;
  /** Sequence numbers consecutive and timestamps 160 apart within the spurt. */
  contiguous: boolean;
}

export class RtpRecorder {
  readonly heard: Heard[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async open(): Promise<RtpRecorder> {
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    const rec = new RtpRecorder(socket, socket.address().port);
    socket.on("message", (msg, rinfo) => {
      const packet = parseRtp(msg);
      if (packet) rec.heard.push({ at: performance.now(), packet, from: { address: rinfo.address, port: rinfo.port } });
    });
    return rec;
  }

  /** What was heard from packet `from` on, decoded to samples. */
  samples(from = 0): number[] {
    const out: number[] = [];
    for (const h of this.heard.slice(from)) for (const s of decodeG711(h.packet.payloadType === 8 ? "PCMA" : "PCMU", h.packet.payload)) out.push(s);
    return out;
  }

  spurts(): Spurt[] {
    const spurts: RtpPacket[][] = [];
    for (const { packet } of this.heard) {
      if (packet.marker || spurts.length === 0) spurts.push([]);
      spurts[spurts.length - 1]!.push(packet);
    }
    return spurts.map((packets) => {
      let sum = 0;
      let n = 0;
      let contiguous = true;
      packets.forEach((p, i) => {
        const codec = p.payloadType === 8 ? "PCMA" : "PCMU";
        for (const s of decodeG711(codec, p.payload)) {
          sum += s * s;
          n++;
        }
        if (i > 0) {
          const prev = packets[i - 1]!;
          if (((prev.sequence + 1) & 0xffff) !== p.sequence || ((prev.timestamp + 160) >>> 0) !== p.timestamp) contiguous = false;
        }
      });
      return { packets, durationMs: packets.length * 20, rms: n ? Math.sqrt(sum / n) : 0, contiguous };
    });
  }

  close(): void {
    this.socket.close();
  }
}

export interface SippRun {
  done: Promise<{ code: number | null; output: string }>;
  /** SIPp's own SIP port (for the test's cue). */
  sipPort: number;
  kill(): void;
}

export async function runSipp(scenario: string, o: { target: string; dnis: string; ani: string; rtpPort: number; transport?: "u1" | "t1"; cwd?: string; extraArgs?: string[] }): Promise<SippRun> {
  const sipPort = await freeUdpPort();
  const mediaPort = await freeUdpPort();
  const args = [o.target, "-sf", join(scenarioDir, scenario), "-m", "1", "-s", o.dnis, "-key", "ani", o.ani, "-key", "rtp_port", String(o.rtpPort)];
  args.push("-i", "127.0.0.1", "-p", String(sipPort), "-mp", String(mediaPort), "-t", o.transport ?? "u1", "-nostdin", "-timeout", "120", "-timeout_error", ...(o.extraArgs ?? []));
  const child = spawn("sipp", args, { stdio: ["ignore", "pipe", "pipe"], cwd: o.cwd ?? scenarioDir });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on("close", (code) => resolve({ code, output })));
  return { done, sipPort, kill: () => child.kill("SIGKILL") };
}

/** The test's cue to the SIPp caller: an OPTIONS on its call, sent to its SIP port. */
export async function cue(callId: string, sippPort: number, transport: "u1" | "t1" = "u1"): Promise<void> {
  const message = [
    `OPTIONS sip:caller@127.0.0.1:${sippPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKcue${Date.now()}`,
    "From: <sip:cue@127.0.0.1>;tag=cue",
    "To: <sip:caller@127.0.0.1>",
    `Call-ID: ${callId}`,
    "CSeq: 1 OPTIONS",
    "Max-Forwards: 70",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  if (transport === "t1") {
    const c = connect(sippPort, "127.0.0.1");
    await new Promise<void>((r) => c.once("connect", () => r()));
    await new Promise<void>((r) => c.write(message.replace("SIP/2.0/UDP", "SIP/2.0/TCP"), () => r()));
    // SIPp keeps the connection; ours ends with the test.
    setTimeout(() => c.destroy(), 2000).unref();
    c.on("error", () => undefined);
    return;
  }
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.send(message, sippPort, "127.0.0.1", () => r()));
  s.close();
}

/** Sends one datagram to the SIP server and waits for a reply (or `ms`); undefined when none came. */
export async function sendUdp(port: number, message: Buffer | string, ms = 1500): Promise<string | undefined> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, ms);
    s.on("message", (msg) => {
      const text = msg.toString("latin1");
      if (/^SIP\/2\.0 1\d\d/.test(text)) return; // provisional: wait for the final answer
      clearTimeout(timer);
      s.close();
      resolve(text);
    });
    s.send(typeof message === "string" ? Buffer.from(message, "latin1") : message, port, "127.0.0.1");
  });
}
