/**
 * What a flow-test scenario file may say. One zod schema is the single source: the loader
 * validates with it, and `schemas/scenario.schema.json` (what editors complete from) is generated
 * from it by scripts/build-scenario-schema.ts. Descriptions here are what an editor shows.
 */
import { z } from "zod";
import { checkCallerId } from "../channels/caller-id.js";
import { virtualAgentListSchema } from "../environment/virtual-agents.js";
import { regexProblem } from "./match.js";

/** A regex source that must compile (checked at load time, so a typo points at its line). */
const regexSource = (description: string) =>
  z.string().superRefine((v, ctx) => {
    const p = regexProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  }).describe(description);

/** Text compared to a prompt, a URL, a label or a variable: exact, contains, or a regex. */
export const textMatchSchema = z.union([
  z.string().describe("The exact text."),
  z.object({ exact: z.string().describe("The exact text.") }).strict(),
  z.object({ contains: z.string().describe("Text that must appear somewhere in it.") }).strict(),
  z
    .object({
      regex: regexSource("A JavaScript regular expression that must match (unanchored: use ^ and $ to match the whole text)."),
      flags: z.string().regex(/^[imsu]*$/, "regex flags may be i, m, s and u").optional().describe("Regex flags, e.g. \"i\" to ignore case."),
    })
    .strict(),
]);
export type TextMatch = z.infer<typeof textMatchSchema>;

/**
 * A request path: a pattern with `*` for any run of characters, matched against the path after
 * the connector's base URL (`contacts?$select=...`), percent-decoded. Without a `?` the pattern
 * is matched against the path alone, so `contacts` matches any query on contacts.
 */
export const pathPatternSchema = z.union([
  z.string().describe("A pattern: `*` matches any characters. Matched against the path after the connector's base URL, percent-decoded or as sent; without a `?` the query string is ignored."),
  z.object({ regex: regexSource("A regular expression matched against the path and query (percent-decoded).") }).strict(),
]);
export type PathPattern = z.infer<typeof pathPatternSchema>;

const method = z
  .string()
  .regex(/^[A-Za-z]+$/, "must be an HTTP method such as GET or POST")
  .describe("HTTP method (GET, POST, PATCH, ...); any method when absent.");

export const httpFixtureSchema = z
  .object({
    connector: z.string().min(1).optional().describe("Connector id or name this answer is for; any connector when absent."),
    method: method.optional(),
    path: pathPatternSchema.optional().describe("Which requests this answers; every request when absent."),
    status: z.number().int().min(100).max(599).optional().describe("HTTP status to answer with (default 200)."),
    body: z.unknown().optional().describe("Response body: text, or any YAML value sent as JSON."),
    headers: z.record(z.string(), z.string()).optional().describe("Response headers."),
    delaySeconds: z.number().min(0).optional().describe("Answer after this many seconds of call time (past the activity's timeout, the request times out)."),
    failure: z.enum(["timeout", "reset", "refused"]).optional().describe("No response at all: `timeout` never answers, `reset` drops the connection, `refused` refuses it."),
    times: z.number().int().min(1).optional().describe("Use this answer for the first N matching requests only; later ones go to the next matching entry."),
  })
  .strict();
export type HttpFixture = z.infer<typeof httpFixtureSchema>;

export const stubSchema = z
  .object({
    port: z.string().min(1).describe("The port the activity leaves by (as its links name it: default, 0, failure, ...)."),
    outputs: z.record(z.string(), z.unknown()).optional().describe("Output variables it sets, read as {{<activity>.<name>}}."),
  })
  .strict();
export type Stub = z.infer<typeof stubSchema>;

export const inputSchema = z.union([
  z.string().describe("Digits the caller presses at this input (terminator included, e.g. \"1234#\"); the word `silence` for no input."),
  z.number().int().min(0).describe("Digits as a number (quote them to keep leading zeros)."),
  z.null().describe("Silence: the caller presses nothing and the activity times out."),
  z
    .object({
      digits: z.union([z.string(), z.number().int().min(0)]).optional().describe("Digits to press."),
      silence: z.literal(true).optional().describe("Press nothing."),
      afterSeconds: z.number().min(0).optional().describe("Seconds the caller waits before pressing the first digit."),
    })
    .strict(),
]);
export type ScenarioInput = z.infer<typeof inputSchema>;

const count = z.union([z.boolean(), z.number().int().min(0)]);

export const agentSchema = z.union([
  z.literal("none").describe("Nobody is available: the caller waits in queue."),
  z
    .object({
      name: z.string().min(1).optional().describe("Agent name (default Ana Agent)."),
      email: z.string().optional().describe("Agent email (default ana.agent@ccflow.local)."),
      available: z.boolean().optional().describe("false: nobody is available (same as agent: none)."),
      availableAfterSeconds: z.number().min(0).optional().describe("The agent is busy until this many seconds into the call, then Available (default: Available from the start)."),
      answerAfterSeconds: z.number().min(0).optional().describe("The offer rings this long, then the agent answers (default 4; the ring times out after 15)."),
      talkSeconds: z.number().min(0).optional().describe("The agent talks this long, then ends the call (default 20)."),
      wrapUpSeconds: z.number().min(0).optional().describe("Wrap-up after the call (default 5)."),
      declines: count.optional().describe("Decline offers: true = always, a number = the first N."),
      ignores: count.optional().describe("Let offers ring out (RONA): true = always, a number = the first N."),
    })
    .strict(),
]);
export type AgentBehaviour = z.infer<typeof agentSchema>;

export const crmStateSchema = z
  .object({
    contacts: z.array(z.record(z.string(), z.unknown())).optional().describe("Contact rows (fullname, telephone1, contactid, ...)."),
    accounts: z.array(z.record(z.string(), z.unknown())).optional().describe("Account rows (name, telephone1, accountid, ...)."),
    incidents: z.array(z.record(z.string(), z.unknown())).optional().describe("Case rows (title, ticketnumber, prioritycode, _customerid_value or customerid_contact@odata.bind, ...)."),
  })
  .strict();
export type CrmState = z.infer<typeof crmStateSchema>;

const eventType = z
  .enum(["prompt", "http", "variable", "input", "queued", "offered", "requeued", "answered", "screen-pop", "transferred", "disconnected", "error", "callback", "media-stream", "activity-result", "event", "ended"])
  .describe("A kind of thing that happens in a call.");

const queuedMatch = z
  .object({
    queue: z.string().optional().describe("Queue id or name."),
    priority: z.number().int().min(1).max(10).optional().describe("Priority, 1 (highest) to 10."),
  })
  .strict();

const screenPopMatch = z
  .object({
    url: textMatchSchema.optional().describe("The URL popped."),
    target: z.string().optional().describe("newBrowserTab, sameBrowserTab or insideDesktop."),
    label: textMatchSchema.optional().describe("The desktop label."),
  })
  .strict();

const httpMatch = z
  .object({
    connector: z.string().optional().describe("Connector id or name."),
    method: method.optional(),
    path: pathPatternSchema.optional(),
    status: z.number().int().optional().describe("Response status."),
  })
  .strict();

const variableMatch = z
  .object({
    name: z.string().min(1),
    value: z.union([z.string(), z.number(), z.boolean(), z.null(), textMatchSchema]).optional(),
  })
  .strict();

const occurrenceFields = {
  prompt: textMatchSchema.optional().describe("A prompt the caller hears."),
  activity: z.string().optional().describe("An activity run: `Name`, or `Name:port` for the port it left by."),
  event: eventType.optional(),
  http: httpMatch.optional().describe("An HTTP request made."),
  queued: z.union([z.literal(true), queuedMatch]).optional().describe("The caller is queued."),
  screenPop: screenPopMatch.optional().describe("A screen pop."),
  endReason: z.string().optional().describe("The call ends for this reason."),
  error: textMatchSchema.optional().describe("An activity error with this message."),
  variable: variableMatch.optional().describe("A variable is set (to this value)."),
};
const OCCURRENCE_KEYS = Object.keys(occurrenceFields) as Array<keyof typeof occurrenceFields>;

const occurrenceBase = z.object(occurrenceFields).strict();
export type Occurrence = z.infer<typeof occurrenceBase>;

function exactlyOne(value: Record<string, unknown>, ctx: z.RefinementCtx, allowed: readonly string[]): void {
  const present = allowed.filter((k) => value[k] !== undefined);
  if (present.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: present.length === 0 ? `say what must never happen: one of ${allowed.join(", ")}` : `one thing per entry, found ${present.join(" and ")}; split them into separate entries`,
    });
  }
}

export const neverSchema = z
  .object({
    ...occurrenceFields,
    before: occurrenceBase.superRefine((v, ctx) => exactlyOne(v, ctx, OCCURRENCE_KEYS)).optional().describe("Only before this first happens (e.g. never disconnected before queued)."),
  })
  .strict()
  .superRefine((v, ctx) => exactlyOne(v, ctx, OCCURRENCE_KEYS));
export type Never = z.infer<typeof neverSchema>;

export const expectSchema = z
  .object({
    prompts: z.array(textMatchSchema).optional().describe("Prompts heard, in this order (others may come between)."),
    activities: z.array(z.string().min(1)).optional().describe("Activities run, in this order (others may come between): `Name` or `Name:port`."),
    events: z.array(eventType).optional().describe("Things that happen, in this order (others may come between), e.g. [queued, answered, screen-pop, ended]."),
    variables: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), textMatchSchema]))
      .optional()
      .describe("Variable values at the end of the call (text comparison unless both are numbers or booleans)."),
    queued: z.union([z.boolean(), queuedMatch]).optional().describe("Queued (with this queue and priority), or false: never queued."),
    screenPop: z.union([screenPopMatch, z.array(screenPopMatch)]).optional().describe("A screen pop (or several) that must happen."),
    endReason: z
      .string()
      .optional()
      .describe("Why the call ended: disconnected, caller-hangup, agent-ended, flow-ended, global-error, no-handler, transferred, callback, step-limit."),
    http: z
      .array(httpMatch.extend({ count: z.number().int().min(0).optional().describe("Exactly this many matching requests (default: at least one).") }).strict())
      .optional()
      .describe("HTTP requests made."),
    never: z.array(neverSchema).optional().describe("Things that must not happen."),
  })
  .strict();
export type Expectations = z.infer<typeof expectSchema>;

export const scenarioSchema = z
  .object({
    name: z.string().min(1).describe("What this scenario shows, in a sentence."),
    description: z.string().optional(),
    skip: z.string().min(1).optional().describe("Do not run this scenario, and print this reason (a known problem being fixed)."),
    flow: z.string().min(1).optional().describe("The flow export to run, relative to this file (or pass --flow)."),
    environment: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .describe("An environment file (relative to this file), or its content inline (queues, agents, center, connectors, businessHours, globals, http, virtualAgents)."),
    caller: z
      .object({
        ani: z.string().describe("The caller's number as a carrier delivers it: + and digits (\"+14806754110\"), or \"\" / \"anonymous\" for a withheld number."),
        hostileAni: z
          .boolean()
          .optional()
          .describe("Let `ani` be anything (quotes, URL or OData syntax, a template), as no carrier delivers it: to test a flow's own guards."),
        dnis: z.string().optional().describe("The number dialled."),
        hangupAfterSeconds: z.number().min(0).optional().describe("The caller hangs up after this many seconds."),
        aniUpdates: z
          .array(
            z
              .object({
                afterSeconds: z.number().min(0).describe("Seconds into the call."),
                ani: z.string().describe("The caller's new number (+ and digits)."),
              })
              .strict(),
          )
          .optional()
          .describe("The caller's number changes during the call (an operator desk passed the call on): NewPhoneContact.ANI follows and ContactAniUpdated runs."),
      })
      .strict()
      .superRefine((caller, ctx) => {
        if (caller.hostileAni) return;
        const check = checkCallerId(caller.ani);
        if (!check.ok) ctx.addIssue({ code: "custom", path: ["ani"], message: `${check.message} (or set hostileAni: true to test the flow's guards with it)` });
        for (const [i, u] of (caller.aniUpdates ?? []).entries()) {
          const c = checkCallerId(u.ani);
          if (!c.ok) ctx.addIssue({ code: "custom", path: ["aniUpdates", i, "ani"], message: c.message });
        }
      })
      .optional(),
    campaign: z
      .object({
        mode: z.enum(["preview", "progressive"]).default("progressive").describe("preview: an agent accepted the contact before it was dialled (PreDial PREVIEW_CAMPAIGN for the customer's leg); progressive: the dialler called first."),
        result: z.enum(["LIVE_VOICE", "AMD", "ABANDONED"]).describe("What call progress analysis found: OutboundCampaignCallResult.CPAResult."),
        resultCode: z.string().optional().describe("OutboundCampaignCallResult.CPAResultCode, passed through."),
      })
      .strict()
      .optional()
      .describe("The call is an outbound campaign call to the caller (caller.ani is the customer dialled): OutboundCampaignCallResult runs with this result; AMD and ABANDONED end the call after its handler unless the handler keeps it."),
    inputs: z.array(inputSchema).optional().describe("What the caller enters each time the flow asks (menu, collect digits), in order; silence once the list is used up."),
    agent: agentSchema.optional().describe("How the agent behaves (a simulated agent serving every queue); `none` = nobody available."),
    clock: z
      .object({
        start: z.iso.datetime({ offset: true }).optional().describe("When the call starts, ISO 8601 (\"2026-01-05T09:00:00-05:00\")."),
        businessHours: z.enum(["open", "closed", "holiday", "override"]).optional().describe("What every Business Hours activity answers (unless the environment defines the schedule)."),
      })
      .strict()
      .optional(),
    rejectQueues: z
      .array(z.string().min(1))
      .optional()
      .describe("Queue ids whose Queue Contact fails (QUEUE_NOT_FOUND), as when a queue is deleted or misconfigured."),
    crm: crmStateSchema.optional().describe("Records loaded into a fresh embedded CRM; connectors without fixtures are bound to it."),
    http: z.array(httpFixtureSchema).optional().describe("Answers to HTTP requests, first match wins."),
    virtualAgents: virtualAgentListSchema
      .optional()
      .describe("What each Virtual Agent activity's conversation comes to, by virtualAgentId (\"*\" for any): the port (ENDED, ESCALATE, error), MetaData and what the bot says. Wins over the environment's virtualAgents."),
    stubs: z
      .record(z.string().min(1), stubSchema)
      .optional()
      .describe("Stand-ins for activity types ccflow does not run, by activityName (percent-allocation, record, ...): the port each leaves by and the outputs it sets. Wins over ccflow test --stub."),
    maxSeconds: z.number().positive().optional().describe("Call time after which the caller hangs up (default 3600)."),
    expect: expectSchema,
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;

/** The JSON Schema published for editors (yaml-language-server). */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: "ccflow flow-test scenario",
    description: "A scenario for `ccflow test`: a caller, what the CRM and HTTP services answer, what the caller presses, how the agent behaves, and what must (and must never) happen.",
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}
