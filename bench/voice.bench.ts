/**
 * Concurrent SIP calls with music playing: SIPp (bench/voice/uac-hold.xml) places `calls` calls
 * into ccflow's SIP server in this process; each answered call plays the generated hold music in
 * a loop over RTP (G.711 µ-law, 20 ms packets, the shared pacer). Over a steady window with every
 * call up it measures how late packets leave (per 20 ms tick, from the tick's due time to its
 * last send: the send jitter), ticks dropped after stalls (gaps), and this process's CPU per call.
 * SIP signalling and RTP are real sockets on loopback; SIPp discards the audio at its media port.
 *
 * Baseline, in the same run: SIPp's own UAS (bench/voice/uas-music.xml) does the same work for
 * the same number of calls from the same caller scenario — answer, stream the same music as µ-law
 * 20 ms RTP (rtp_stream) until the BYE. Its RTP goes to a socket here that counts packets (to show
 * the work was done); its CPU is read from /proc over an equal window. SIPp cannot report its own
 * send lateness, so the comparison is CPU per call and packets delivered per second.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeG711 } from "../src/channels/media/g711.js";
import { musicOnHold } from "../src/channels/media/music-on-hold.js";
import { sharedPacer } from "../src/channels/media/pacer.js";
import { SampleSource } from "../src/channels/media/rtp-session.js";
import { SipAccess } from "../src/channels/sip/access.js";
import { SipServer } from "../src/channels/sip/sip-server.js";
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

const bench: BenchModule = {
  name: "voice",
  async run({ quick, log }) {
    const calls = quick ? 20 : 200;
    const windowMs = quick ? 5_000 : 20_000;
    const holdMs = windowMs + 15_000 + Math.ceil(calls / 50) * 1000;
    const music = musicOnHold();
    const server = new SipServer({
      host: "127.0.0.1",
      port: 0,
      access: new SipAccess(),
      maxCalls: calls + 10,
      onCall: (call) => call.media.play(new SampleSource(music, { loop: true })),
    });
    const port = await server.listen();
    const mediaPort = await freeUdpPort();
    const sippPort = await freeUdpPort();
    const args = [`127.0.0.1:${port}`, "-sf", join(packageRoot, "bench/voice/uac-hold.xml"), "-s", "+18005550100", "-key", "ani", "+15550000000", "-key", "rtp_port", String(mediaPort)];
    args.push("-mp", String(mediaPort), "-p", String(sippPort), "-i", "127.0.0.1", "-l", String(calls), "-m", String(calls), "-r", "50", "-d", String(holdMs), "-nostdin", "-timeout", String(Math.ceil(holdMs / 1000) + 60));
    const sipp = spawn("sipp", args, { stdio: ["ignore", "ignore", "pipe"] });
    let sippErr = "";
    sipp.stderr.on("data", (b: Buffer) => (sippErr = (sippErr + b.toString()).slice(-2000)));
    const sippDone = new Promise<number | null>((r) => sipp.on("close", (code) => r(code)));
    sipp.on("error", () => undefined);
    try {
      const until = Date.now() + 60_000;
      while (server.calls.filter((c) => c.state === "confirmed").length < calls) {
        if (Date.now() > until) throw new Error(`only ${server.calls.length} of ${calls} calls came up: ${sippErr.slice(-300)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      log(`  ${calls} calls up, music playing; measuring ${windowMs / 1000} s`);
      const cpu0 = process.cpuUsage();
      const ticks0 = sharedPacer.ticks;
      const skipped0 = sharedPacer.skipped;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, windowMs));
      const elapsed = performance.now() - t0;
      const load = loadavg()[0]!;
      const cpu = process.cpuUsage(cpu0);
      const ticks = sharedPacer.ticks - ticks0;
      const late: number[] = [];
      for (let i = Math.max(ticks0, sharedPacer.ticks - sharedPacer.lateness.length); i < sharedPacer.ticks; i++) late.push(sharedPacer.lateness[i % sharedPacer.lateness.length]!);
      const gaps = sharedPacer.skipped - skipped0;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const up = server.calls.filter((c) => c.state === "confirmed").length;
      const p50 = percentile(late, 50);
      const p99 = percentile(late, 99);
      const max = Math.max(...late);
      const corePerCall = (cpuMs / elapsed / calls) * 100;
      log(`  send lateness p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(1)} ms; gaps ${gaps}; CPU ${(cpuMs / elapsed * 100).toFixed(1)}% of a core`);
      sipp.kill("SIGTERM");
      await Promise.race([sippDone, new Promise((r) => setTimeout(r, 3000))]);
      await server.close();
      const base = await sippBaseline(calls, windowMs, holdMs, log);
      log(`  baseline: SIPp UAS ${base.corePercent.toFixed(1)}% of a core, ${base.packetsPerSecond.toFixed(0)} packets/s delivered`);
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
          voice_sipp_uas_cpu_core_percent_per_call: Number(base.perCall.toFixed(4)),
          voice_sipp_uas_packets_per_second: Math.round(base.packetsPerSecond),
        },
        report: [
          `${calls} concurrent SIP calls from SIPp, each answered by ccflow's SIP server and playing the generated hold music (G.711 µ-law, 20 ms RTP) for a ${(elapsed / 1000).toFixed(1)} s window (${ticks} ticks of the shared pacer):`,
          "",
          "| figure | value |",
          "|---|---|",
          `| calls up through the window | ${up} of ${calls} |`,
          `| send lateness per tick (due time → last packet of the tick) p50 / p99 / max | ${p50.toFixed(2)} / ${p99.toFixed(2)} / ${max.toFixed(1)} ms |`,
          `| ticks dropped after stalls (gaps) | ${gaps} |`,
          `| CPU of the ccflow process | ${((cpuMs / elapsed) * 100).toFixed(1)} % of a core, ${corePerCall.toFixed(3)} % per call |`,
          `| machine load average (1 min) during the run | ${load.toFixed(1)} |`,
          `| baseline: SIPp's own UAS streaming the same music to ${calls} calls (rtp_stream), CPU | ${base.corePercent.toFixed(1)} % of a core, ${base.perCall.toFixed(3)} % per call (ccflow / SIPp: ${(corePerCall / base.perCall).toFixed(2)}×) |`,
          `| baseline: packets per second SIPp's UAS delivered (${calls} × 50 expected) | ${base.packetsPerSecond.toFixed(0)} |`,
          "",
          "Target (issue 16): ≥ 200 calls with send jitter p99 ≤ 5 ms and no gaps. SIPp reports no send lateness of its own, so the baseline compares CPU per call for the same work.",
        ],
      };
    } finally {
      sipp.kill("SIGKILL");
      await server.close().catch(() => undefined);
    }
  },
};

export default bench;
