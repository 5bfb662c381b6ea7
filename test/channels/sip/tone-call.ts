/**
 * What the two-way audio tests share: the caller's and the agent's tones, and a flow that queues
 * the caller at once with music while waiting (no TTS, so espeak-ng is not needed).
 */
import { buildFlow } from "../../helpers/flow-builder.js";

export const CALLER_HZ = 600;
export const AGENT_HZ = 1400;

export const queueFlow = buildFlow({
  name: "Straight_To_Queue",
  main: [
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Voice", toggle: true } },
    { name: "Wait", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "60" } },
  ],
  links: [
    ["Queue", "default", "Wait"],
    ["Wait", "default", "Wait"],
  ],
});
