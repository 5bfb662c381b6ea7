/**
 * End Flow: stops the current flow without hanging up. In an event flow the handler is done; in
 * the main flow a queued caller keeps waiting, anyone else hears dead air (ccflow ends the call).
 */
import type { ActivitySpec } from "./types.js";

const end: ActivitySpec = {
  type: "end",
  ports: () => [],
  run: () => ({ end: "flow" }),
};

export default end;
