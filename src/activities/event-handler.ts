/**
 * An event flow's entry (AgentAnswered, PhoneContactEnded, ...). Older exports give these no
 * activityName, newer ones say "Event"; the loader calls both "event". The engine installs the
 * event's data under its names before the handler runs.
 */
import type { ActivitySpec } from "./types.js";

const eventHandler: ActivitySpec = {
  type: "event",
  ports: () => ["out"],
  run: () => "out",
};

export default eventHandler;
