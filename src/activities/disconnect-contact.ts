/** Disconnect Contact: hangs up; the main flow ends and PhoneContactEnded runs. */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => ({ end: "disconnect" }) };

const disconnectContact: ActivitySpec = {
  type: "disconnect-contact",
  ports: () => [],
  compile: () => STEP,
};

export default disconnectContact;
