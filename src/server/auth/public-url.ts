/**
 * `CCFLOW_PUBLIC_URL`: the one address people and apps reach several servers by (a balancer in
 * front of nodes sharing PostgreSQL). The embedded identity service then has that address as its
 * issuer on every node, so a token or a sign-in any node started is good on all of them.
 */
export function publicUrlFromEnv(env: Record<string, string | undefined>): string | undefined {
  const raw = env.CCFLOW_PUBLIC_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`CCFLOW_PUBLIC_URL must be a URL such as https://ccflow.example.com, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`CCFLOW_PUBLIC_URL must be an http or https URL, got "${raw}"`);
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) throw new Error(`CCFLOW_PUBLIC_URL must be an origin only (scheme, host, port), got "${raw}"`);
  return url.origin;
}
