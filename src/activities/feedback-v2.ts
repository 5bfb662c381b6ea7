/**
 * Feedback V2 (`Feedback-V2`): the post-call survey. `surveyMethod` names the survey as
 * `inline:<surveyId>:<orgId>` (display name in `surveyMethod_name`); `surveyMethod_radioName`
 * says how it is taken (`voiceBasedSurvey_xm_v2`: spoken to the caller). Webex keeps the survey's
 * questions in Experience Management, which no export carries, so the environment's
 * `activities.surveys` gives them (by survey id, name or `*`).
 *
 * A voice survey speaks each question and waits `timeout` seconds for one key from 1 to the
 * question's scale; each answer (or none) is recorded in the contact's events as one
 * `activity-result` of kind `survey`. A survey the environment does not describe, or one sent by
 * email or SMS (ccflow sends neither), asks nothing and says so in that event. Leaves by `default`.
 */
import { num, scriptFor, str } from "./common.js";
import type { ActivityContext, ActivityOutcome, CompiledActivitySpec } from "./types.js";
import type { ActivityDef } from "../flow/types.js";

/** Seconds to wait for each answer when the export has no `timeout` (ccflow's choice). */
const DEFAULT_ANSWER_SECONDS = 5;

function twin(def: ActivityDef, key: string): string | undefined {
  return str(def, `${key}_name`) ?? str(def, `${key}:name`);
}

export function surveyOf(def: ActivityDef): { id: string; name: string; method: string } {
  const raw = str(def, "surveyMethod") ?? "";
  const parts = raw.split(":");
  const id = parts[0] === "inline" && parts[1] ? parts[1] : raw;
  return { id, name: twin(def, "surveyMethod") ?? "", method: str(def, "surveyMethod_radioName") ?? str(def, "surveyMethod:radioName") ?? "" };
}

const feedbackV2: CompiledActivitySpec = {
  type: "Feedback-V2",
  ports: () => ["default", "error"],
  validate(def, report) {
    if (!str(def, "surveyMethod")) report({ severity: "error", code: "missing-property", message: `Feedback "${def.name}" names no survey`, path: "surveyMethod" });
  },
  compile(def) {
    const survey = surveyOf(def);
    const label = survey.name ? `${JSON.stringify(survey.name)} (${survey.id})` : survey.id;
    const wanted = [survey.id, survey.name].filter(Boolean);
    const voice = survey.method === "" || /voice/i.test(survey.method);
    const waitMs = Math.max(1, num(def, "timeout", DEFAULT_ANSWER_SECONDS)) * 1000;
    return { run: (ctx) => askSurvey(ctx, { survey, label, wanted, voice, waitMs }) };
  },
};

interface CompiledSurvey {
  survey: { id: string; name: string; method: string };
  label: string;
  /** The keys its script is looked up by in activities.surveys. */
  wanted: string[];
  /** Spoken to the caller (else sent by email or SMS, which ccflow does not). */
  voice: boolean;
  waitMs: number;
}

/** One call's survey, as the environment scripts its questions. */
async function askSurvey(ctx: ActivityContext, { survey, label, wanted, voice, waitMs }: CompiledSurvey): Promise<ActivityOutcome> {
  const base = { survey: survey.id, name: survey.name, method: survey.method };
  if (!voice) {
    ctx.emit({ type: "activity-result", kind: "survey", text: `survey ${label} not sent: it goes by ${survey.method}, and ccflow sends no email or SMS`, data: { ...base, asked: false, answers: [] } });
    return "default";
  }
  const script = scriptFor(ctx.env.scripts?.surveys ?? [], (s) => s.id, wanted);
  if (!script) {
    ctx.emit({ type: "activity-result", kind: "survey", text: `survey ${label} not asked: its questions live in Webex Experience Management; give them in activities.surveys`, data: { ...base, asked: false, answers: [] } });
    return "default";
  }
  const answers: Array<{ question: string; answer: number | null }> = [];
  for (const q of script.questions) {
    ctx.emit({ type: "prompt", text: q.prompt });
    const played = await ctx.caller.play({ text: q.prompt }, { signal: ctx.signal, interruptible: true });
    const got = await ctx.caller.collect({ signal: ctx.signal, minDigits: 1, maxDigits: 1, entryTimeoutMs: waitMs, interDigitTimeoutMs: waitMs, initial: played.bargeIn });
    const key = Number(got.digits);
    const answer = /^[1-9]$/.test(got.digits) && key <= q.scale ? key : null;
    ctx.emit({ type: "input", digits: got.digits, outcome: got.digits === "" ? "timeout" : answer === null ? "invalid" : "digits" });
    answers.push({ question: q.prompt, answer });
  }
  const summary = answers.map((a, i) => `Q${i + 1} ${a.answer ?? "no answer"}`).join(", ");
  ctx.emit({ type: "activity-result", kind: "survey", text: `survey ${label} answered: ${summary}`, data: { ...base, asked: true, answers } });
  return "default";
}

export default feedbackV2;
