/**
 * An event flow's entry (AgentAnswered, PhoneContactEnded, ...). Older exports give these no
 * activityName, newer ones say "Event"; the loader calls both "event". The engine installs the
 * event's data under its names before the handler runs.
 */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => "out", sync: true };

const eventHandler: ActivitySpec = {
  type: "event",
  ports: () => ["out"],
  compile: () => STEP,
};

export default eventHandler;
