/** A small support line used by the API tests: welcome, menu, queue with a variable priority, hold music, a screen pop on answer. */
import type { FlowDefinition } from "../../src/flow/types.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";

/** `menuTimeoutSeconds`: how long the menu waits for a key (the load test gives a busy machine room). */
export function supportFlow(options: { menuTimeoutSeconds?: number } = {}): FlowDefinition {
  return buildFlow({
    name: "Support_Line",
    variables: [
      { name: "Tier", value: "Gold", isCAD: true, desktopLabel: "Customer tier" },
      { name: "Pin", value: "0000", isSecure: true },
      { name: "Prio", type: "INTEGER", value: "3" },
    ],
    main: [
      { name: "Welcome", type: "play-message", props: tts("Welcome to the test line.") },
      { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 for support."), menuLinks: ["1"], interruptible: true, entryTimeout: String(options.menuTimeoutSeconds ?? 10) } },
      { name: "SetPin", type: "set-variable", props: { srcVariable: "Pin", srcVariableType: "STRING", expr: "9876" } },
      { name: "Queue", type: "queue-contact", props: { destination: "Q-Test", toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{Prio}}" } },
      { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["Welcome", "default", "Menu"],
      ["Menu", "1", "SetPin"],
      ["Menu", "timeout", "Bye"],
      ["Menu", "invalid", "Bye"],
      ["SetPin", "out", "Queue"],
      ["Queue", "default", "Hold"],
      ["Hold", "default", "Hold"],
    ],
    events: {
      AgentContactAssigned: {
        nodes: [
          { name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example.com/main.aspx?", queryParameters: { tier: "{{Tier}}", etn: "contact" }, target: "insideDesktop", screenPopDesktopLabel: "Customer details" } },
          { name: "EndAssigned", type: "end" },
        ],
        links: [
          ["AgentContactAssigned", "out", "Pop"],
          ["Pop", "default", "EndAssigned"],
        ],
      },
    },
  });
}

export const supportEnvironment = {
  queues: [
    { id: "Q-Test", name: "Test Queue" },
    { id: "Q-Other", name: "Other Queue" },
  ],
  teams: [{ id: "t1", name: "Tier One" }],
  agents: [
    { id: "ana", name: "Ana Lima", email: "ana@example.com", teamId: "t1", queues: ["Q-Test"] },
    { id: "robo", name: "Robo", queues: ["Q-Other"], simulated: { answerAfterSeconds: 1 } },
  ],
  center: { ringTimeoutSeconds: 60 },
};
