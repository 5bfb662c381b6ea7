/** End Subflow: returns to the calling flow with the SUBFLOW_OUTPUT variables. */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => ({ end: "subflow" }) };

const endSubflow: ActivitySpec = {
  type: "end-subflow",
  ports: () => [],
  compile: () => STEP,
};

export default endSubflow;
