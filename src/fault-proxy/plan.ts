/**
 * What the fault proxy does to requests: a list of rules, each with a kind, a probability per
 * request, the paths it applies to and an optional burst (a storm: once it fires, the next
 * matching requests get it too). Parsed from `--fault kind:probability[:key=value...]`.
 */

export type FaultKind = "latency" | "status" | "reset" | "throttle" | "token-down" | "unauthorized";

export interface FaultRule {
  kind: FaultKind;
  /** Chance per matching request, 0..1. */
  probability: number;
  /** Requests the rule applies to (path and query). Default: Web API requests, or the token endpoint for `token-down`. */
  path?: RegExp;
  /** Once fired, this many matching requests in a row get the fault (default 1). */
  burst?: number;
  /** `latency`: delay before forwarding, ms (a range picks uniformly). */
  delayMs?: number | [number, number];
  /** `status`: the status answered instead of forwarding (default 500). */
  status?: number;
  /** `throttle`: Retry-After in seconds (default 2). */
  retryAfterSeconds?: number;
}

export const FAULT_KINDS: readonly FaultKind[] = ["latency", "status", "reset", "throttle", "token-down", "unauthorized"];

/** Token endpoints (Entra v1 and v2 paths). */
export const TOKEN_PATH = /\/oauth2\/(v2\.0\/)?token(\?|$)/i;
/** Everything but the token endpoint. */
export const NOT_TOKEN_PATH = /^(?!.*\/oauth2\/(v2\.0\/)?token(\?|$))/i;

export class FaultPlanError extends Error {}

function probability(text: string, spec: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m) throw new FaultPlanError(`fault "${spec}": probability "${text}" must be a number (0.02) or a percentage (2%)`);
  const p = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  if (p < 0 || p > 1) throw new FaultPlanError(`fault "${spec}": probability must be between 0 and 1 (or 0% and 100%)`);
  return p;
}

function whole(text: string, what: string, spec: string, min = 0): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new FaultPlanError(`fault "${spec}": ${what} "${text}" must be a whole number of at least ${min}`);
  return Number(text);
}

/**
 * Parses one `--fault` value: `latency:2%:ms=2500`, `latency:1%:ms=200-800`, `status:3%:code=503`,
 * `reset:1%`, `throttle:0.5%:retry-after=2:burst=40`, `token-down:10%:burst=3`, `unauthorized:0.5%`;
 * any rule takes `path=<regex>` and `burst=<n>`.
 */
export function parseFaultRule(spec: string): FaultRule {
  const [kindText, pText, ...params] = spec.split(":");
  const kind = (kindText ?? "").trim() as FaultKind;
  if (!FAULT_KINDS.includes(kind)) throw new FaultPlanError(`fault "${spec}": unknown kind "${kindText}" (expected ${FAULT_KINDS.join(", ")})`);
  if (pText === undefined) throw new FaultPlanError(`fault "${spec}": give a probability, e.g. ${kind}:2%`);
  const rule: FaultRule = { kind, probability: probability(pText, spec) };
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0) throw new FaultPlanError(`fault "${spec}": "${param}" is not key=value`);
    const key = param.slice(0, eq).trim();
    const value = param.slice(eq + 1).trim();
    switch (key) {
      case "ms": {
        const range = /^(\d+)-(\d+)$/.exec(value);
        if (range) {
          const [lo, hi] = [Number(range[1]), Number(range[2])];
          if (lo > hi) throw new FaultPlanError(`fault "${spec}": ms range ${value} runs backwards`);
          rule.delayMs = [lo, hi];
        } else rule.delayMs = whole(value, "ms", spec);
        break;
      }
      case "code":
        rule.status = whole(value, "code", spec, 100);
        if (rule.status > 599) throw new FaultPlanError(`fault "${spec}": code ${value} is not an HTTP status`);
        break;
      case "retry-after":
        rule.retryAfterSeconds = whole(value, "retry-after", spec);
        break;
      case "burst":
        rule.burst = whole(value, "burst", spec, 1);
        break;
      case "path":
        try {
          rule.path = new RegExp(value, "i");
        } catch {
          throw new FaultPlanError(`fault "${spec}": path "${value}" is not a regular expression`);
        }
        break;
      default:
        throw new FaultPlanError(`fault "${spec}": unknown parameter "${key}" (ms, code, retry-after, burst, path)`);
    }
  }
  if (kind === "latency" && rule.delayMs === undefined) throw new FaultPlanError(`fault "${spec}": latency needs ms=<delay>, e.g. latency:2%:ms=2500`);
  return rule;
}

/** The paths a rule applies to when it names none. */
export function defaultPath(kind: FaultKind): RegExp {
  return kind === "token-down" ? TOKEN_PATH : NOT_TOKEN_PATH;
}
