/**
 * Screen-pop host rewriting: exports hard-code the production CRM host
 * (`org734cd33d.crm.dynamics.com`); an environment maps it to where pops should go here (the
 * embedded CRM's record pages in the demo). Path and query are kept as they are.
 */
export function createScreenPopRewriter(rewriteHosts: Record<string, string>): ((url: string) => string) | undefined {
  const entries = Object.entries(rewriteHosts).map(([host, base]) => [host.toLowerCase(), base.replace(/\/+$/, "")] as const);
  if (entries.length === 0) return undefined;
  return (url: string) => {
    const m = /^(https?:)\/\/([^/?#]+)(.*)$/i.exec(url);
    if (!m) return url;
    const host = m[2]!.toLowerCase();
    const hit = entries.find(([h]) => h === host || h === host.replace(/:\d+$/, ""));
    return hit ? `${hit[1]}${m[3]!.startsWith("/") || m[3] === "" ? "" : "/"}${m[3]}` : url;
  };
}
