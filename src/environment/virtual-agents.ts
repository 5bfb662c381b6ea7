/**
 * Scripted virtual agents. ccflow runs no bot: a Virtual Agent activity (v1 or V2) asks this
 * script what the conversation came to — the port to leave by (ENDED, ESCALATE or error), the
 * MetaData the bot would hand back, its state event name and transcript URL, and the lines it
 * would have said. The environment file and a `ccflow test` scenario hold scripts of the same
 * shape; a scenario's scripts win over the environment's.
 */
import { z } from "zod";
import type { VirtualAgentAnswer } from "../activities/types.js";

/** Any id: the script for virtual agents no other entry names. */
export const ANY_VIRTUAL_AGENT = "*";

const FIELDS = ["id", "outcome", "metaData", "stateEventName", "transcriptUrl", "prompts", "errorMessage"];

export const virtualAgentScriptSchema = z
  .strictObject(
    {
    id: z.string().min(1).describe('The activity\'s virtualAgentId, or "*" for every virtual agent no other entry names.'),
    outcome: z.enum(["ENDED", "ESCALATE", "error"], { error: "must be ENDED, ESCALATE or error (the port the activity leaves by)" }).describe("The port the activity leaves by: ENDED (the bot finished), ESCALATE (the caller wants a person) or error."),
    metaData: z.record(z.string(), z.unknown()).optional().describe("What the bot hands back, read as {{<activity>.MetaData.<key>}} (default {})."),
    stateEventName: z.string().optional().describe("The bot's last state event, read as {{<activity>.StateEventName}}."),
    transcriptUrl: z.string().optional().describe("Where the conversation's transcript would be, read as {{<activity>.TranscriptURL}}."),
    prompts: z.array(z.string()).optional().describe("What the bot says to the caller, in order (each is a prompt in the call)."),
    errorMessage: z.string().min(1).optional().describe("With outcome error: the error the activity reports."),
    },
    {
      error: (iss) => {
        if (iss.code !== "unrecognized_keys") return undefined;
        const id = iss.input && typeof iss.input === "object" ? (iss.input as { id?: unknown }).id : undefined;
        return `${typeof id === "string" ? `entry "${id}": ` : ""}unknown field${iss.keys.length > 1 ? "s" : ""} ${iss.keys.join(", ")} (a virtual agent script has ${FIELDS.join(", ")})`;
      },
    },
  )
  .superRefine((v, ctx) => {
    if (v.errorMessage !== undefined && v.outcome !== "error") {
      ctx.addIssue({ code: "custom", path: ["errorMessage"], message: `entry "${v.id}": errorMessage only goes with outcome: error (the outcome is ${v.outcome})` });
    }
  });

export type VirtualAgentScript = z.infer<typeof virtualAgentScriptSchema>;

/** A list of scripts with each id at most once, so which script answers is never a guess. */
export const virtualAgentListSchema = z.array(virtualAgentScriptSchema).superRefine((list, ctx) => {
  const first = new Map<string, number>();
  list.forEach((entry, i) => {
    const earlier = first.get(entry.id);
    if (earlier === undefined) first.set(entry.id, i);
    else ctx.addIssue({ code: "custom", path: [i, "id"], message: `virtual agent "${entry.id}" is scripted twice (entries ${earlier} and ${i}); keep one` });
  });
});

/**
 * The scripts a call sees: `over` (a scenario's) wins over `under` (the environment's). A
 * scenario that scripts "*" answers for every virtual agent, so none of the environment's apply.
 */
export function layerVirtualAgents(over: VirtualAgentScript[], under: VirtualAgentScript[]): VirtualAgentScript[] {
  if (over.length === 0) return under;
  if (over.some((s) => s.id === ANY_VIRTUAL_AGENT)) return over;
  const named = new Set(over.map((s) => s.id));
  return [...over, ...under.filter((s) => !named.has(s.id))];
}

/** Looks a virtual agent up: its own entry first, then the "*" entry. */
export function virtualAgentDirectory(scripts: VirtualAgentScript[]): (id: string) => VirtualAgentAnswer | undefined {
  const byId = new Map(scripts.map((s) => [s.id, s]));
  return (id) => {
    const s = byId.get(id) ?? byId.get(ANY_VIRTUAL_AGENT);
    if (!s) return undefined;
    return {
      outcome: s.outcome,
      metaData: s.metaData ?? {},
      stateEventName: s.stateEventName ?? "",
      transcriptUrl: s.transcriptUrl ?? "",
      prompts: s.prompts ?? [],
      errorMessage: s.errorMessage,
      scriptedAs: s.id,
    };
  };
}
