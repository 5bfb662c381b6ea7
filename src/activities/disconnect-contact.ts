/** Disconnect Contact: hangs up; the main flow ends and PhoneContactEnded runs. */
import type { ActivitySpec } from "./types.js";

const disconnectContact: ActivitySpec = {
  type: "disconnect-contact",
  ports: () => [],
  run: () => ({ end: "disconnect" }),
};

export default disconnectContact;
