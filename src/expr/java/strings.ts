/** java.lang.String and Character behaviours that differ from JavaScript's. */

/** String.trim(): strips code units <= U+0020 only (JavaScript's trim also strips Unicode spaces). */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** String.strip()/isBlank(): Character.isWhitespace at both ends. */
export function javaStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isJavaWhitespace(s.charCodeAt(start))) start++;
  while (end > start && isJavaWhitespace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Character.isWhitespace: Unicode space separators except no-break spaces, plus the ASCII controls. */
export function isJavaWhitespace(c: number): boolean {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return true;
  if (c < 0x1680) return false;
  if (c === 0x00a0 || c === 0x2007 || c === 0x202f) return false;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x205f || c === 0x3000;
}

/** String.hashCode() (what HashMap buckets and Java's array toString use). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Character.toTitleCase for one UTF-16 unit (close enough: upper case, except the few digraphs). */
export function toTitleCase(ch: string): string {
  switch (ch) {
    case "ǆ":
    case "ǅ":
    case "Ǆ":
      return "ǅ";
    case "ǉ":
    case "ǈ":
    case "Ǉ":
      return "ǈ";
    case "ǌ":
    case "ǋ":
    case "Ǌ":
      return "ǋ";
    case "ǳ":
    case "ǲ":
    case "Ǳ":
      return "ǲ";
  }
  const up = ch.toUpperCase();
  // Java maps one char to one char here (ß stays ß).
  return up.length === 1 ? up : ch;
}

/** Java's String.replace(CharSequence, CharSequence): literal, all occurrences, "" inserts everywhere. */
export function replaceLiteral(s: string, target: string, replacement: string): string {
  return s.replaceAll(target, () => replacement);
}
