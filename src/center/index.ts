/** The contact center's public surface, for the engine, the server and the CLI. */
export { ContactCenter, normalizePriority } from "./contact-center.js";
export type {
  AgentSnapshot,
  CallbackSnapshot,
  CallbackState,
  ContactCenterOptions,
  ContactSnapshot,
  QueueSnapshot,
  WaitingContactSnapshot,
} from "./contact-center.js";
export { AGENT_TRANSITIONS, checkAgentAction, nextAgentState } from "./agent-machine.js";
export type { AgentAction, AgentTransition } from "./agent-machine.js";
export { CenterConfigError, centerConfigSchema, parseCenterConfig } from "./config.js";
export type { AgentConfig, CenterConfig, CenterSettings, ParsedCenterConfig, QueueConfig, SimulatedAgentConfig, TeamConfig } from "./config.js";
export { CenterError } from "./errors.js";
export type { CenterErrorCode } from "./errors.js";
export type * from "./center-events.js";
export { createSimulatedAgents, simulatedSpecs } from "./simulated-agents.js";
export type { SimulatedAgentSpec, SimulatedAgentStats, SimulatedAgents } from "./simulated-agents.js";
export { MemoryCenterState, personalList } from "./state.js";
export type { AgentRecord, AgentState, CenterState, ContactKind, ContactRecord, ContactState, QueueRecord, RoutingType, TeamRecord } from "./state.js";
export type * from "./types.js";
export type { ConsultSnapshot } from "./transfers.js";
