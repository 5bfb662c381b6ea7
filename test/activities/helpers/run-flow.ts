/**
 * Runs a small test flow through the real engine and the real contact center on a virtual clock,
 * for activity stories: "a caller who does X in front of activity Y leaves by port Z".
 */
import { ContactCenter } from "../../../src/center/contact-center.js";
import { ScriptedCaller, type ScriptedInput } from "../../../src/channels/scripted.js";
import type { ActivityEnvironment } from "../../../src/activities/types.js";
import { VirtualClock } from "../../../src/time/clock.js";
import { Engine } from "../../../src/engine/engine.js";
import type { FlowDefinition } from "../../../src/flow/types.js";
import { FakeHttp, Recorder } from "../../helpers/fakes.js";

export interface RunOptions {
  digits?: string | ScriptedInput[];
  ani?: string;
  env?: ActivityEnvironment;
  /** Center configuration (queues, agents, center settings) as the environment file holds it. */
  center?: unknown;
  /** Ends the call after this many seconds if it is still going. */
  hangupAfterSeconds?: number;
  start?: number;
  before?: (center: ContactCenter) => void;
}

export async function runFlow(flow: FlowDefinition, opts: RunOptions = {}) {
  const clock = new VirtualClock({ start: opts.start });
  const center = new ContactCenter({ clock, config: opts.center ?? {} });
  opts.before?.(center);
  const engine = new Engine({ http: new FakeHttp(() => ({ status: 200, body: {} })), center, clock, env: opts.env });
  const rec = new Recorder();
  const interaction = engine.startCall(flow, { ani: opts.ani ?? "+14805550100", channel: new ScriptedCaller(clock, opts.digits ?? ""), listener: rec.listener });
  if (opts.hangupAfterSeconds !== undefined) void clock.sleep(opts.hangupAfterSeconds * 1000).then(() => interaction.hangup());
  const ended = await interaction.done;
  return { rec, ended, center, interaction, port: (activity: string) => rec.of("step").find((s) => s.activity === activity)?.port };
}
