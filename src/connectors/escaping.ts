/**
 * How interpolated values reach the wire, in the two modes the environment's `http.escaping`
 * chooses between.
 *
 * `webex` (the default) does what Webex does: a template is rendered and the text inserted as it
 * is; only the finished URL is normalised as any HTTP client must (encodeIllegalUrlCharacters:
 * spaces, controls and non-ASCII percent-encoded, an existing `%XX` kept), so `{{x | urlencode}}`
 * is encoded once. A JSON or form body goes as rendered. Safety then comes from the edges, which
 * accept only a caller id a carrier delivers (channels/caller-id.ts), and from the flow itself
 * escaping in Pebble (`| urlencode`, `| replace({"'": "''"})`), which `ccflow validate` asks for.
 *
 * `strict` keeps ccflow's earlier behaviour, for those who want the engine to guard flows that do
 * not escape: the `escape(value, before)` hooks below look at `before` (the output rendered so
 * far) to learn where the value lands:
 * - URL: inside a quoted OData/SQL-style string literal the value's single quotes are doubled
 *   (OData's own escape), then the value is percent-encoded (RFC 3986 unreserved characters
 *   only, so `+` becomes %2B — Dataverse form-decodes `+` as a space — and `'` becomes %27).
 * - JSON body: inside a JSON string literal the value is JSON-escaped; outside one it is left
 *   as rendered, as Pebble does (so `"count": {{n}}` still yields a number).
 * - Form body: percent-encoded like a query value.
 * In both modes a header value loses CR and LF, which no header can hold.
 * Pure functions; no state.
 */

/** encodeURIComponent that turns a lone surrogate into U+FFFD instead of throwing. */
function encodeUtf8(value: string): string {
  // Most values have no surrogate at all: then the lookaround pass is skipped.
  if (!/[\ud800-\udfff]/.test(value)) return encodeURIComponent(value);
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
}

/** Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`). */
export function encodeStrict(value: string): string {
  const encoded = encodeUtf8(value);
  return /[!'()*]/.test(encoded) ? encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}

/**
 * True when `before` ends inside a single-quoted literal of the current URL component: the
 * current query parameter (after the last `?` or `&`) once a query has begun, else the whole
 * path (OData alternate keys: `accounts(accountnumber='{{x}}')`). A quote may be written
 * raw or as `%27`: the server decodes both to `'`, so both count. Doubled quotes (`''`) count
 * twice and so leave the literal open or closed as before, which is what OData means by them.
 */
export function insideQuotedLiteral(before: string): boolean {
  const queryStart = before.indexOf("?");
  const start = queryStart >= 0 ? Math.max(before.lastIndexOf("&"), queryStart) + 1 : 0;
  // Counted in place: no copy of the component, no array of matches.
  let quotes = 0;
  for (let i = start; i < before.length; i++) {
    const c = before.charCodeAt(i);
    if (c === 39 /* ' */) quotes++;
    else if (c === 37 /* % */ && before.charCodeAt(i + 1) === 50 /* 2 */ && before.charCodeAt(i + 2) === 55 /* 7 */) quotes++;
  }
  return quotes % 2 === 1;
}

/**
 * True when a value lands where a URL prefix goes: at the very start of a path template, or in
 * the scheme/host part of an absolute URL (`{{BaseUrl}}/x`, `https://{{host}}/x`). Such a value
 * is configuration-like (a base URL), so it keeps its `/` and `:`.
 */
export function atUrlPrefix(before: string): boolean {
  return before === "" || /^[a-z][a-z0-9+.-]*:(\/\/[^/?#]*)?$/i.test(before);
}

/**
 * Escaper for templates that build a URL or a URL path (`httpRequestPath`, `httpRequestUrl`):
 * a value is one path segment or one query value, so `/ ? # & = + '` in it are encoded; inside
 * a quoted literal its single quotes are doubled first. A value in prefix position (see
 * atUrlPrefix) only has characters that are illegal in a URL encoded.
 */
export function escapeUrlValue(value: string, before: string): string {
  if (atUrlPrefix(before)) return encodeIllegalUrlCharacters(value);
  const literal = insideQuotedLiteral(before) ? value.replace(/'/g, "''") : value;
  return encodeStrict(literal);
}

/**
 * Where `before` ends in a JSON text: inside a string literal or not. Tracks `"` and backslash
 * escapes only; everything else in JSON is irrelevant to that question.
 */
export function insideJsonString(before: string): boolean {
  let inString = false;
  for (let i = 0; i < before.length; i++) {
    const c = before.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    }
  }
  return inString;
}

/** Escaper for JSON bodies (`httpRequestBody` with a JSON content type). */
export function escapeJsonValue(value: string, before: string): string {
  if (!insideJsonString(before)) return value;
  // JSON.stringify escapes `"`, `\` and control characters; U+2028/2029 are valid JSON already.
  return JSON.stringify(value).slice(1, -1);
}

/** Escaper for `application/x-www-form-urlencoded` bodies. */
export function escapeFormValue(value: string, _before: string): string {
  return encodeStrict(value);
}

/** Escaper for header values: no CR/LF, so a value cannot inject another header. */
export function escapeHeaderValue(value: string, _before: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

/**
 * Makes a rendered URL or path safe to send while keeping what the author wrote: characters
 * that are illegal in a URL (space, `"`, `<`, `>`, `\`, `^`, backtick, `{`, `|`, `}`, controls,
 * non-ASCII) are percent-encoded, a `%` not followed by two hex digits becomes `%25`, and
 * everything else — including pre-encoded `%27` and the OData `$` and `'` — is left alone.
 */
export function encodeIllegalUrlCharacters(url: string): string {
  if (!/[^\x21-\x7e]|["<>\\^`{|}]|%(?![0-9A-Fa-f]{2})/.test(url)) return url;
  let out = "";
  for (let i = 0; i < url.length; i++) {
    const ch = url[i]!;
    const code = ch.charCodeAt(0);
    if (ch === "%") {
      out += /^[0-9A-Fa-f]{2}$/.test(url.slice(i + 1, i + 3)) ? "%" : "%25";
    } else if (code <= 0x20 || code === 0x7f || '"<>\\^`{|}'.includes(ch)) {
      out += `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
    } else if (code > 0x7f) {
      // A surrogate pair is one character for encodeURIComponent.
      const cp = url.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      out += encodeUtf8(s);
      i += s.length - 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * A query parameter key or value from a key/value map, in `webex` mode: what a URL cannot hold is
 * encoded as in encodeIllegalUrlCharacters (an existing `%XX` kept, so a value the flow encoded
 * with `| urlencode` is not encoded twice), and so are the characters that would change the
 * query's structure rather than be data in it: `&`, `=`, `#` and `+` (which servers read as a space).
 */
export function encodeQueryComponent(value: string): string {
  const legal = encodeIllegalUrlCharacters(value);
  return /[&=#+]/.test(legal) ? legal.replace(/[&=#+]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : legal;
}
