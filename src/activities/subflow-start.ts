/** Entry of a subflow: its SUBFLOW_INPUT variables were set by the caller before it runs. */
import type { ActivitySpec } from "./types.js";

const subflowStart: ActivitySpec = {
  type: "NewSubFlowStart",
  ports: () => ["out"],
  run: async () => "out",
};

export default subflowStart;
