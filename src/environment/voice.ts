/**
 * The environment's voice sections: `entryPoints` (like Webex's entry points and channel mapping:
 * the dialled number picks the flow), `sip` (who may call, and how calls are answered) and
 * `prompts` (the folder of `.wav` files flows name).
 */
import { z } from "zod";

const dialled = z.string().regex(/^\+?[0-9]{1,20}$/, "must be a dialled number (+ and digits)");

export const entryPointsSchema = z.record(dialled, z.string().min(1)).default({});

export const sipSchema = z
  .object({
    /** Addresses or CIDR ranges calls are taken from without credentials; default loopback. */
    allow: z.array(z.string().min(1)).default(["127.0.0.0/8", "::1"]),
    /** Digest credentials for callers outside the allow-list. */
    users: z.array(z.object({ username: z.string().min(1), password: z.string().min(1) }).strict()).default([]),
    realm: z.string().min(1).default("ccflow"),
    /** The address put in SDP and Contact, when the listening address is not the one callers reach. */
    advertisedAddress: z.string().optional(),
    /** RTP ports (even ones used), for firewalls; default: any free port. */
    rtpPorts: z.object({ min: z.number().int().min(1024).max(65534), max: z.number().int().min(1025).max(65535) }).strict().optional(),
    /** Ring this long before answering, ms. */
    answerDelayMs: z.number().int().min(0).max(60_000).default(0),
    /** Calls taken at once; more get 503 Service Unavailable. */
    maxCalls: z.number().int().min(1).default(500),
    /** Hang up a call whose caller sent no RTP for this long (gone without a BYE); 0: never. */
    rtpTimeoutSeconds: z.number().min(0).max(3600).default(120),
    /** REGISTER (from `users` only, by digest): the shortest and longest registration taken, seconds. */
    registrar: z
      .object({ minExpires: z.number().int().min(1).max(86_400).default(60), maxExpires: z.number().int().min(1).max(86_400).default(3600) })
      .strict()
      .refine((r) => r.minExpires <= r.maxExpires, "minExpires is above maxExpires")
      .optional(),
    /**
     * SIP over TLS (sips) on `port` (0: a free one). `cert` and `key` are PEM files relative to the
     * environment file; without them a development certificate is made by ccflow's own CA.
     */
    tls: z
      .object({ port: z.number().int().min(0).max(65535).default(5061), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
      .strict()
      .refine((t) => (t.cert === undefined) === (t.key === undefined), "give both cert and key, or neither (for a development certificate)")
      .optional(),
  })
  .strict()
  .default({ allow: ["127.0.0.0/8", "::1"], users: [], realm: "ccflow", answerDelayMs: 0, maxCalls: 500, rtpTimeoutSeconds: 120 });

export const promptsSchema = z
  .object({
    /** Folder of `.wav` prompts, relative to the environment file. */
    folder: z.string().optional(),
  })
  .strict()
  .default({});

export type SipSettings = z.infer<typeof sipSchema>;
