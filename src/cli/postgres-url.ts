/** Checks a `--postgres` value before anything connects, so a typo gets a message naming the option. */
export function parsePostgresUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--postgres must be a URL such as postgresql://user:password@127.0.0.1:5432/ccflow, got something that is not a URL`);
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new Error(`--postgres must be a postgresql:// URL, not ${url.protocol}//…`);
  }
  if (url.pathname === "" || url.pathname === "/") throw new Error("--postgres must name a database: postgresql://user:password@host:5432/<database>");
  return value;
}
