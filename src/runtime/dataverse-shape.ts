/**
 * Whether a connector's requests look like Dataverse Web API requests, so that zero-config runs
 * bind it to the embedded CRM. A request looks like Dataverse when its path (after an optional
 * `api/data/v9.x/`) starts with an entity set the CRM serves (`contacts`, `incidents(…)`) or its
 * query carries OData system query options (`$select`, `$filter`, …), as the seed flow's and our
 * example's do. Anything else (Salesforce SOQL, ServiceNow tables, Zendesk, Webex search) is left
 * unbound: answering it with Dataverse 404s would only mislead.
 */
import type { FlowDefinition } from "../flow/types.js";
import { allActivities } from "../flow/validate.js";

const ODATA_OPTIONS = /(?:^|[?&])\$(?:select|filter|expand|top|skip|orderby|count|apply|search)=/i;

/** The request paths (templates as written) each connector's HTTP Requests use. */
export function connectorPaths(flows: FlowDefinition[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const flow of flows) {
    for (const a of allActivities(flow)) {
      const p = a.properties;
      if (a.type !== "http-request-v2" || typeof p.connectorId !== "string" || !p.connectorId || p.authenticated === false) continue;
      const path = typeof p.httpRequestPath === "string" ? p.httpRequestPath : "";
      const list = out.get(p.connectorId) ?? [];
      list.push(path);
      out.set(p.connectorId, list);
    }
  }
  return out;
}

export function looksLikeDataverse(path: string, entitySets: ReadonlySet<string>): boolean {
  const [rawPath = "", query = ""] = path.trim().split(/\?(.*)/s, 2);
  if (ODATA_OPTIONS.test(`?${query}`)) return true;
  const rest = rawPath.replace(/^\/+/, "").replace(/^api\/data\/v9\.\d+\/+/i, "");
  const first = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
  return first !== undefined && entitySets.has(first.toLowerCase());
}
