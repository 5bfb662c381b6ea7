/**
 * Concurrent SIP calls of four kinds on one shared 20 ms pacer, in one run:
 *
 * - **plain**: SIPp callers (bench/voice/uac-hold.xml) hearing the generated hold music looped as
 *   G.711 µ-law RTP;
 * - **tts**: SIPp callers hearing espeak-ng prompts one after another (four sentences rendered
 *   through the same TTS cache the flows use, each played to its end, then the next);
 * - **bridged**: SIPp callers who talk (bench/voice/uac-talk.xml, rtp_stream) bridged in pairs by
 *   the caller–agent `AudioBridge`, so each hears the other: RTP in, decoded, queued, re-encoded;
 * - **srtp**: SRTP legs (AES_CM_128_HMAC_SHA1_80, werift's cipher) playing the music. These have
 *   no SIP: SIPp here has no TLS and ccflow takes SDES keys only over TLS, so the bench opens the
 *   RTP sessions itself with keys; the media path (pacer, encode, encrypt, send) is the calls'.
 *
 * Send jitter is measured two ways over a steady window with every call up: per pacer tick (from
 * the tick's due time to its last packet sent, all kinds together), and per kind by an RTP sink in
 * a process of its own (bench/voice/rtp-sink.ts: each packet's arrival against its own RTP
 * timestamp, relative to its stream's best packet), median and p99. Also: ticks dropped after
 * stalls (gaps) and this process's CPU per call.
 *
 * Baseline, in the same run: SIPp's own UAS (bench/voice/uas-music.xml) does the plain work for
 * the same number of calls from the same caller scenario — answer, stream the same music as µ-law
 * 20 ms RTP (rtp_stream) until the BYE. Its RTP goes to a socket here that counts packets (to show
 * the work was done); its CPU is read from /proc over an equal window. SIPp cannot report its own
 * send lateness, so the comparison is CPU per call and packets delivered per second.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { AudioBridge } from "../src/channels/media/audio-bridge.js";
import { encodeG711 } from "../src/channels/media/g711.js";
import { musicOnHold } from "../src/channels/media/music-on-hold.js";
import { sharedPacer } from "../src/channels/media/pacer.js";
import { RtpSession, SampleSource } from "../src/channels/media/rtp-session.js";
import { Tts } from "../src/channels/media/tts.js";
import { SipAccess } from "../src/channels/sip/access.js";
import { SipServer, type SipCall } from "../src/channels/sip/sip-server.js";
import { packageRoot } from "../src/server/paths.js";
import type { BenchModule } from "./types.js";

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/** A WAV file of µ-law samples (format 7), as SIPp's rtp_stream reads. */
function muLawWav(samples: Int16Array): Buffer {
  const data = Buffer.from(encodeG711("PCMU", samples));
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVE", 8);
  h.write("fmt ", 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(7, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** CPU time (user + system) a process has used, ms, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
  // After "(comm) ": field 3 is state, so utime (14) and stime (15) are at 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function waitFor(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null ? r() : child.on("close", () => r())));
}

/** SIPp's UAS doing ccflow's work: returns its CPU per call and the packets per second it delivered. */
async function sippBaseline(calls: number, windowMs: number, holdMs: number, log: (line: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-bench-uas-"));
  writeFileSync(join(dir, "music.wav"), muLawWav(musicOnHold()));
  const counter = createSocket("udp4");
  await new Promise<void>((r) => counter.bind(0, "127.0.0.1", () => r()));
  let packets = 0;
  /** SSRCs seen: one stream per call. */
  const sources = new Set<number>();
  counter.on("message", (m) => {
    packets++;
    if (m.length >= 12) sources.add(m.readUInt32BE(8));
  });
  const uasPort = await freeUdpPort();
  const uasMedia = await freeUdpPort();
  const uas = spawn("sipp", ["-sf", join(packageRoot, "bench/voice/uas-music.xml"), "-i", "127.0.0.1", "-p", String(uasPort), "-mp", String(uasMedia), "-nostdin", "-m", String(calls)], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  uas.on("error", () => undefined);
  const uacPort = await freeUdpPort();
  const uacArgs = [`127.0.0.1:${uasPort}`, "-sf", join(packageRoot, "bench/voice/uac-hold.xml"), "-s", "+18005550100", "-key", "ani", "+15550000000", "-key", "rtp_port", String(counter.address().port)];
  uacArgs.push("-mp", String(await freeUdpPort()), "-p", String(uacPort), "-i", "127.0.0.1", "-l", String(calls), "-m", String(calls), "-r", "50", "-d", String(holdMs), "-nostdin", "-timeout", String(Math.ceil(holdMs / 1000) + 60));
  const uac = spawn("sipp", uacArgs, { stdio: ["ignore", "ignore", "ignore"] });
  uac.on("error", () => undefined);
  try {
    // Every call streaming: as many RTP streams (SSRCs) as calls.
    const until = Date.now() + 60_000;
    while (sources.size < calls) {
      if (Date.now() > until) throw new Error(`SIPp's UAS streamed to only ${sources.size} of ${calls} calls`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    log(`  baseline: SIPp's UAS streaming to ${calls} calls; measuring ${windowMs / 1000} s`);
    const cpu0 = processCpuMs(uas.pid!);
    const packets0 = packets;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const elapsed = performance.now() - t0;
    const cpuMs = processCpuMs(uas.pid!) - cpu0;
    return { corePercent: (cpuMs / elapsed) * 100, perCall: (cpuMs / elapsed / calls) * 100, packetsPerSecond: ((packets - packets0) * 1000) / elapsed };
  } finally {
    uac.kill("SIGKILL");
    uas.kill("SIGKILL");
    await Promise.all([waitFor(uac), waitFor(uas)]);
    counter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Kind = "plain" | "tts" | "bridged" | "srtp";
const KINDS: Kind[] = ["plain", "tts", "bridged", "srtp"];
const NUMBERS: Record<Exclude<Kind, "srtp">, string> = { plain: "+18005550101", tts: "+18005550102", bridged: "+18005550103" };
const SENTENCES = [
  "Thank you for calling. Your call is important to us.",
  "Please hold while we find the next available agent.",
  "For billing, press one. For technical support, press two.",
  "You can also reach us online at any time of day.",
];

interface SinkFigures {
  packets: number;
  streams: number;
  p50: number;
  p99: number;
  max: number;
}

/** The RTP sink child (bench/voice/rtp-sink.ts): its ports, and start/stop of its window. */
async function startSink(): Promise<{ ports: Record<Kind, number>; start(): void; stop(): Promise<Record<Kind, SinkFigures>>; kill(): void }> {
  // Compiled beside this module (dist/bench/voice/rtp-sink.js).
  const child = spawn(process.execPath, [fileURLToPath(new URL("./voice/rtp-sink.js", import.meta.url)), ...KINDS], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once("line", (l) => resolve(JSON.parse(l) as Record<string, unknown>));
    child.once("exit", () => reject(new Error("the RTP sink exited")));
  });
  const { ports } = (await next()) as { ports: Record<Kind, number> };
  return {
    ports,
    start: () => child.stdin!.write("start\n"),
    stop: async () => {
      const result = next();
      child.stdin!.write("stop\n");
      return ((await result) as { kinds: Record<Kind, SinkFigures> }).kinds;
    },
    kill: () => child.kill("SIGKILL"),
  };
}

/** Plays the sentences one after another, each to its end, for as long as the call lasts. */
function speak(call: SipCall, tts: Tts, i = 0): void {
  if (call.state === "ended") return;
  tts.render({ text: SENTENCES[i % SENTENCES.length]! }).then(
    (samples) => {
      if (call.state !== "ended") call.media.play(new SampleSource(samples), () => speak(call, tts, i + 1));
    },
    () => undefined,
  );
}

const bench: BenchModule = {
  name: "voice",
  async run({ quick, log }) {
    const mix: Record<Kind, number> = quick ? { plain: 10, tts: 4, bridged: 4, srtp: 2 } : { plain: 100, tts: 40, bridged: 40, srtp: 20 };
    const tts = new Tts();
    const ttsOk = await tts.render({ text: SENTENCES[0]! }).then(() => true, (err: unknown) => (log(`  no TTS calls: ${(err as Error).message}`), false));
    if (!ttsOk) {
      mix.plain += mix.tts;
      mix.tts = 0;
    }
    for (const text of SENTENCES) await tts.render({ text }).catch(() => undefined);
    const calls = KINDS.reduce((n, k) => n + mix[k], 0);
    const sipCalls = calls - mix.srtp;
    const windowMs = quick ? 5_000 : 20_000;
    const holdMs = windowMs + 15_000 + Math.ceil(calls / 50) * 1000;
    const music = musicOnHold();
    const dir = mkdtempSync(join(tmpdir(), "ccflow-bench-voice-"));
    writeFileSync(join(dir, "music.wav"), muLawWav(music));
    const sink = await startSink();
    let waiting: SipCall | undefined;
    const bridges: AudioBridge[] = [];
    const server = new SipServer({
      host: "127.0.0.1",
      port: 0,
      access: new SipAccess(),
      maxCalls: calls + 10,
      onCall: (call) => {
        if (call.dnis === NUMBERS.tts) return speak(call, tts);
        if (call.dnis === NUMBERS.bridged) {
          if (!waiting) waiting = call;
          else {
            bridges.push(new AudioBridge(waiting.media, call.media, () => music));
            waiting = undefined;
          }
          return;
        }
        call.media.play(new SampleSource(music, { loop: true }));
      },
    });
    const port = await server.listen();
    const srtpLegs: RtpSession[] = [];
    const sipps: Array<{ child: ChildProcess; done: Promise<number | null>; err: () => string }> = [];
    const sippFor = async (kind: Exclude<Kind, "srtp">) => {
      if (mix[kind] === 0) return;
      const scenario = kind === "bridged" ? "uac-talk.xml" : "uac-hold.xml";
      const args = [`127.0.0.1:${port}`, "-sf", join(packageRoot, "bench/voice", scenario), "-s", NUMBERS[kind], "-key", "ani", "+15550000000", "-key", "rtp_port", String(sink.ports[kind])];
      args.push("-mp", String(await freeUdpPort()), "-p", String(await freeUdpPort()), "-i", "127.0.0.1", "-l", String(mix[kind]), "-m", String(mix[kind]), "-r", "50", "-d", String(holdMs), "-nostdin", "-timeout", String(Math.ceil(holdMs / 1000) + 60));
      const child = spawn("sipp", args, { stdio: ["ignore", "ignore", "pipe"], cwd: dir });
      let err = "";
      child.stderr!.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
      child.on("error", () => undefined);
      sipps.push({ child, done: new Promise((r) => child.on("close", (code) => r(code))), err: () => err });
    };
    try {
      await sippFor("plain");
      await sippFor("tts");
      await sippFor("bridged");
      for (let i = 0; i < mix.srtp; i++) {
        const leg = new RtpSession({ host: "127.0.0.1" });
        srtpLegs.push(leg);
        await leg.open();
        leg.connect({ address: "127.0.0.1", port: sink.ports.srtp, codec: "PCMU", payloadType: 0, srtp: { localKey: randomBytes(30), remoteKey: randomBytes(30) } });
        leg.play(new SampleSource(music, { loop: true, offsetMs: i * 37 }));
      }
      const until = Date.now() + 90_000;
      while (server.calls.filter((c) => c.state === "confirmed").length < sipCalls) {
        if (Date.now() > until) throw new Error(`only ${server.calls.length} of ${sipCalls} SIP calls came up: ${sipps.map((x) => x.err().slice(-300)).join(" | ")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      log(`  ${calls} calls up (${KINDS.map((k) => `${mix[k]} ${k}`).join(", ")}); measuring ${windowMs / 1000} s`);
      sink.start();
      const cpu0 = process.cpuUsage();
      const ticks0 = sharedPacer.ticks;
      const skipped0 = sharedPacer.skipped;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, windowMs));
      const elapsed = performance.now() - t0;
      const load = loadavg()[0]!;
      const cpu = process.cpuUsage(cpu0);
      const ticks = sharedPacer.ticks - ticks0;
      const byKind = await sink.stop();
      const late: number[] = [];
      for (let i = Math.max(ticks0, sharedPacer.ticks - sharedPacer.lateness.length); i < sharedPacer.ticks; i++) late.push(sharedPacer.lateness[i % sharedPacer.lateness.length]!);
      const gaps = sharedPacer.skipped - skipped0;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const up = server.calls.filter((c) => c.state === "confirmed").length + srtpLegs.length;
      const p50 = percentile(late, 50);
      const p99 = percentile(late, 99);
      const max = Math.max(...late);
      const corePerCall = (cpuMs / elapsed / calls) * 100;
      log(`  send lateness per tick p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(1)} ms; gaps ${gaps}; CPU ${((cpuMs / elapsed) * 100).toFixed(1)}% of a core`);
      for (const k of KINDS) if (mix[k] > 0) log(`  ${k}: ${byKind[k].streams} streams, ${byKind[k].packets} packets, lateness p50 ${byKind[k].p50.toFixed(2)} ms, p99 ${byKind[k].p99.toFixed(2)} ms`);
      for (const x of sipps) x.child.kill("SIGTERM");
      await Promise.race([Promise.all(sipps.map((x) => x.done)), new Promise((r) => setTimeout(r, 3000))]);
      for (const b of bridges) b.close();
      for (const leg of srtpLegs) leg.close();
      await server.close();
      const base = await sippBaseline(calls, windowMs, holdMs, log);
      log(`  baseline: SIPp UAS ${base.corePercent.toFixed(1)}% of a core, ${base.packetsPerSecond.toFixed(0)} packets/s delivered`);
      const kindFigures: Record<string, number> = {};
      for (const k of KINDS) {
        kindFigures[`voice_${k}_calls`] = mix[k];
        kindFigures[`voice_${k}_streams_heard`] = byKind[k].streams;
        kindFigures[`voice_${k}_late_p50_ms`] = Number(byKind[k].p50.toFixed(3));
        kindFigures[`voice_${k}_late_p99_ms`] = Number(byKind[k].p99.toFixed(3));
      }
      return {
        figures: {
          voice_calls: calls,
          voice_calls_up_at_end: up,
          voice_send_late_p50_ms: Number(p50.toFixed(3)),
          voice_send_late_p99_ms: Number(p99.toFixed(3)),
          voice_send_late_max_ms: Number(max.toFixed(3)),
          voice_gap_ticks: gaps,
          voice_cpu_core_percent_per_call: Number(corePerCall.toFixed(4)),
          voice_load_average: Number(load.toFixed(2)),
          ...kindFigures,
          voice_sipp_uas_cpu_core_percent_per_call: Number(base.perCall.toFixed(4)),
          voice_sipp_uas_packets_per_second: Math.round(base.packetsPerSecond),
        },
        report: [
          `${calls} concurrent calls on ccflow's shared 20 ms pacer — ${KINDS.map((k) => `${mix[k]} ${k}`).join(", ")} — for a ${(elapsed / 1000).toFixed(1)} s window (${ticks} ticks):`,
          "",
          "| figure | value |",
          "|---|---|",
          `| calls up through the window | ${up} of ${calls} |`,
          `| send lateness per tick, all kinds (due time → last packet of the tick) p50 / p99 / max | ${p50.toFixed(2)} / ${p99.toFixed(2)} / ${max.toFixed(1)} ms |`,
          ...KINDS.filter((k) => mix[k] > 0).map((k) => `| ${k}: lateness at the sink (own process), p50 / p99 — ${byKind[k].streams} streams, ${byKind[k].packets} packets | ${byKind[k].p50.toFixed(2)} / ${byKind[k].p99.toFixed(2)} ms |`),
          `| ticks dropped after stalls (gaps) | ${gaps} |`,
          `| CPU of the ccflow process | ${((cpuMs / elapsed) * 100).toFixed(1)} % of a core, ${corePerCall.toFixed(3)} % per call |`,
          `| machine load average (1 min) during the run | ${load.toFixed(1)} |`,
          `| baseline: SIPp's own UAS streaming the same music to ${calls} calls (rtp_stream), CPU | ${base.corePercent.toFixed(1)} % of a core, ${base.perCall.toFixed(3)} % per call (ccflow / SIPp: ${(corePerCall / base.perCall).toFixed(2)}×) |`,
          `| baseline: packets per second SIPp's UAS delivered (${calls} × 50 expected) | ${base.packetsPerSecond.toFixed(0)} |`,
          "",
          "Target (issue 16): ≥ 200 calls with send jitter p99 ≤ 5 ms and no gaps. SIPp reports no send lateness of its own, so the baseline compares CPU per call for the same work (plain music only).",
        ],
      };
    } finally {
      for (const x of sipps) x.child.kill("SIGKILL");
      for (const leg of srtpLegs) leg.close();
      sink.kill();
      await server.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
