/**
 * Substring index for phone-like columns, so `contains(telephone1,'14806754110')` (the ANI lookup
 * every call makes) does not scan the table.
 *
 * Why not FTS5's trigram tokenizer: on 1,000,000 phone numbers every digit trigram occurs in
 * about 1% of rows, so an 11-digit pattern intersects nine doclists of ~10,000 entries each;
 * measured ≈2 ms per lookup. This index stores, for every position of the (ASCII-lower-cased)
 * value, the next up-to-6 characters as a term in a WITHOUT ROWID B-tree keyed (term, rid):
 * - a literal of 6 or more characters seeks one exact term, its last six characters (≈10
 *   candidate rows per million phone numbers);
 * - a literal of 3–5 characters is a prefix range over the terms (shorter terms at the end of
 *   each value make matches at the end findable);
 * - shorter literals fall back to a scan, as a trigram index would.
 * The same table and terms serve PostgreSQL (postgres-store.ts), as a B-tree primary key on
 * (term, rid) in the "C" collation, so ranges compare code points as SQLite's do.
 * Candidates are always re-checked with LIKE on the row itself, so `%` and `_` inside the searched
 * text keep their LIKE meaning (as on Dataverse's SQL Server) and results are exact.
 */
export const TERM_LENGTH = 6;
export const MIN_TERM = 3;

export function ngramTableName(table: string, column: string): string {
  return `ngram_${table}_${column}`;
}

/** ASCII-only lower-casing: SQLite's LIKE folds ASCII letters only, and the index must agree. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The distinct terms stored for one value. */
export function termsOf(value: string | null | undefined): string[] {
  if (!value) return [];
  const lower = asciiLower(value);
  const terms = new Set<string>();
  for (let i = 0; i + MIN_TERM <= lower.length; i++) terms.add(lower.slice(i, i + TERM_LENGTH));
  return [...terms];
}

/** Upper bound for a prefix range: sorts after every string that starts with `prefix`. */
const MAX_CHAR = "\u{10FFFF}";

/**
 * The term range that finds candidates for a LIKE search text (the part between the wildcards
 * Dataverse adds), or null when no literal run is long enough to use the index.
 */
export function termRange(searchText: string): { low: string; high: string; exact?: string } | null {
  const runs = searchText.split(/[%_]/);
  let best = "";
  for (const run of runs) if (run.length > best.length) best = run;
  if (best.length < MIN_TERM) return null;
  const lower = asciiLower(best);
  if (lower.length >= TERM_LENGTH) {
    // Any window of the literal is a stored term; the last one is the most selective for phone
    // numbers, whose leading characters (country and area code) are shared by many rows.
    const term = lower.slice(-TERM_LENGTH);
    return { low: term, high: `${term}\u0000`, exact: term };
  }
  return { low: lower, high: lower + MAX_CHAR };
}
