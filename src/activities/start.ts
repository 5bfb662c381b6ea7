/** Start of a main flow (NewPhoneContact in older exports, NewContact in newer ones). */
import type { ActivitySpec, ActivityStep } from "./types.js";

/** Nothing to read from the properties: every activity of this type shares one step. */
const STEP: ActivityStep = { run: () => "out", sync: true };

const start: ActivitySpec = {
  type: "NewPhoneContact",
  aliases: ["NewContact"],
  ports: () => ["out"],
  // The engine installs the start data (ANI, DNIS, InteractionId...) before the first step.
  compile: () => STEP,
};

export default start;
