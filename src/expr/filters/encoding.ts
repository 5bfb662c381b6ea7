/** Encoding filters: base64encode, base64decode, sha256, urlencode, escape, raw. */
import { createHash } from "node:crypto";
import { fault } from "../errors.js";
import type { FilterDef } from "../registry.js";
import { javaString } from "../stringify.js";
import { SafeString } from "../values.js";
import { asString, optString } from "./util.js";

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export const base64encode: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return Buffer.from(utf8(javaString(input))).toString("base64");
  },
};

export const base64decode: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    if (typeof input !== "string") fault("This filter applies to String");
    // java.util.Base64's basic decoder: strict alphabet, padding optional but exact when present.
    const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(input);
    const body = m?.[1] ?? "";
    const padding = m?.[2] ?? "";
    const ok = m !== null && body.length % 4 !== 1 && (padding === "" || (body.length + padding.length) % 4 === 0);
    if (!ok) fault("Please provide a correctly Base64 encoded string containing an UTF-8 string");
    return Buffer.from(body, "base64").toString("utf8");
  },
};

export const sha256: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    if (typeof input !== "string") fault("Need a string to hash");
    return createHash("sha256").update(utf8(input)).digest("hex");
  },
};

function percent(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

/** Percent-encodes every code point outside `keep` as UTF-8; lone surrogates become `?` (Java). */
function encode(s: string, keep: (c: string) => boolean, space: string | null): string {
  let out = "";
  for (const ch of s) {
    if (keep(ch)) out += ch;
    else if (ch === " " && space !== null) out += space;
    else {
      const cp = ch.codePointAt(0)!;
      out += cp >= 0xd800 && cp <= 0xdfff ? "%3F" : percent(utf8(ch));
    }
  }
  return out;
}

/** java.net.URLEncoder.encode(s, UTF-8): space → `+`, only `a-zA-Z0-9.-*_` kept. */
export function urlEncode(s: string): string {
  return encode(s, (c) => /^[a-zA-Z0-9.\-*_]$/.test(c), "+");
}

export const urlencode: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return urlEncode(asString(input));
  },
};

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, "0");
}

/** unbescape's escapeJavaScript / escapeJson (level 2: basic set plus everything non-ASCII). */
function escapeScript(s: string, json: boolean): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    switch (c) {
      case "\b":
        out += "\\b";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "'":
        out += json ? "'" : "\\'";
        continue;
      case "/":
        out += i > 0 && s[i - 1] === "<" ? "\\/" : "/";
        continue;
    }
    if (code === 0 && !json) out += "\\0";
    else if (code < 0x20 || code === 0x7f || code > 0x7e) out += json || code > 0xff ? `\\u${hex(code, 4)}` : `\\x${hex(code, 2)}`;
    else out += c;
  }
  return out;
}

function escapeCss(s: string): string {
  let out = "";
  let i = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (/^[a-zA-Z_-]$/.test(ch) || (/^[0-9]$/.test(ch) && i > 0)) out += ch;
    else if (cp < 0x20 || cp === 0x7f || (/^[0-9]$/.test(ch) && i === 0)) out += `\\${cp.toString(16).toUpperCase()} `;
    else if (cp < 0x80) out += `\\${ch}`;
    else out += `\\${cp.toString(16).toUpperCase()} `;
    i++;
  }
  return out;
}

const ESCAPERS: Record<string, (s: string) => string> = {
  html: (s) => s.replace(/[&<>"']/g, (c) => HTML[c]!),
  js: (s) => escapeScript(s, false),
  json: (s) => escapeScript(s, true),
  css: escapeCss,
  url_param: (s) => encode(s, (c) => /^[A-Za-z0-9\-._~!$'()*,;:@/?]$/.test(c), null),
};

export const escape: FilterDef = {
  argNames: ["strategy"],
  keepsSafeInput: true,
  apply(input, [strategy]) {
    if (input === null || input === undefined || input instanceof SafeString) return input ?? null;
    const name = optString(strategy, "strategy") ?? "html";
    const escaper = ESCAPERS[name];
    if (!escaper) fault(`Unknown escaping strategy [${name}]`);
    return new SafeString(escaper(javaString(input)));
  },
};

export const raw: FilterDef = {
  argNames: null,
  apply(input) {
    return input === null || input === undefined ? null : new SafeString(javaString(input));
  },
};
