/** The small matching languages of scenario files: text matches and request path patterns. */
import type { PathPattern, TextMatch } from "./schema.js";

/**
 * A scenario's regexes are compiled once per text (none may carry `g` or `y`, so a shared RegExp
 * holds no match state); bounded, like the template layer's pattern caches, since `ccflow call
 * --fixtures` and test runs may go through many scenario files in one process.
 */
const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_SIZE = 256;

function compile(source: string, flags = ""): RegExp {
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(source, flags);
    if (regexCache.size >= REGEX_CACHE_SIZE) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/** Checks every regex of a scenario up front, so a typo is a load error, not a failed run. */
export function regexProblem(source: string, flags?: string): string | undefined {
  try {
    compile(source, flags);
    return undefined;
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
}

export function matchText(m: TextMatch, actual: string | undefined | null): boolean {
  if (actual === undefined || actual === null) return false;
  if (typeof m === "string") return actual === m;
  if ("exact" in m) return actual === m.exact;
  if ("contains" in m) return actual.includes(m.contains);
  return compile(m.regex, m.flags).test(actual);
}

export function describeText(m: TextMatch): string {
  if (typeof m === "string") return JSON.stringify(m);
  if ("exact" in m) return JSON.stringify(m.exact);
  if ("contains" in m) return `containing ${JSON.stringify(m.contains)}`;
  return `matching /${m.regex}/${m.flags ?? ""}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The part of a request URL a scenario talks about: after the connector's base URL when the
 * request went through one, else the URL's path and query; percent-decoded, no leading `/`.
 */
export function requestTarget(url: string, base?: string): string {
  return safeDecode(rawRequestTarget(url, base));
}

/** The same part of the URL as sent, not decoded (`identity=%2B1408…`). */
export function rawRequestTarget(url: string, base?: string): string {
  let rest: string;
  if (base && url.startsWith(base)) rest = url.slice(base.length);
  else {
    try {
      const u = new URL(url);
      rest = `${u.pathname}${u.search}`;
    } catch {
      rest = url;
    }
  }
  return rest.replace(/^\/+/, "");
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return compile(`^${source}$`, "s");
}

/**
 * A pattern matches a request when it matches the target decoded or as sent: a scenario may
 * write `identity=+1408*` or `identity=%2B1408*`.
 */
export function matchRequest(pattern: PathPattern, url: string, base?: string): boolean {
  const raw = rawRequestTarget(url, base);
  return matchPath(pattern, safeDecode(raw)) || matchPath(pattern, raw);
}

export function matchPath(pattern: PathPattern, target: string): boolean {
  if (typeof pattern !== "string") return compile(pattern.regex).test(target);
  const p = pattern.replace(/^\/+/, "");
  const subject = p.includes("?") ? target : target.split("?")[0]!;
  return globToRegExp(p).test(subject);
}

export function describePath(pattern: PathPattern): string {
  return typeof pattern === "string" ? pattern : `/${pattern.regex}/`;
}
