/**
 * Mutations of a Flow Designer export for the flow fuzzer: each takes a parsed export and returns
 * the text of a broken (or merely strange) variant and what was done to it, so a failure names
 * the mutation that caused it. Structural mutations work on the object; a few work on the text
 * (truncation, stray bytes) and deep nesting is spliced into the text, because JSON.stringify
 * itself cannot write a 100,000-deep array.
 */
import type { Rng } from "./random.js";

export interface Mutant {
  /** Human-readable list of the mutations applied (`delete $.process.links[3].targetActivityId`). */
  description: string;
  text: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Container = Json[] | { [k: string]: Json };

interface Slot {
  parent: Container;
  key: string | number;
  path: string;
}

export const MUTATION_KINDS = [
  "delete-key",
  "wrong-type",
  "dangling-link",
  "remove-activity",
  "huge-string",
  "deep-nesting",
  "cycle-without-wait",
  "prototype-key",
  "duplicate",
  "bad-template",
  "unknown-type",
  "text",
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

const DEEP_MARKER = "\u0000ccflow-deep-nesting\u0000";
const WRONG_VALUES: Json[] = [null, 0, -1, 1e308, 3.5, true, false, "", "x", "NaN", "Infinity", [], {}, [1, "2", null], { a: { b: [] } }, "[object Object]"];
const HOSTILE_NAMES = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf", "then", ""];
const BAD_TEMPLATES = [
  "{{",
  "}}",
  "{{ }}",
  "{{ a.b.c.d.e.f.g.h.i.j.k }}",
  "{% for i in range(1, 100000000) %}{{ i }}{% endfor %}",
  "{% for a in range(1, 5000) %}{% for b in range(1, 5000) %}x{% endfor %}{% endfor %}",
  "{{ 'x' | repeat(99999999) }}",
  "{{ __proto__.constructor }}",
  "{{ NewPhoneContact.constructor.constructor('return process')() }}",
  "{% if %}",
  "{% endfor %}",
  "{{ (((((((((((((((((((((((((((((1))))))))))))))))))))))))))))) }}",
  `{{ ${"(".repeat(5000)}1${")".repeat(5000)} }}`,
  `{{ ${"a.".repeat(20000)}b }}`,
  `{{ ${"-".repeat(20000)}1 }}`,
  "{{ 'a' ~ }}",
  "{{ x | }}",
  "{{ x | nosuchfilter }}",
  "{{ 1 / 0 }}",
  "{{ '\\u0000' }}",
  "{{ x matches '(a+)+$' }}",
];

function isContainer(v: Json): v is Container {
  return typeof v === "object" && v !== null;
}

function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (v: Json, path: string, depth: number) => {
    if (!isContainer(v) || depth > 40) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i, path: `${path}[${i}]` });
        walk(x, `${path}[${i}]`, depth + 1);
      });
    } else {
      for (const k of Object.keys(v)) {
        const p = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
        out.push({ parent: v, key: k, path: p });
        walk(v[k]!, p, depth + 1);
      }
    }
  };
  walk(root, "$", 0);
  return out;
}

function get(slot: Slot): Json {
  return (slot.parent as Record<string | number, Json>)[slot.key]!;
}

function set(slot: Slot, value: Json): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  // defineProperty keeps `__proto__` an own key instead of changing the prototype.
  else Object.defineProperty(slot.parent, slot.key, { value, enumerable: true, writable: true, configurable: true });
}

function remove(slot: Slot): void {
  if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
  else delete slot.parent[slot.key as string];
}

function typeOf(v: Json): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

interface ProcessView {
  path: string;
  activities: Record<string, Json>;
  links: Json[];
}

/** The processes of an export (main and event flows), as exported, when their shape allows. */
function processes(root: Json): ProcessView[] {
  const out: ProcessView[] = [];
  const add = (proc: Json, path: string) => {
    if (!isContainer(proc) || Array.isArray(proc)) return;
    const activities = proc.activities;
    const links = proc.links;
    if (isContainer(activities ?? null) && !Array.isArray(activities) && Array.isArray(links)) out.push({ path, activities: activities as Record<string, Json>, links });
  };
  if (!isContainer(root) || Array.isArray(root)) return out;
  add(root.process ?? null, "$.process");
  const map = (root.eventFlows as Record<string, Json> | undefined)?.eventsMap as Record<string, Json> | undefined;
  if (isContainer(map ?? null) && !Array.isArray(map)) {
    for (const [k, v] of Object.entries(map!)) {
      if (isContainer(v) && !Array.isArray(v)) add(v.process ?? null, `$.eventFlows.eventsMap.${k}.process`);
    }
  }
  return out;
}

function activityName(a: Json): string | undefined {
  if (!isContainer(a) || Array.isArray(a)) return undefined;
  const props = a.properties;
  if (!isContainer(props ?? null) || Array.isArray(props)) return undefined;
  const n = (props as Record<string, Json>).activityName;
  return typeof n === "string" ? n : undefined;
}

/** Activities that take no time: a cycle through only these spins without waiting. */
const INSTANT = new Set(["set-variable", "condition-activity", "case-statement", "parse-activity"]);

export class FlowMutator {
  constructor(private readonly rng: Rng) {}

  /** One to three mutations of `source` (a parsed export, not modified). */
  mutate(source: unknown, forced?: MutationKind): Mutant {
    const root = structuredClone(source) as Json;
    const done: string[] = [];
    const count = forced ? 1 : this.rng.pick([1, 1, 1, 2, 2, 3]);
    const textOps: MutationKind[] = [];
    let deep: number | undefined;
    for (let i = 0; i < count; i++) {
      const kind = forced ?? this.rng.pick(MUTATION_KINDS);
      if (kind === "text") {
        textOps.push(kind);
        continue;
      }
      const what = this.apply(root, kind);
      if (what === undefined) continue;
      if (kind === "deep-nesting") deep = Number(/(\d+) deep/.exec(what)![1]);
      done.push(what);
    }
    let text = JSON.stringify(root, null, this.rng.chance(0.5) ? 2 : undefined);
    if (deep !== undefined) text = text.replace(JSON.stringify(DEEP_MARKER), this.deepText(deep));
    for (const _ of textOps) {
      const { text: t, what } = this.textMutation(text);
      text = t;
      done.push(what);
    }
    if (done.length === 0) done.push("unchanged");
    return { description: done.join("; "), text };
  }

  private deepText(depth: number): string {
    return this.rng.chance(0.5) ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  }

  private apply(root: Json, kind: MutationKind): string | undefined {
    const rng = this.rng;
    const all = slots(root);
    if (all.length === 0) return undefined;
    const procs = processes(root);
    switch (kind) {
      case "delete-key": {
        const slot = rng.pick(all);
        remove(slot);
        return `delete ${slot.path}`;
      }
      case "wrong-type": {
        const slot = rng.pick(all);
        const before = typeOf(get(slot));
        const candidates = WRONG_VALUES.filter((v) => typeOf(v) !== before);
        const value = structuredClone(rng.pick(candidates));
        set(slot, value);
        return `${slot.path}: ${before} → ${JSON.stringify(value)}`;
      }
      case "dangling-link": {
        const proc = procs.length ? rng.pick(procs) : undefined;
        if (!proc || proc.links.length === 0) return undefined;
        const i = rng.int(proc.links.length);
        const link = proc.links[i];
        if (!isContainer(link ?? null) || Array.isArray(link)) return undefined;
        const end = rng.chance(0.7) ? "targetActivityId" : "sourceActivityId";
        const id = rng.pick(["no-such-activity", "", "__proto__", "constructor", "00000000-0000-0000-0000-000000000000"]);
        (link as Record<string, Json>)[end] = id;
        return `${proc.path}.links[${i}].${end} → ${JSON.stringify(id)}`;
      }
      case "remove-activity": {
        const proc = procs.length ? rng.pick(procs) : undefined;
        const ids = proc ? Object.keys(proc.activities) : [];
        if (!proc || ids.length === 0) return undefined;
        const id = rng.pick(ids);
        delete proc.activities[id];
        return `remove activity ${proc.path}.activities[${JSON.stringify(id)}] (links to it dangle)`;
      }
      case "huge-string": {
        const strings = all.filter((s) => typeof get(s) === "string");
        if (strings.length === 0) return undefined;
        const slot = rng.pick(strings);
        const mb = rng.pick([0.25, 1, 4]);
        const unit = rng.pick(["x", "é", "😀", "{{ a }}", "'", "%", "\\"]);
        const value = unit.repeat(Math.ceil((mb * 1024 * 1024) / unit.length));
        set(slot, value);
        return `${slot.path}: ${mb} MB string of ${JSON.stringify(unit)}`;
      }
      case "deep-nesting": {
        const slot = rng.pick(all);
        const depth = rng.pick([1000, 10_000, 100_000]);
        set(slot, DEEP_MARKER);
        return `${slot.path}: nested ${depth} deep`;
      }
      case "cycle-without-wait": {
        const proc = procs.find((p) => p.path === "$.process") ?? (procs.length ? rng.pick(procs) : undefined);
        if (!proc) return undefined;
        const instant = Object.entries(proc.activities).filter(([, a]) => INSTANT.has(activityName(a) ?? ""));
        if (instant.length === 0) return undefined;
        const [from] = rng.pick(instant);
        const [to] = rng.chance(0.5) ? [from] : rng.pick(instant);
        // Every way out of `from` leads to `to`, and a link from `to` back closes the cycle.
        let changed = 0;
        for (const l of proc.links) {
          if (isContainer(l) && !Array.isArray(l) && l.sourceActivityId === from) {
            l.targetActivityId = to;
            changed++;
          }
        }
        if (to !== from) {
          for (const l of proc.links) {
            if (isContainer(l) && !Array.isArray(l) && l.sourceActivityId === to) l.targetActivityId = from;
          }
        }
        if (changed === 0) proc.links.push({ id: "fuzz-cycle", sourceActivityId: from, targetActivityId: to, conditionExpr: "out", properties: {} });
        return `cycle ${activityLabel(proc, from)} → ${activityLabel(proc, to)}${to === from ? "" : ` → ${activityLabel(proc, from)}`} with no wait`;
      }
      case "prototype-key": {
        const name = rng.pick(HOSTILE_NAMES);
        const objects = all.filter((s) => isContainer(get(s)) && !Array.isArray(get(s)));
        const proc = procs.length ? rng.pick(procs) : undefined;
        if (proc && rng.chance(0.5)) {
          const ids = Object.keys(proc.activities);
          if (ids.length === 0) return undefined;
          const id = rng.pick(ids);
          const act = proc.activities[id]!;
          delete proc.activities[id];
          Object.defineProperty(proc.activities, name, { value: act, enumerable: true, writable: true, configurable: true });
          if (isContainer(act) && !Array.isArray(act)) act.id = name;
          for (const l of proc.links) {
            if (!isContainer(l) || Array.isArray(l)) continue;
            if (l.sourceActivityId === id) l.sourceActivityId = name;
            if (l.targetActivityId === id) l.targetActivityId = name;
          }
          return `activity ${JSON.stringify(id)} renamed ${JSON.stringify(name)} everywhere`;
        }
        const vars = isContainer(root) && !Array.isArray(root) && Array.isArray(root.variables) ? (root.variables as Json[]) : [];
        if (vars.length > 0 && rng.chance(0.5)) {
          const v = rng.pick(vars);
          if (isContainer(v) && !Array.isArray(v)) v.name = name;
          return `a variable renamed ${JSON.stringify(name)}`;
        }
        if (objects.length === 0) return undefined;
        const slot = rng.pick(objects);
        Object.defineProperty(get(slot) as object, name, { value: rng.pick([{ polluted: true }, "polluted", 1, null] as Json[]), enumerable: true, writable: true, configurable: true });
        return `${slot.path}: own key ${JSON.stringify(name)}`;
      }
      case "duplicate": {
        const proc = procs.length ? rng.pick(procs) : undefined;
        if (!proc) return undefined;
        const ids = Object.keys(proc.activities);
        if (rng.chance(0.5) && ids.length > 0) {
          // A second start activity, or a copy of any activity under a new id with the same name.
          const id = rng.pick(ids);
          const copy = structuredClone(proc.activities[id]!);
          const newId = `${id}-copy`;
          if (isContainer(copy) && !Array.isArray(copy)) copy.id = newId;
          proc.activities[newId] = copy;
          for (const l of [...proc.links]) if (isContainer(l) && !Array.isArray(l) && l.sourceActivityId === id) proc.links.push({ ...l, id: `${String(l.id)}-copy`, sourceActivityId: newId });
          return `activity ${activityLabel(proc, id)} duplicated with its links`;
        }
        if (proc.links.length === 0) return undefined;
        const link = rng.pick(proc.links);
        const twin = structuredClone(link);
        if (isContainer(twin) && !Array.isArray(twin) && isContainer(link) && !Array.isArray(link)) {
          const others = ids.filter((i) => i !== link.targetActivityId);
          if (others.length) twin.targetActivityId = rng.pick(others);
        }
        proc.links.push(twin);
        return `${proc.path}: the same port linked twice`;
      }
      case "bad-template": {
        const strings = all.filter((s) => typeof get(s) === "string" && s.path.includes(".properties"));
        if (strings.length === 0) return undefined;
        const slot = rng.pick(strings);
        const t = rng.pick(BAD_TEMPLATES);
        set(slot, t);
        return `${slot.path}: template ${JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t)}`;
      }
      case "unknown-type": {
        const proc = procs.length ? rng.pick(procs) : undefined;
        const ids = proc ? Object.keys(proc.activities) : [];
        if (!proc || ids.length === 0) return undefined;
        const id = rng.pick(ids);
        const a = proc.activities[id];
        if (!isContainer(a ?? null) || Array.isArray(a)) return undefined;
        const props = (a as Record<string, Json>).properties;
        const type = rng.pick(["no-such-activity", "", "__proto__", "constructor", "PLAY-MESSAGE", "play-message ", "hasOwnProperty"]);
        if (isContainer(props ?? null) && !Array.isArray(props)) (props as Record<string, Json>).activityName = type;
        else (a as Record<string, Json>).properties = { activityName: type };
        return `${activityLabel(proc, id)}: activityName → ${JSON.stringify(type)}`;
      }
      case "text":
        return undefined;
    }
  }

  private textMutation(text: string): { text: string; what: string } {
    const rng = this.rng;
    const at = rng.int(text.length + 1);
    switch (rng.int(7)) {
      case 0:
        return { text: text.slice(0, at), what: `truncated at ${at} of ${text.length} characters` };
      case 1: {
        const junk = rng.pick(["\u0000", "\uFEFF", "\uD800", "\uDFFF", "\u2028", ",", "}", "]", '"', "\\", "\u00ff\u00fe", "NaN", "undefined", "/*", "\n\n"]);
        return { text: text.slice(0, at) + junk + text.slice(at), what: `${JSON.stringify(junk)} inserted at ${at}` };
      }
      case 2:
        return { text: text.slice(0, at) + text.slice(at + 1 + rng.int(50)), what: `characters cut at ${at}` };
      case 3:
        return { text: `\uFEFF${text}`, what: "byte-order mark in front" };
      case 4:
        return { text: rng.pick(["", " ", "null", "[]", "42", '"flow"', "{}", "[{}]", "true"]), what: "replaced by a JSON scalar or empty document" };
      case 5:
        return { text: `${text}${text}`, what: "two documents back to back" };
      default:
        return { text: text.replace(/"/g, "'"), what: "single quotes for double quotes" };
    }
  }
}

function activityLabel(proc: ProcessView, id: string): string {
  const a = proc.activities[id];
  const name = isContainer(a ?? null) && !Array.isArray(a) ? (a as Record<string, Json>).name : undefined;
  return typeof name === "string" ? `"${name}"` : JSON.stringify(id);
}
