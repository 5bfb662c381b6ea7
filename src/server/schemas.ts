/**
 * The API's requests as zod schemas: fastify validates each route's body, path and query with
 * them (fastify-type-provider-zod), the handlers' types come from them, and the OpenAPI document
 * describes requests from the same schemas, so the three cannot drift apart.
 */
import { z } from "zod";
import { checkCallerId } from "../channels/caller-id.js";

export const placeCallBody = z
  .object({
    ani: z
      .string()
      .superRefine((value, ctx) => {
        const check = checkCallerId(value);
        if (!check.ok) ctx.addIssue({ code: "custom", message: check.message });
      })
      .describe("The caller's number (ANI) as a carrier delivers it: + and digits (e.g. +14806754110), or empty or \"anonymous\" for a withheld number"),
    dnis: z.string().trim().min(1).max(40).optional().describe("The number called (DNIS); the server's default entry number when absent"),
    flow: z.string().min(1).optional().describe("Flow id from GET /api/flows (or the flow's exported name); the first flow when absent"),
    audio: z.boolean().optional().describe("Real audio: prompts are played over a WebRTC line the caller opens at GET /api/calls/{id}/audio (waited for up to 10 s), and an agent's headset is bridged to it"),
  })
  .strict();

export const digitsBody = z
  .object({ digits: z.string().regex(/^[0-9*#]{1,32}$/, "must be 1 to 32 keys among 0-9, * and #").describe("Keys pressed, in order") })
  .strict();

export const loginBody = z.object({ available: z.boolean().optional().describe("Go Available at once (otherwise Idle, reason Login)") }).strict();

const reason = z.string().trim().min(1).max(40).describe("Idle reason (Break, Lunch, Meeting...)");

export const stateBody = z
  .object({
    state: z.enum(["Available", "Idle"]).describe("The state to go to"),
    reason: reason.optional(),
  })
  .strict();

export const offerBody = z.object({ offerId: z.number().int().positive().optional().describe("The offer to answer; the one ringing when absent") }).strict();

export const wrapUpBody = z
  .object({
    state: z.enum(["Available", "Idle"]).optional().describe("Where the agent goes after wrap-up (Available when absent)"),
    reason: reason.optional(),
    code: z.string().min(1).max(100).optional().describe("Wrap-up code id from the environment's center.wrapUpCodes (required when it lists any)"),
    notes: z.string().max(2000).optional().describe("Notes saved on the contact record"),
  })
  .strict();

export const emptyBody = z.object({}).strict();

export const idParams = (what: string) => z.object({ id: z.string().describe(what) });

export const contactsQuery = z.object({
  state: z
    .enum(["all", "active", "ended"], { error: (issue) => `must be all, active or ended (got "${String(issue.input)}")` })
    .optional()
    .describe("Which contacts: all (default), the live ones, or those that ended"),
});

export const observeQuery = z.object({ observe: z.string().optional().describe("1: listen only (closing does not hang up)") });

/** One line per problem, naming the field (`ani: ...`, `body: unknown field "colour"`). */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; code: string; message: string; keys?: readonly string[] }>, whole = "body"): string {
  return issues
    .map((i) => {
      const where = i.path.length ? i.path.map(String).join(".") : whole;
      return i.code === "unrecognized_keys" && i.keys ? `${where}: unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `"${k}"`).join(", ")}` : `${where}: ${i.message}`;
    })
    .join("; ");
}

/** JSON Schema of a body, for the OpenAPI document. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}
