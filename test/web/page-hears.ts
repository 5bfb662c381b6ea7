/**
 * What a page's audio line plays, measured in the page (WebAudio and getStats), for the browser
 * tests that check who hears whom.
 */
import type { Page } from "playwright-core";
import { AGENT_HZ, CALLER_HZ } from "../channels/sip/tone-call.js";

/**
 * In the page: the share of two frequencies in what an audio line plays (the <audio> element
 * `elementId`, the line at window[`handle`]), its level, and getStats' received energy, over `ms`.
 */
export async function pageHears(page: Page, ms: number, where = { elementId: "headset-audio", handle: "ccflowHeadset" }, hz = { caller: CALLER_HZ, agent: AGENT_HZ }): Promise<{ caller: number; agent: number; rms: number; energy: number }> {
  return page.evaluate(
    async ([ms, callerHz, agentHz, elementId, handle]) => {
      const audio = document.getElementById(elementId) as HTMLAudioElement;
      const ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(audio.srcObject as MediaStream);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      source.connect(analyser);
      // Each read is the analyser's latest 2048 samples; reads are not contiguous, so each is
      // measured on its own (Goertzel) and the shares are pooled.
      const chunks: Float32Array[] = [];
      const energyOf = async () => {
        const stats = await (window as unknown as Record<string, { pc: RTCPeerConnection }>)[handle]!.pc.getStats();
        let e = 0;
        stats.forEach((r) => {
          if (r.type === "inbound-rtp" && r.kind === "audio") e = r.totalAudioEnergy ?? 0;
        });
        return e;
      };
      const before = await energyOf();
      const until = performance.now() + ms;
      while (performance.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        const buf = new Float32Array(analyser.fftSize);
        analyser.getFloatTimeDomainData(buf);
        chunks.push(buf);
      }
      const energy = (await energyOf()) - before;
      const rate = ctx.sampleRate;
      await ctx.close();
      const share = (hz: number) => {
        let power = 0;
        let norm = 0;
        for (const chunk of chunks) {
          const n = chunk.length;
          const k = Math.round((n * hz) / rate);
          const coeff = 2 * Math.cos((2 * Math.PI * k) / n);
          let s1 = 0;
          let s2 = 0;
          let total = 0;
          for (const x of chunk) {
            total += x * x;
            const s0 = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
          }
          power += s1 * s1 + s2 * s2 - coeff * s1 * s2;
          norm += (n / 2) * total;
        }
        return norm === 0 ? 0 : power / norm;
      };
      let sum = 0;
      let count = 0;
      for (const chunk of chunks) for (const x of chunk) {
        sum += x * x;
        count++;
      }
      const rms = Math.sqrt(sum / Math.max(1, count));
      return { caller: share(callerHz), agent: share(agentHz), rms, energy };
    },
    [ms, hz.caller, hz.agent, where.elementId, where.handle] as const,
  );
}
