/**
 * The contact-center sections of the environment file: `queues`, `teams`, `agents` and the
 * `center` settings. Shapes are checked with zod; references between sections (an agent's team
 * and queues, duplicate ids and emails) are checked afterwards, and every problem is reported at
 * once, each naming the entry (`agents[2] (id "ana")`) and the field.
 *
 * Other sections of the environment file (connectors, screen-pop host rewrites...) belong to
 * other modules; this schema ignores them.
 */
import { z } from "zod";

const id = z.string().trim().min(1, "must not be empty");
const nonEmpty = z.string().trim().min(1, "must not be empty");

export const routingTypeSchema = z.enum(["LONGEST_AVAILABLE_AGENT", "SKILLS_BASED"]);

export const queueConfigSchema = z
  .object({
    id,
    name: nonEmpty.optional(),
    routing: routingTypeSchema.default("LONGEST_AVAILABLE_AGENT"),
    /** Contacts waiting longer are ended with reason `max-wait`. Flow Designer's maximum is 86,400 s. */
    maxWaitSeconds: z.number().positive().max(86_400).optional(),
  })
  .strict();

export const teamConfigSchema = z.object({ id, name: nonEmpty }).strict();

const count = z.union([z.boolean(), z.number().int().min(0)]);

/** How a simulated agent behaves (for `ccflow call`, tests and benchmarks). */
export const simulatedAgentConfigSchema = z
  .object({
    /** Ring time before accepting (or declining) an offer. */
    answerAfterSeconds: z.number().min(0).default(2),
    /** Time engaged before ending the contact. */
    talkSeconds: z.number().min(0).default(30),
    /** Time in wrap-up before going Available again. */
    wrapUpSeconds: z.number().min(0).default(5),
    /** Time Idle after a RONA or a decline before going Available again. */
    readyAfterSeconds: z.number().min(0).default(5),
    /** Decline offers: `true` = always, a number = the first N. */
    declines: count.default(0),
    /** Let offers ring out (RONA): `true` = always, a number = the first N. */
    ignores: count.default(0),
  })
  .strict();

export const agentConfigSchema = z
  .object({
    id,
    name: nonEmpty,
    email: z
      .string()
      .trim()
      .regex(/^[^\s@]+@[^\s@]+$/, "must be an email address (name@host)")
      .optional(),
    teamId: id.optional(),
    /** Queue ids this agent serves; `"*"` serves every queue, including auto-created ones. */
    queues: z.array(id).default([]),
    /** Log the agent on and make them Available when the center starts. */
    available: z.boolean().default(false),
    simulated: simulatedAgentConfigSchema.optional(),
  })
  .strict();

export const centerSettingsSchema = z
  .object({
    /** How long an offer rings before RONA. */
    ringTimeoutSeconds: z.number().positive().max(3_600).default(15),
    /** Wrap-up length after which an agent is made Available; absent = stays in WrapUp until told. */
    wrapUpSeconds: z.number().min(0).optional(),
    /** State of an agent who declines an offer. */
    declineState: z.enum(["Idle", "Available"]).default("Idle"),
    /** Create queues that flows use but this file lacks (with a notice); false = fail the activity. */
    autoCreateQueues: z.boolean().default(true),
    /** Default look-back for EWT when the activity does not give one (5-240). */
    ewtLookbackMinutes: z.number().min(5).max(240).default(15),
    /** An agent whose desktop lost its connection this long ago is made Idle (reason Disconnected). */
    agentDisconnectGraceSeconds: z.number().min(0).max(3_600).default(10),
    /** Service level: the share of contacts answered within this many seconds (supervisor, reports). */
    serviceLevelSeconds: z.number().positive().max(3_600).default(20),
    /** Contact records (and their traces) older than this many days are deleted from the store. */
    recordRetentionDays: z.number().positive().max(3_650).default(30),
    /** Wrap-up codes agents choose from when a call ends; when there are any, wrap-up needs one. */
    wrapUpCodes: z.array(z.object({ id, name: nonEmpty }).strict()).default([]),
    /**
     * Outside numbers agents may transfer callers to: the first entry whose `prefix` starts the
     * number gives the SIP URI to call (`{number}` in it is replaced by the number). A number no
     * entry matches is refused.
     */
    dialPlan: z
      .array(
        z
          .object({
            prefix: z.string().regex(/^\+?[0-9]*$/, "must be digits, optionally after +"),
            uri: z.string().regex(/^sip:[^\s]+$/, "must be a sip: URI, e.g. sip:{number}@192.0.2.10:5060 (add ;transport=tcp for TCP)"),
            name: nonEmpty.optional(),
            /** Digest credentials for a trunk that challenges; the password is an environment variable's name. */
            username: nonEmpty.optional(),
            password: z
              .string()
              .regex(/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, "must be ${ENV_VAR}: the trunk's password is read from the environment, never written in the file")
              .optional(),
          })
          .strict()
          .refine((e) => (e.username === undefined) === (e.password === undefined), { message: "give username and password together" }),
      )
      .default([]),
    /** How long an outside number may ring before the transfer is given up. */
    outsideRingSeconds: z.number().positive().max(120).default(20),
  })
  .strict();

/** The environment file, as far as the center is concerned (unknown top-level keys are ignored). */
export const centerConfigSchema = z.object({
  queues: z.array(queueConfigSchema).default([]),
  teams: z.array(teamConfigSchema).default([]),
  agents: z.array(agentConfigSchema).default([]),
  center: centerSettingsSchema.default(centerSettingsSchema.parse({})),
});

export type QueueConfig = z.output<typeof queueConfigSchema>;
export type TeamConfig = z.output<typeof teamConfigSchema>;
export type AgentConfig = z.output<typeof agentConfigSchema>;
export type SimulatedAgentConfig = z.output<typeof simulatedAgentConfigSchema>;
export type CenterSettings = z.output<typeof centerSettingsSchema>;
export type CenterConfig = z.output<typeof centerConfigSchema>;

export class CenterConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join("\n  ")}`}`);
    this.name = "CenterConfigError";
  }
}

export interface ParsedCenterConfig {
  config: CenterConfig;
  /** Things worth telling the user that are not errors (skills-based routing treated as LAA). */
  notices: string[];
}

/**
 * Validates the center's sections of an environment object (already read from JSON/YAML).
 * Throws CenterConfigError listing every problem, `source` naming the file.
 */
export function parseCenterConfig(raw: unknown, source = "environment"): ParsedCenterConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CenterConfigError(source, ["expected an object with `queues`, `teams`, `agents` and `center` sections"]);
  }
  const result = centerConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new CenterConfigError(
      source,
      result.error.issues.map((issue) => `${describePath(raw, issue.path)}: ${issue.message}`),
    );
  }
  const config = result.data;
  const problems = crossCheck(config);
  if (problems.length > 0) throw new CenterConfigError(source, problems);
  const notices = config.queues
    .filter((q) => q.routing === "SKILLS_BASED")
    .map((q) => `queue "${q.id}": SKILLS_BASED routing is not implemented yet; routing it as LONGEST_AVAILABLE_AGENT`);
  return { config, notices };
}

function crossCheck(config: CenterConfig): string[] {
  const problems: string[] = [];
  const duplicates = (kind: string, items: Array<{ id: string }>) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const first = seen.get(item.id);
      if (first !== undefined) problems.push(`${kind}[${i}] (id "${item.id}"): duplicate id, already used by ${kind}[${first}]`);
      else seen.set(item.id, i);
    });
  };
  duplicates("queues", config.queues);
  duplicates("teams", config.teams);
  duplicates("agents", config.agents);

  const queueIds = new Set(config.queues.map((q) => q.id));
  const teamIds = new Set(config.teams.map((t) => t.id));
  const emails = new Map<string, number>();
  config.agents.forEach((agent, i) => {
    const where = `agents[${i}] (id "${agent.id}")`;
    if (agent.teamId !== undefined && !teamIds.has(agent.teamId)) {
      problems.push(`${where}.teamId: team "${agent.teamId}" is not defined in teams${known(teamIds)}`);
    }
    agent.queues.forEach((queueId, j) => {
      if (queueId !== "*" && !queueIds.has(queueId)) {
        problems.push(`${where}.queues[${j}]: queue "${queueId}" is not defined in queues${known(queueIds)}`);
      }
    });
    if (agent.email) {
      const key = agent.email.toLowerCase();
      const first = emails.get(key);
      if (first !== undefined) problems.push(`${where}.email: "${agent.email}" is already used by agents[${first}]`);
      else emails.set(key, i);
    }
  });
  return problems;
}

function known(ids: Set<string>): string {
  if (ids.size === 0) return " (none are defined)";
  const list = [...ids].slice(0, 10).map((x) => `"${x}"`).join(", ");
  return ` (known: ${list}${ids.size > 10 ? ", ..." : ""})`;
}

/** `agents[2] (id "ana").email` from a zod path, naming the entry by its id where it has one. */
function describePath(raw: unknown, path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  let node: unknown = raw;
  for (const key of path) {
    if (typeof key === "number") {
      out += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const entryId = node && typeof node === "object" ? (node as Record<string, unknown>).id : undefined;
      if (typeof entryId === "string" && entryId.trim()) out += ` (id "${entryId}")`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out || "(top level)";
}
