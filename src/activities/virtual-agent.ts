/**
 * Virtual Agent (v1 `ivr-virtualassistant`, V2 `ivr-virtualassistantvoice`): in Webex the caller
 * talks to a bot until it ends the conversation or escalates to a person. ccflow runs no bot: the
 * environment (or a test scenario) scripts what each virtual agent's conversation comes to
 * (environment/virtual-agents.ts). The activity says the script's lines to the caller, sets
 * `MetaData` (JSON), `StateEventName` and `TranscriptURL`, and leaves by the scripted port:
 * `ENDED`, `ESCALATE` or `error`. A virtual agent nobody scripted is an error naming its id.
 * The bot's id is `virtualAgentId`, or in older exports that have none, `connector`.
 */
import type { ActivityDef } from "../flow/types.js";
import { isTemplate, str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { ActivityContext, CompiledActivitySpec, TemplateField } from "./types.js";

const ID = "virtualAgentId";
const CONNECTOR = "connector";

/**
 * Where the export names the virtual agent: `virtualAgentId` (a static choice, or a template),
 * or with a variable choice (`configIdRadioGroup` other than `staticConfigId`) the variable in
 * `variableSelection`, bare or as `{{name}}`.
 */
function idSource(def: ActivityDef): { field: string; source: string; variable?: boolean } | undefined {
  const radio = str(def, "configIdRadioGroup");
  const variable = str(def, "variableSelection")?.trim();
  if (radio && radio !== "staticConfigId" && variable) return { field: "variableSelection", source: variable, variable: !isTemplate(variable) };
  const id = str(def, ID)?.trim();
  if (id) return { field: ID, source: id };
  // Older v1 and V2 exports have no virtualAgentId key: the bot is named by `connector`. A newer
  // export that has the key left it empty; its `connector` is the connector kind
  // (NATIVE_ADVANCED_VIRTUAL_AGENT), not a bot.
  if (ID in def.properties) return undefined;
  const connector = str(def, CONNECTOR)?.trim();
  return connector ? { field: CONNECTOR, source: connector } : undefined;
}

function label(def: ActivityDef): string | undefined {
  const field = ID in def.properties ? ID : CONNECTOR;
  const name = [def.properties[`${field}:name`], def.properties[`${field}_name`]].find((v): v is string => typeof v === "string" && v.trim() !== "");
  return name;
}

/** How a call finds the virtual agent's id, decided once from the properties. */
function compileId(def: ActivityDef): string | ((ctx: ActivityContext) => string) {
  const src = idSource(def);
  if (!src) throw new PropertyError(def.name, ID, `names no virtual agent (${ID} and ${CONNECTOR} are empty)`);
  if (src.variable) {
    return (ctx) => {
      const v = ctx.vars.get(src.source);
      return v === null || v === undefined ? "" : String(v).trim();
    };
  }
  return isTemplate(src.source) ? (ctx) => ctx.render(src.source, src.field).trim() : src.source;
}

const virtualAgent: CompiledActivitySpec = {
  type: "ivr-virtualassistantvoice",
  aliases: ["ivr-virtualassistant"],
  ports: () => ["ENDED", "ESCALATE", "error"],
  templates(def) {
    const out: TemplateField[] = [];
    const src = idSource(def);
    if (src && !src.variable && isTemplate(src.source)) out.push({ field: src.field, source: src.source });
    for (const key of ["eventName", "eventData"]) {
      const v = str(def, key);
      if (v && isTemplate(v)) out.push({ field: key, source: v });
    }
    return out;
  },
  validate(def, report) {
    if (!idSource(def)) report({ severity: "error", code: "missing-property", message: `Virtual Agent "${def.name}" names no virtual agent`, path: ID });
  },
  compile(def) {
    const idOf = compileId(def);
    const eventName = str(def, "eventName");
    const eventData = str(def, "eventData");
    const named = label(def);
    return {
      async run(ctx) {
        const id = typeof idOf === "string" ? idOf : idOf(ctx);
        if (!id) throw new ActivityError(`${def.name}: the virtual agent id rendered empty`);
        // The event a flow sends the bot; rendered so a broken template fails here as it would in Webex.
        ctx.render(eventName, "eventName");
        ctx.render(eventData, "eventData");
        const answer = ctx.env.virtualAgent?.(id);
        if (!answer) {
          throw new ActivityError(
            `${def.name}: virtual agent "${id}"${named ? ` (${named})` : ""} is not scripted; ccflow runs no bot — add { id: "${id}", outcome: ENDED | ESCALATE | error } under virtualAgents in the environment file (or in the test scenario)`,
          );
        }
        for (const text of answer.prompts) {
          ctx.emit({ type: "prompt", text });
          await ctx.caller.play({ text }, { signal: ctx.signal, interruptible: false });
        }
        ctx.output("MetaData", answer.metaData);
        ctx.output("StateEventName", answer.stateEventName);
        ctx.output("TranscriptURL", answer.transcriptUrl);
        if (answer.outcome === "error") {
          throw new ActivityError(`${def.name}: virtual agent "${id}" ended in error${answer.errorMessage ? `: ${answer.errorMessage}` : " (scripted)"}`);
        }
        return answer.outcome;
      },
    };
  },
};

export default virtualAgent;
