/**
 * The environment's `activities:` section: what the activities ccflow cannot run for real come to
 * (it places no outbound call, runs no survey service, records no audio, reaches no Cisco Business
 * Rules Engine), and the seed of Percentage Allocation's random source. A scenario gives the same
 * section in its inline `environment:`.
 */
import { z } from "zod";

const bridgedTransferScript = z
  .object({
    /** The number dialled as rendered (`transfertodn`), or `*` for any other. */
    number: z.string().min(1),
    /** `answered`: the far end talks, hangs up, the caller is back in the flow (`default`); `failed`: `failure`. */
    outcome: z.enum(["answered", "failed"]),
    /** How long the far end rings before it answers or the transfer fails. */
    ringSeconds: z.number().min(0).default(2),
    /** How long the bridged call lasts once answered. */
    talkSeconds: z.number().min(0).default(30),
  })
  .strict();

const dialScript = z
  .object({
    /** The customer's number a callback dials (as registered), or `*` for any other. */
    number: z.string().min(1),
    /**
     * `answered`: the customer picks up and talks with the agent; `no-answer`, `busy`, `amd`
     * (an answering machine): the callback fails and CallbackFailed runs with that reason.
     */
    outcome: z.enum(["answered", "no-answer", "busy", "amd"]),
    /** How long the customer's phone rings before the outcome. */
    ringSeconds: z.number().min(0).default(2),
  })
  .strict();

const surveyScript = z
  .object({
    /** The survey id (the `<surveyId>` of `surveyMethod: inline:<surveyId>:<orgId>`), its name, or `*`. */
    id: z.string().min(1),
    questions: z
      .array(
        z
          .object({
            /** Spoken to the caller (TTS). */
            prompt: z.string().min(1),
            /** Highest key of the answer scale, 1–9 (`5`: answers 1 to 5). */
            scale: z.number().int().min(1).max(9).default(5),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const activityScriptsSchema = z
  .object({
    /** Seed of the random source Percentage Allocation draws from: the same seed, the same branches. */
    randomSeed: z.number().int().optional(),
    /** Percentage Allocation activity name → the branch (port) it always takes, for a test. */
    allocations: z.record(z.string(), z.string()).default({}),
    bridgedTransfers: z.array(bridgedTransferScript).default([]),
    /** What happens when a callback dials the customer (no entry: the customer answers at once). */
    callbackDials: z.array(dialScript).default([]),
    surveys: z.array(surveyScript).default([]),
    /** Where BRE Request sends its lookup (Webex's rules engine has no public URL). */
    breUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

export type ActivityScripts = z.infer<typeof activityScriptsSchema>;
export type BridgedTransferScript = z.infer<typeof bridgedTransferScript>;
export type CallbackDialScript = z.infer<typeof dialScript>;
export type SurveyScript = z.infer<typeof surveyScript>;
