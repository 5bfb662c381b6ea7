/** Disconnect Contact: hangs up; the main flow ends and PhoneContactEnded runs. */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** The outcome every run gives: one object, read and never changed by the engine. */
const ENDED = { end: "disconnect" } as const;
/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => ENDED, sync: true };

const disconnectContact: ActivitySpec = {
  type: "disconnect-contact",
  ports: () => [],
  compile: () => STEP,
};

export default disconnectContact;
