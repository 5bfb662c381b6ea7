/**
 * Feedback V2 from the caller's side: a voice survey asks its questions and the caller's answers
 * are recorded in the contact's events; an answer out of scale or none at all is recorded as no
 * answer. The questions come from the environment (Webex keeps them in Experience Management); a
 * survey nobody described, or one sent by email, asks nothing and says so.
 */
import { describe, expect, it } from "vitest";
import { activityScriptsSchema } from "../../src/environment/activity-scripts.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

// The properties as Cisco's PercentageAllocation template exports them.
const survey = (over: Record<string, unknown> = {}) =>
  buildFlow({
    main: [
      { name: "Thanks", type: "play-message", props: tts("Please stay on the line for a short survey.") },
      {
        name: "FeedbackV2_qg3",
        type: "Feedback-V2",
        props: {
          surveyMethod: "inline:6650faec5aac8178ddfc624a:3f4ac69f-e86a-4d6a-b016-f0b0b7445c1d",
          "surveyMethod:name": "Briana's Survey",
          surveyMethod_name: "Briana's Survey",
          surveyMethod_radioName: "voiceBasedSurvey_xm_v2",
          timeout: 3,
          customPreFills: null,
          phoneNumber: null,
          email: null,
          ...over,
        },
      },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["Thanks", "default", "FeedbackV2_qg3"],
      ["FeedbackV2_qg3", "default", "Bye"],
    ],
  });

const surveys = activityScriptsSchema.parse({
  surveys: [
    {
      id: "6650faec5aac8178ddfc624a",
      questions: [{ prompt: "How satisfied were you, 1 to 5?" }, { prompt: "Was your issue solved? Press 1 for yes, 2 for no.", scale: 2 }, { prompt: "How likely are you to recommend us, 1 to 9?", scale: 9 }],
    },
  ],
});

describe("Feedback V2", () => {
  it("asks each question and records the caller's answers in the contact's events", async () => {
    const { rec, port } = await runFlow(survey(), { digits: [{ digits: "4" }, { digits: "7" }, { digits: null }], env: { scripts: surveys } });
    expect(port("FeedbackV2_qg3")).toBe("default");
    expect(rec.prompts()).toEqual(["Please stay on the line for a short survey.", "How satisfied were you, 1 to 5?", "Was your issue solved? Press 1 for yes, 2 for no.", "How likely are you to recommend us, 1 to 9?"]);
    const result = rec.of("activity-result")[0]!;
    expect(result).toMatchObject({ kind: "survey", activity: "FeedbackV2_qg3", text: `survey "Briana's Survey" (6650faec5aac8178ddfc624a) answered: Q1 4, Q2 no answer, Q3 no answer` });
    // 7 is out of the yes/no scale; the third question got silence for its 3 s.
    expect(result.data.answers).toEqual([
      { question: "How satisfied were you, 1 to 5?", answer: 4 },
      { question: "Was your issue solved? Press 1 for yes, 2 for no.", answer: null },
      { question: "How likely are you to recommend us, 1 to 9?", answer: null },
    ]);
    expect(rec.of("input").map((i) => i.outcome)).toEqual(["digits", "invalid", "timeout"]);
  });

  it("finds the survey by its name, or a * entry", async () => {
    const byStar = activityScriptsSchema.parse({ surveys: [{ id: "*", questions: [{ prompt: "Rate us 1 to 5." }] }] });
    const { rec } = await runFlow(survey(), { digits: [{ digits: "5" }], env: { scripts: byStar } });
    expect(rec.of("activity-result")[0]!.data).toMatchObject({ asked: true, answers: [{ answer: 5 }] });
  });

  it("asks nothing for a survey nobody described, or one that goes by email, and says so", async () => {
    const none = await runFlow(survey(), { env: { scripts: activityScriptsSchema.parse({}) } });
    expect(none.port("FeedbackV2_qg3")).toBe("default");
    expect(none.rec.of("activity-result")[0]!.text).toBe(`survey "Briana's Survey" (6650faec5aac8178ddfc624a) not asked: its questions live in Webex Experience Management; give them in activities.surveys`);
    const email = await runFlow(survey({ surveyMethod_radioName: "emailBasedSurvey", email: "{{Email}}" }), { env: { scripts: surveys } });
    expect(email.rec.of("activity-result")[0]!.text).toContain("not sent: it goes by emailBasedSurvey, and ccflow sends no email or SMS");
  });
});
