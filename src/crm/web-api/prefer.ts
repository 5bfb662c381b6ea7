/**
 * The Prefer header as Dataverse reads it: a comma list, possibly spread over several headers,
 * with `odata.maxpagesize`, `odata.include-annotations`, `return=representation` and
 * `odata.continue-on-error`. Unknown preferences are ignored, as RFC 7240 asks.
 */
import { splitOutsideQuotes } from "./split.js";

export interface Preferences {
  maxPageSize?: number;
  annotations?: AnnotationFilter;
  /** The annotation preference as received, for Preference-Applied. */
  annotationsText?: string;
  returnRepresentation: boolean;
  continueOnError: boolean;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = { returnRepresentation: false, continueOnError: false };
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  for (const item of splitOutsideQuotes(text, '"')) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    const name = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase();
    const rawValue = eq < 0 ? "" : trimmed.slice(eq + 1).trim();
    const value = rawValue.replace(/^"(.*)"$/, "$1");
    switch (name) {
      case "odata.maxpagesize": {
        const n = Number(value);
        if (Number.isInteger(n) && n > 0) prefs.maxPageSize = Math.min(n, 5000);
        break;
      }
      case "odata.include-annotations":
        prefs.annotations = new AnnotationFilter(value);
        prefs.annotationsText = value;
        break;
      case "return":
        prefs.returnRepresentation = value === "representation";
        break;
      case "odata.continue-on-error":
        prefs.continueOnError = true;
        break;
      default:
        break;
    }
  }
  return prefs;
}

/** Which instance annotations a client asked for: `*`, exact names, `namespace.*`, and `-` exclusions. */
export class AnnotationFilter {
  private readonly include: string[] = [];
  private readonly exclude: string[] = [];

  constructor(spec: string) {
    for (const raw of spec.split(",")) {
      const item = raw.trim();
      if (!item) continue;
      if (item.startsWith("-")) this.exclude.push(item.slice(1));
      else this.include.push(item);
    }
  }

  private static matches(pattern: string, name: string): boolean {
    if (pattern === "*") return true;
    if (pattern.endsWith(".*")) return name.startsWith(pattern.slice(0, -1));
    return pattern === name;
  }

  wants(name: string): boolean {
    if (this.exclude.some((p) => AnnotationFilter.matches(p, name))) return false;
    return this.include.some((p) => AnnotationFilter.matches(p, name));
  }
}

export const FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue";
export const LOOKUP_LOGICAL_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname";
export const ASSOCIATED_NAVIGATION_PROPERTY = "Microsoft.Dynamics.CRM.associatednavigationproperty";
export const TOTAL_RECORD_COUNT = "Microsoft.Dynamics.CRM.totalrecordcount";
export const TOTAL_RECORD_COUNT_LIMIT_EXCEEDED = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded";
