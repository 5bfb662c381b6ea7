/**
 * Can this activity fail? Coverage counts an error port only when some run could take it, so
 * this answers conservatively ("yes" unless we can show "no") from what the export says:
 *
 * - Activities that ask the world (queueing, callbacks, business hours, subflows, transfers,
 *   queue info) can fail whenever the environment says no: a missing queue, an agent logged out.
 * - An activity with a Webex self-loop limit can fail when it sits on a cycle of the flow.
 * - Otherwise an activity fails only when one of its templates throws while rendering, or a
 *   Set Variable's text does not convert to a non-STRING variable's type.
 *
 * A template is shown safe by walking its syntax tree: variables and attribute lookups (a missing
 * one is null, never an error), literals, `==`/`!=`, `~`, `is null/empty/defined`, the filters
 * that accept any input (default, length, lower, upper, replace, raw, escape, base64encode), and
 * boolean operators whose operands cannot be lists or maps (Pebble throws on those). Anything
 * else — arithmetic, ordering comparisons, `contains`, string-only filters on values that may not
 * be strings, functions, loops — might throw for some data, so the port stays counted.
 * The property test in test/flowtest/can-fail.test.ts renders every "safe" form with values of
 * every type to keep this list honest.
 */
import { promptsOf } from "../activities/common.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { Expr, Node } from "../expr/ast.js";
import { parse } from "../expr/parser.js";
import { START_NAMESPACES } from "../flow/event-names.js";
import type { ActivityDef, FlowDefinition } from "../flow/types.js";

/** Activities whose failures come from the environment, not from the export. */
const WORLD_DEPENDENT = new Set([
  "queue-contact",
  "queue-to-agent",
  "queue-lookup",
  "callback",
  "business-hours",
  "ivr-virtualassistantvoice",
  "ivr-virtualassistant",
  "subflow",
  "hand-off",
  "goto",
  "blind-transfer",
  "bridged-transfer",
  "parse-activity",
  "http-request-v2",
  "set-contact-priority",
  "advanced-queue-info",
  "scheduled-callback",
]);

/** Activities that play their prompts through playCompiledPrompts. */
const PROMPTING = new Set(["play-message", "ivr-menu", "ivr-collectdigits"]);

/** Filters that accept any input without throwing (checked by the property test). */
export const ANY_INPUT_FILTERS = new Set(["default", "length", "lower", "upper", "replace", "raw", "escape", "base64encode"]);
/** Filters that throw unless given a string. */
export const STRING_FILTERS = new Set(["trim", "urlencode", "capitalize", "title", "abbreviate", "sha256"]);
/** Tests that accept any operand. */
export const ANY_INPUT_TESTS = new Set(["null", "empty", "defined", "map", "iterable"]);

/** What a value may be: a string, some scalar (never a list or map), or anything. */
type Kind = "string" | "scalar" | "any";

interface Typing {
  /** Kind of a root identifier with an attribute path. */
  kindOf(root: string, path: string[]): Kind;
}

export function flowTyping(flow: FlowDefinition): Typing {
  const starts = new Set(START_NAMESPACES.map((n) => n.toLowerCase()));
  return {
    kindOf(root, path) {
      const v = flow.variables.get(root) ?? [...flow.variables.values()].find((d) => d.name.toLowerCase() === root.toLowerCase());
      if (v) {
        if (v.type === "JSON") return "any";
        if (path.length === 0) return v.type === "STRING" ? "string" : "scalar";
        // Attributes of a scalar are null or a number (`.length`).
        return "scalar";
      }
      if (starts.has(root.toLowerCase())) {
        if (path.length === 0 || path[0]!.toLowerCase() === "headers") return "any";
        return path.length === 1 ? "string" : "scalar";
      }
      return "any";
    },
  };
}

interface Verdict {
  safe: boolean;
  kind: Kind;
}

const UNSAFE: Verdict = { safe: false, kind: "any" };

function rootPath(e: Expr): { root: string; path: string[] } | undefined {
  if (e.kind === "variable") return { root: e.name, path: [] };
  if (e.kind === "attribute" && e.name !== null && e.args === null) {
    const inner = rootPath(e.object);
    return inner ? { root: inner.root, path: [...inner.path, e.name] } : undefined;
  }
  return undefined;
}

function expr(e: Expr, t: Typing): Verdict {
  switch (e.kind) {
    case "literal":
      return { safe: true, kind: typeof e.value === "string" ? "string" : Array.isArray(e.value) || (e.value !== null && typeof e.value === "object" && !("v" in (e.value as object))) ? "any" : "scalar" };
    case "variable":
      return { safe: true, kind: t.kindOf(e.name, []) };
    case "attribute": {
      if (e.args !== null) return UNSAFE;
      const obj = expr(e.object, t);
      if (!obj.safe) return UNSAFE;
      if (e.key) {
        if (!expr(e.key, t).safe) return UNSAFE;
        return { safe: true, kind: "any" };
      }
      const rp = rootPath(e);
      return { safe: true, kind: rp ? t.kindOf(rp.root, rp.path) : "any" };
    }
    case "unary": {
      if (e.op !== "not") return UNSAFE;
      const o = expr(e.operand, t);
      return { safe: o.safe && o.kind !== "any", kind: "scalar" };
    }
    case "binary": {
      const l = expr(e.left, t);
      const r = expr(e.right, t);
      if (!l.safe || !r.safe) return UNSAFE;
      switch (e.op) {
        case "==":
        case "!=":
        case "equals":
          return { safe: true, kind: "scalar" };
        case "~":
          return { safe: true, kind: "string" };
        case "and":
        case "or":
          return { safe: l.kind !== "any" && r.kind !== "any", kind: "scalar" };
        default:
          return UNSAFE;
      }
    }
    case "test": {
      const o = expr(e.operand, t);
      const args = [...e.args.positional, ...e.args.named.map((n) => n.value)].every((a) => expr(a, t).safe);
      return { safe: o.safe && args && ANY_INPUT_TESTS.has(e.name), kind: "scalar" };
    }
    case "filter": {
      const input = expr(e.input, t);
      const args = [...e.args.positional, ...e.args.named.map((n) => n.value)].map((a) => expr(a, t));
      if (!input.safe || !args.every((a) => a.safe)) return UNSAFE;
      if (e.name === "replace") {
        // One map literal argument; anything else fails at render.
        const only = e.args.positional[0];
        const ok = e.args.positional.length === 1 && e.args.named.length === 0 && only?.kind === "map";
        return { safe: ok, kind: input.kind === "string" ? "string" : "any" };
      }
      if (e.name === "default") return { safe: true, kind: input.kind === args[0]?.kind ? input.kind : "any" };
      if (e.name === "length") return { safe: true, kind: "scalar" };
      if (ANY_INPUT_FILTERS.has(e.name)) return { safe: true, kind: input.kind === "string" ? "string" : "any" };
      if (STRING_FILTERS.has(e.name) && e.name !== "abbreviate") return { safe: input.kind === "string", kind: "string" };
      return UNSAFE;
    }
    case "call":
      return e.name === "now" && e.args.positional.length === 0 && e.args.named.length === 0 ? { safe: true, kind: "scalar" } : UNSAFE;
    case "ternary": {
      const c = expr(e.condition, t);
      const a = expr(e.then, t);
      const b = expr(e.otherwise, t);
      const safe = c.safe && c.kind !== "any" && a.safe && b.safe;
      return { safe, kind: a.kind === b.kind ? a.kind : a.kind === "any" || b.kind === "any" ? "any" : "scalar" };
    }
    case "list":
      return { safe: e.items.every((i) => expr(i, t).safe), kind: "any" };
    case "map":
      return { safe: e.entries.every(([k, v]) => expr(k, t).safe && expr(v, t).safe), kind: "any" };
    case "interpolation":
      return { safe: e.parts.every((p) => expr(p, t).safe), kind: "string" };
  }
}

function nodesSafe(nodes: Node[], t: Typing): boolean {
  for (const n of nodes) {
    switch (n.kind) {
      case "text":
        break;
      case "print":
        if (!expr(n.expr, t).safe) return false;
        break;
      case "set":
        if (!expr(n.expr, t).safe) return false;
        break;
      case "if":
        for (const b of n.branches) {
          const c = expr(b.condition, t);
          if (!c.safe || c.kind === "any" || !nodesSafe(b.body, t)) return false;
        }
        if (n.otherwise && !nodesSafe(n.otherwise, t)) return false;
        break;
      case "for":
        return false;
    }
  }
  return true;
}

/** True when rendering `source` can throw for some values of the flow's variables. */
export function templateCanThrow(source: string, typing: Typing): boolean {
  let nodes: Node[];
  try {
    nodes = parse(source);
  } catch {
    return true;
  }
  return !nodesSafe(nodes, typing);
}

/** Whether the only node is a `{{ literal }}` or plain text: the value every run produces. */
function constantText(source: string): string | undefined {
  let nodes: Node[];
  try {
    nodes = parse(source);
  } catch {
    return undefined;
  }
  let out = "";
  for (const n of nodes) {
    if (n.kind === "text") out += n.text;
    else if (n.kind === "print" && n.expr.kind === "literal" && (typeof n.expr.value === "string" || typeof n.expr.value === "number" || typeof n.expr.value === "boolean")) out += String(n.expr.value);
    else return undefined;
  }
  return out;
}

function setVariableCoercionCanFail(def: ActivityDef, flow: FlowDefinition, registry: ActivityRegistry): boolean {
  const p = def.properties;
  const items: Array<{ variable: unknown; expr: string }> = [];
  const fields = registry.lookup(def.type)?.templates?.(def) ?? [];
  const list = Array.isArray(p.setVariablesArray) && p.setVariablesArray.length > 0 ? (p.setVariablesArray as Array<Record<string, unknown>>) : [p];
  list.forEach((it, i) => items.push({ variable: it?.srcVariable, expr: fields[i]?.source ?? "" }));
  for (const it of items) {
    if (typeof it.variable !== "string") return true;
    const v = flow.variables.get(it.variable) ?? [...flow.variables.values()].find((d) => d.name.toLowerCase() === String(it.variable).toLowerCase());
    if (!v) return true;
    if (v.type === "STRING" || v.type === "JSON") continue;
    const text = constantText(it.expr)?.trim();
    if (text === undefined) return true;
    if (v.type === "INTEGER" && !/^[-+]?\d+(\.0+)?$/.test(text)) return true;
    if (v.type === "DECIMAL" && (text === "" || !Number.isFinite(Number(text)))) return true;
    if (v.type === "BOOLEAN" && !/^(true|false)$/i.test(text)) return true;
    if (v.type === "DATE_TIME") return true;
  }
  return false;
}

export interface FailureAnalysis {
  canFail: boolean;
  /** Why it can (for the coverage report's notes). */
  why?: string;
}

export function activityCanFail(def: ActivityDef, flow: FlowDefinition, registry: ActivityRegistry, onCycle: boolean): FailureAnalysis {
  const spec = registry.lookup(def.type);
  if (!spec) return { canFail: true, why: "ccflow does not know this activity type" };
  if (WORLD_DEPENDENT.has(def.type)) return { canFail: true, why: "its outcome depends on the environment" };
  if (spec.loopLimit !== undefined && onCycle) return { canFail: true, why: `it is on a loop and fails after ${spec.loopLimit} runs` };
  if (def.type === "condition-activity" && !(typeof def.properties.expression === "string" && def.properties.expression.trim())) {
    return { canFail: true, why: "it has no expression" };
  }
  const typing = flowTyping(flow);
  for (const f of spec.templates?.(def) ?? []) {
    if (templateCanThrow(f.source, typing)) return { canFail: true, why: `its ${f.field} may fail to render` };
  }
  if (def.type === "set-variable" && setVariableCoercionCanFail(def, flow, registry)) return { canFail: true, why: "its value may not convert to the variable's type" };
  // An audio file can be missing from the prompts folder (or not be a WAV): the error port.
  if (PROMPTING.has(def.type) && promptsOf(def).some((p) => p.kind === "audio")) return { canFail: true, why: "an audio file it plays may be missing from the prompts folder" };
  if (def.type === "play-music") {
    const skip = def.properties.skip;
    if (typeof skip === "string" && skip.trim() !== "" && !/^\d+(\.\d+)?$/.test(skip.trim())) return { canFail: true, why: "its skip offset may not be a number" };
  }
  return { canFail: false };
}
