/**
 * Event flow names. Exports key handlers by `eventSpecificationName`; people (and our test
 * scripts) speak the UI names. Both are accepted everywhere a user names an event.
 */

export interface EventName {
  /** onEvents key. */
  spec: string;
  /** UI name (`event` / `displayName`). */
  ui: string;
  /** Other names people use for it (Cisco docs call AgentAnswered "AgentAccepted"). */
  aliases: string[];
}

export const EVENT_NAMES: readonly EventName[] = [
  { spec: "AgentContactAssigned", ui: "AgentAnswered", aliases: ["AgentAccepted"] },
  { spec: "AgentOfferContact", ui: "AgentOffered", aliases: [] },
  { spec: "ContactEnded", ui: "PhoneContactEnded", aliases: [] },
  { spec: "FCAsk(ContactLastAgentRemoved)", ui: "AgentDisconnected", aliases: [] },
  { spec: "GlobalErrorHandling", ui: "OnGlobalError", aliases: [] },
  { spec: "ContactPredial", ui: "PreDial", aliases: [] },
  { spec: "ContactOutboundCampaignResult", ui: "OutboundCampaignCallResult", aliases: [] },
  { spec: "ContactCallbackFailed", ui: "CallbackFailed", aliases: [] },
  { spec: "ContactAniUpdated", ui: "ContactAniUpdated", aliases: ["AniUpdated"] },
  { spec: "ContactReservationStarted", ui: "ContactReservationStarted", aliases: [] },
];

const byAnyName = new Map<string, EventName>();
for (const e of EVENT_NAMES) {
  for (const n of [e.spec, e.ui, ...e.aliases]) byAnyName.set(n.toLowerCase(), e);
}

/** Looks an event up by spec name, UI name or alias, case-insensitively. */
export function findEvent(name: string): EventName | undefined {
  return byAnyName.get(name.toLowerCase());
}

/** Every name under which event data may be referenced in templates (`AgentAnswered.AgentID`). */
export function eventNamespaces(e: EventName): string[] {
  return [e.ui, e.spec, ...e.aliases];
}

export const START_TYPES = new Set(["NewPhoneContact", "NewContact"]);
export const SUBFLOW_START_TYPES = new Set(["NewSubFlowStart"]);
/** Namespaces that hold the start event's data, whichever start node the export uses. */
export const START_NAMESPACES = ["NewPhoneContact", "NewContact"];
