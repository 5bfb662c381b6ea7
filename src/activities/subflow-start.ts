/** Entry of a subflow: its SUBFLOW_INPUT variables were set by the caller before it runs. */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: async () => "out" };

const subflowStart: ActivitySpec = {
  type: "NewSubFlowStart",
  ports: () => ["out"],
  compile: () => STEP,
};

export default subflowStart;
