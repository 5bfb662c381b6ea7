/** End Subflow: returns to the calling flow with the SUBFLOW_OUTPUT variables. */
import type { ActivitySpec } from "./types.js";

const endSubflow: ActivitySpec = {
  type: "end-subflow",
  ports: () => [],
  run: () => ({ end: "subflow" }),
};

export default endSubflow;
