/**
 * The dialler's parts, put together once the SIP front is up: agents' outdials and campaigns,
 * both placing calls through the environment's dial plan (outbound-contacts.ts).
 */
import type { ContactCenter } from "../center/index.js";
import { Campaigns } from "../campaigns/campaigns.js";
import { AgentOutdial } from "../campaigns/outdial.js";
import { SipOutboundContacts, type SipOutboundContactsOptions } from "./outbound-contacts.js";

export interface Dialler {
  outdial: AgentOutdial;
  campaigns: Campaigns;
  /** The number calls show when a request names none. */
  defaultFrom: string;
  close(): void;
}

export function startDialler(o: SipOutboundContactsOptions & { center: ContactCenter; defaultFrom: string }): Dialler {
  const contacts = new SipOutboundContacts(o);
  const campaigns = new Campaigns({ center: o.center, contacts, ...(o.log ? { log: o.log } : {}) });
  return {
    outdial: new AgentOutdial({ center: o.center, contacts, defaultFrom: o.defaultFrom }),
    campaigns,
    defaultFrom: o.defaultFrom,
    close: () => {
      campaigns.close();
      contacts.close();
    },
  };
}
