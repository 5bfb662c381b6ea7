/**
 * Screen Pop: builds the URL from `screenPopUrl` and `queryParameters` (both templates; values
 * percent-encoded) and delivers it to the agent's desktop with its target and label.
 */
import { mapTemplates, str } from "./common.js";
import type { ActivityDef } from "../flow/types.js";
import type { ActivityContext, ActivityStep, CompiledActivitySpec, TemplateField } from "./types.js";

/** Appends `k=v` pairs: with nothing if the URL ends in `?` or `&`, `&` if it has a `?`, else `?`. */
export function appendQuery(url: string, pairs: Array<[string, string]>): string {
  if (pairs.length === 0) return url;
  const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  if (url.endsWith("?") || url.endsWith("&")) return url + query;
  return url + (url.includes("?") ? "&" : "?") + query;
}

const screenPop: CompiledActivitySpec = {
  type: "screen-pop",
  ports: () => ["default", "out"],
  errorPorts: [],
  optionalPorts: ["default", "out"],
  templates(def) {
    const out: TemplateField[] = [];
    const url = str(def, "screenPopUrl");
    if (url) out.push({ field: "screenPopUrl", source: url });
    out.push(...mapTemplates(def, "queryParameters"));
    const label = str(def, "screenPopDesktopLabel");
    if (label) out.push({ field: "screenPopDesktopLabel", source: label });
    return out;
  },
  validate(def, report) {
    if (!str(def, "screenPopUrl")) report({ severity: "error", code: "missing-property", message: `Screen Pop "${def.name}" has no URL`, path: "screenPopUrl" });
  },
  compile(def) {
    return new ScreenPopStep(def);
  },
};

/** One Screen Pop activity: its target and, for a pop with no template, its URL (built on the first call, rewritten once per rewriter). */
class ScreenPopStep implements ActivityStep {
  readonly sync = true;
  private readonly target: string;
  /** Undefined until the first call; null when the URL holds a template (built per call). */
  private literal: string | null | undefined;
  private rewritten: { rewrite: (url: string) => string; url: string } | undefined;

  constructor(private readonly def: ActivityDef) {
    this.target = str(def, "target") ?? "newBrowserTab";
  }

  run(ctx: ActivityContext) {
    const def = this.def;
    if (this.literal === undefined) this.literal = literalUrl(ctx);
    const literal = this.literal ?? undefined;
    let url = literal ?? buildUrl(ctx);
    const rewrite = ctx.env.rewriteScreenPop;
    if (rewrite) url = literal !== undefined ? this.rewriteOnce(rewrite, url) : rewrite(url);
    const target = this.target;
    const label = ctx.render(str(def, "screenPopDesktopLabel"), "screenPopDesktopLabel") || undefined;
    const agent = ctx.center.screenPop({ contact: ctx.contact, url, target, label });
    ctx.emit({ type: "screen-pop", url, target, label, agent });
    return ctx.flow.events.next.get(def.id)?.has("out") || ctx.flow.main.next.get(def.id)?.has("out") ? "out" : "default";
  }

  private rewriteOnce(rewrite: (url: string) => string, url: string): string {
    const hit = this.rewritten;
    if (hit && hit.rewrite === rewrite) return hit.url;
    const out = rewrite(url);
    this.rewritten = { rewrite, url: out };
    return out;
  }
}

function buildUrl(ctx: ActivityContext): string {
  const def = ctx.activity;
  const base = ctx.render(str(def, "screenPopUrl"), "screenPopUrl").trim();
  const params = def.properties.queryParameters;
  const pairs: Array<[string, string]> = [];
  if (params && typeof params === "object" && !Array.isArray(params)) {
    for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
      pairs.push([k, typeof v === "string" ? ctx.render(v, `queryParameters[${JSON.stringify(k)}]`) : v === null || v === undefined ? "" : String(v)]);
    }
  }
  return appendQuery(base, pairs);
}

/**
 * A pop whose URL and parameters hold no template (the seed's case pop) builds the same URL on
 * every call: null when one of them is a template (or does not parse: the per-call path then
 * reports it as the activity's error).
 */
function literalUrl(ctx: ActivityContext): string | null {
  const def = ctx.activity;
  try {
    const sources = [str(def, "screenPopUrl") ?? ""];
    const params = def.properties.queryParameters;
    if (params && typeof params === "object" && !Array.isArray(params)) {
      for (const v of Object.values(params as Record<string, unknown>)) if (typeof v === "string") sources.push(v);
    }
    if (sources.every((source) => source === "" || ctx.template(source, "screenPopUrl").isLiteral)) return buildUrl(ctx);
  } catch {
    // Reported per call by buildUrl.
  }
  return null;
}

export default screenPop;
