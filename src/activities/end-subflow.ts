/** End Subflow: returns to the calling flow with the SUBFLOW_OUTPUT variables. */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** The outcome every run gives: one object, read and never changed by the engine. */
const ENDED = { end: "subflow" } as const;
/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => ENDED, sync: true };

const endSubflow: ActivitySpec = {
  type: "end-subflow",
  ports: () => [],
  compile: () => STEP,
};

export default endSubflow;
