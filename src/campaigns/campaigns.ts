/**
 * The server's campaigns, by id: created from a request, read back with their per-contact
 * outcomes, stopped. Campaigns live in memory: a restart forgets them (docs/fidelity.md).
 */
import type { ContactCenter } from "../center/index.js";
import { Campaign, type CampaignSpec, type CampaignView, type PreviewOffer } from "./campaign.js";
import { DiallerError } from "./outdial.js";
import type { OutboundContacts } from "./ports.js";

export interface CampaignsOptions {
  center: ContactCenter;
  contacts: OutboundContacts;
  log?: (level: "info" | "warn", message: string) => void;
}

export class Campaigns {
  private readonly byId = new Map<string, Campaign>();
  private seq = 0;

  constructor(private readonly options: CampaignsOptions) {}

  create(spec: CampaignSpec): CampaignView {
    const { center, contacts } = this.options;
    if (!center.listQueues().some((q) => q.id === spec.queue)) throw new DiallerError(404, "QUEUE_NOT_FOUND", `queue: no queue "${spec.queue}" (queues: ${center.listQueues().map((q) => q.id).join(", ")})`);
    if (spec.team !== undefined && !center.listAgents().some((a) => a.teamId === spec.team)) throw new DiallerError(404, "TEAM_NOT_FOUND", `team: no agent is in team "${spec.team}"`);
    if (!contacts.hasFlow(spec.flow)) throw new DiallerError(404, "FLOW_NOT_FOUND", `flow: no flow "${spec.flow}"`);
    spec.numbers.forEach((n, i) => {
      const refused = contacts.refuse(n);
      if (refused) throw new DiallerError(400, "NO_ROUTE", `numbers[${i}]: ${refused}`);
    });
    const id = `c${++this.seq}`;
    const campaign = new Campaign(id, spec, { center, contacts, ...(this.options.log ? { log: this.options.log } : {}) });
    this.byId.set(id, campaign);
    campaign.start();
    return campaign.view();
  }

  list(): CampaignView[] {
    return [...this.byId.values()].map((c) => c.view());
  }

  get(id: string): CampaignView | undefined {
    return this.byId.get(id)?.view();
  }

  stop(id: string): CampaignView {
    const c = this.require(id);
    c.stop();
    return c.view();
  }

  /** The contact offered to an agent for preview, across campaigns. */
  preview(agentId: string): PreviewOffer | undefined {
    for (const c of this.byId.values()) {
      const offer = c.preview(agentId);
      if (offer) return offer;
    }
    return undefined;
  }

  acceptPreview(agentId: string): PreviewOffer & { interactionId: string } {
    const offer = this.preview(agentId);
    if (!offer) throw new DiallerError(409, "NO_PREVIEW", `agent "${agentId}" has no campaign contact to preview`);
    const { interactionId } = this.require(offer.campaignId).acceptPreview(agentId);
    return { ...offer, interactionId };
  }

  skipPreview(agentId: string): PreviewOffer {
    const offer = this.preview(agentId);
    if (!offer) throw new DiallerError(409, "NO_PREVIEW", `agent "${agentId}" has no campaign contact to preview`);
    this.require(offer.campaignId).skipPreview(agentId);
    return offer;
  }

  close(): void {
    for (const c of this.byId.values()) c.close();
  }

  private require(id: string): Campaign {
    const c = this.byId.get(id);
    if (!c) throw new DiallerError(404, "CAMPAIGN_NOT_FOUND", `no campaign "${id}"`);
    return c;
  }
}
