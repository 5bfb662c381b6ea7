/** Splits on commas that are not inside a quoted stretch (`'…'` in keys, `"…"` in Prefer values). */
export function splitOutsideQuotes(text: string, quote: "'" | '"'): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === quote) quoted = !quoted;
    if (ch === "," && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
