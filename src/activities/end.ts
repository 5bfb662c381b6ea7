/**
 * End Flow: stops the current flow without hanging up. In an event flow the handler is done; in
 * the main flow a queued caller keeps waiting, anyone else hears dead air (ccflow ends the call).
 */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** The outcome every run gives: one object, read and never changed by the engine. */
const ENDED = { end: "flow" } as const;
/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => ENDED, sync: true };

const end: ActivitySpec = {
  type: "end",
  ports: () => [],
  compile: () => STEP,
};

export default end;
