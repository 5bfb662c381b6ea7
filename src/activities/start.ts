/** Start of a main flow (NewPhoneContact in older exports, NewContact in newer ones). */
import type { ActivitySpec } from "./types.js";

const start: ActivitySpec = {
  type: "NewPhoneContact",
  aliases: ["NewContact"],
  ports: () => ["out"],
  // The engine installs the start data (ANI, DNIS, InteractionId...) before the first step.
  run: () => "out",
};

export default start;
