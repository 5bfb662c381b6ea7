/**
 * The environment file: everything that binds a flow's hard-coded ids to this installation —
 * connectors (base URL and credentials), queues, agents and teams, screen-pop host rewrites,
 * global variables, business-hours schedules and the other flows a flow may call. Binding is
 * data, not code (DESIGN.md). Each room validates its own sections (connectors/config.ts,
 * center/config.ts); this schema owns the rest and passes theirs through.
 */
import { z } from "zod";
import { httpRouteSchema } from "../connectors/routes.js";
import { activityScriptsSchema } from "./activity-scripts.js";
import { virtualAgentListSchema } from "./virtual-agents.js";
import { entryPointsSchema, promptsSchema, sipSchema } from "./voice.js";

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time HH:MM (24 h)");
const day = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");

export const scheduleSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    /** IANA time zone the times are in. */
    timeZone: z.string().default("UTC"),
    workingHours: z.array(z.object({ name: z.string().default("Working hours"), days: z.array(day).min(1), from: time, to: time }).strict()).default([]),
    holidays: z.array(z.object({ name: z.string().default("Holiday"), date }).strict()).default([]),
    /** Overrides win over everything: a date (and optional times) forced open or closed. */
    overrides: z.array(z.object({ name: z.string().default("Override"), date, from: time.optional(), to: time.optional() }).strict()).default([]),
  })
  .strict();

/** How HTTP Request and Parse treat a timeout and a JSONPath miss (flow-designer §12 #1, #2). */
export const httpOptionsSchema = z
  .object({
    /** A path that matches nothing: `keep` the variable as it is, or set it `empty` (""). */
    jsonPathMiss: z.enum(["keep", "empty"]).default("keep"),
    /** A passed deadline: `globalError` (an activity error), or `status408` (leaves by default, status 408). */
    timeoutMode: z.enum(["globalError", "status408"]).default("globalError"),
    /**
     * Values interpolated into a URL or body: `webex` sends them as rendered, as Webex does (the URL
     * then only normalised as an HTTP client must); `strict` escapes each for where it lands
     * (percent-encoded in a URL, quotes doubled in an OData literal, JSON-escaped in a JSON string).
     */
    escaping: z.enum(["webex", "strict"]).default("webex"),
    /** URL pattern → a local base URL or a canned answer, in front of the network (connectors/routes.ts). */
    routes: z.array(httpRouteSchema).default([]),
  })
  .strict();

export const environmentSchema = z
  .object({
    /** Free text for people reading the file. */
    description: z.string().optional(),
    connectors: z.array(z.unknown()).default([]),
    /** Where secrets referenced as ${secret:NAME} live (relative to this file). */
    secretsFile: z.string().optional(),
    queues: z.array(z.unknown()).default([]),
    teams: z.array(z.unknown()).default([]),
    agents: z.array(z.unknown()).default([]),
    center: z.unknown().optional(),
    screenPop: z
      .object({
        /**
         * Host → base URL. A pop to `https://<host>/path?q` becomes `<base>/path?q`. The value
         * `embedded-crm` stands for the embedded CRM's own URL.
         */
        rewriteHosts: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ rewriteHosts: {} }),
    /** Global variable values by name (Global_Language: en-US). */
    globals: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    businessHours: z.array(scheduleSchema).default([]),
    http: httpOptionsSchema.default({ jsonPathMiss: "keep", timeoutMode: "globalError", escaping: "webex", routes: [] }),
    /** What the activities ccflow cannot run for real come to, and the random seed: activity-scripts.ts. */
    activities: activityScriptsSchema.default({ allocations: {}, bridgedTransfers: [], callbackDials: [], surveys: [] }),
    /** What each virtual agent's conversation comes to (ccflow runs no bot): virtual-agents.ts. */
    virtualAgents: virtualAgentListSchema.default([]),
    /** Dialled number (DNIS) → flow id or name, for SIP calls; an unmapped number gets the default flow. */
    entryPoints: entryPointsSchema,
    /** Who may call over SIP, and how calls are answered (voice.ts). */
    sip: sipSchema,
    /** Where `.wav` prompts live (voice.ts). */
    prompts: promptsSchema,
    /** Other flow files (subflows, GoTo targets), relative to this file. */
    flows: z.array(z.string()).default([]),
    /** Lint warnings switched off (`ccflow validate`): everywhere, or for named activities. */
    lint: z
      .object({
        off: z.array(z.string()).default([]),
        /** Activity name → rule codes off for it (`"*"`: every rule). */
        activities: z.record(z.string(), z.array(z.string())).default({}),
      })
      .strict()
      .default({ off: [], activities: {} }),
    crm: z
      .object({
        /** Start the embedded Dynamics-compatible CRM (on by default). */
        embedded: z.boolean().default(true),
        /** Org URLs whose tokens the embedded CRM accepts and whose record pages it serves. */
        orgUrls: z.array(z.string()).default([]),
      })
      .strict()
      .default({ embedded: true, orgUrls: [] }),
  })
  .strict();

export type Environment = z.infer<typeof environmentSchema> & {
  /** Directory of the file, for resolving relative paths. */
  baseDir: string;
  file?: string;
};

export type Schedule = z.infer<typeof scheduleSchema>;
