/** What the server is made of, assembled once its listeners are bound (so it knows its own addresses) and handed to the API's plugins. */
import type { AgentSnapshot, ContactCenter } from "../center/index.js";
import type { Clock } from "../time/clock.js";
import type { SipServer } from "../channels/sip/sip-server.js";
import type { Runtime } from "../runtime/runtime.js";
import type { AgentDesk } from "./agent-desk.js";
import type { CallRegistry } from "./calls.js";
import type { ContactRecords } from "./contact-records.js";
import type { CallControls } from "./call-controls.js";
import type { CallForwarding } from "./cluster-calls.js";
import type { EventJournal } from "./event-journal.js";
import type { FlowCatalog } from "./flows.js";
import type { VoiceLines } from "./voice-lines.js";
import type { Dialler } from "./dialler.js";

/** A number to call from the softphone, and who answers to it in the CRM's demo data. */
export interface DemoCaller {
  number: string;
  /** Who the CRM knows by this number, or a description (`unknown caller`). */
  name: string;
  /** One line: what the caller's newest open case is, or why the number is there. */
  note: string;
  /** The newest open case's priority, when there is one. */
  casePriority?: "High" | "Normal" | "Low";
  caseTitle?: string;
  caseNumber?: string;
  known: boolean;
}

export interface DemoAgent extends Pick<AgentSnapshot, "id" | "name" | "email" | "teamId" | "teamName" | "queues"> {
  /** Played by the machine: a person cannot sign in as this agent. */
  simulated: boolean;
}

export interface ServerUrls {
  /** The web UI (and the API under /api). */
  ui: string;
  api: string;
  openapi: string;
  /** The second OpenAPI document: the embedded CRM's Web API and token service, the identity service, /sip. */
  openapiPlatform: string;
  /** The embedded CRM, when it runs: its base (record pages at /main.aspx). */
  crm?: string;
  crmHttps?: string;
  webApi?: string;
  tokenUrl?: string;
  /** Where SIP calls are taken (sip:host:port, UDP and TCP), when they are. */
  sip?: string;
  /** SIP over TLS (sips:host:port), and the CA of its development certificate when ccflow made it. */
  sips?: string;
  sipsCaPath?: string;
  /** SIP over WebSocket (RFC 7118) on the HTTP port, and over WSS on the HTTPS port. */
  sipWebSocket?: string;
  sipWebSocketSecure?: string;
  /** The CA that signed the HTTPS listener's certificate. */
  caPath?: string;
}

export interface CrmCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The public development defaults (printable), not CCFLOW_* overrides. */
  development?: boolean;
}

export interface ServerContext {
  runtime: Runtime;
  center: ContactCenter;
  calls: CallRegistry;
  desk: AgentDesk;
  flows: FlowCatalog;
  clock: Clock;
  urls: ServerUrls;
  demo: { callers: DemoCaller[]; agents: DemoAgent[] };
  /** The embedded CRM's development app (never a real secret). */
  crm?: CrmCredentials;
  /** Who signs in where: the embedded identity service (with its public development users) or an external provider. */
  signIn: { issuer: string; embedded: boolean; users: Array<{ username: string; password: string; name: string; roles: string[]; agentId?: string }>; storedUsers?: number };
  /** Contact records for the supervisor's KPIs and reports. */
  records?: ContactRecords;
  /** Hold, mute, editable call-associated data, wrap-up codes. */
  controls?: CallControls;
  /** Recent center events with ids, for sockets that reconnect (?after=). */
  journal?: EventJournal;
  /** A cluster node: what acts on a call that runs on another node is done there. */
  forwarding?: CallForwarding;
  defaultDnis: string;
  /** The SIP front, when SIP calls are taken. */
  sip?: SipServer;
  /** Callers' and agents' audio legs and the bridges between them. */
  voice?: VoiceLines;
  /** Agents' outdials and campaigns, placing SIP calls through the dial plan (with SIP on). */
  dialler?: Dialler;
  startedAt: number;
  version: string;
}
