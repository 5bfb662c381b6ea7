/**
 * One typed variable store per interaction, shared by the main flow and the event flows (the seed
 * sets CustomerType in the main flow and reads it in AgentAnswered). Flow variables hold values of
 * their declared type; activity outputs and event data live in namespaces (`GetCustomerInfo`,
 * `NewPhoneContact`, `AgentAnswered`) that templates read with dotted access.
 */
import { ActivityError } from "../util/activity-error.js";
import type { VariableStore } from "../activities/types.js";
import { isBoxedDouble, stringify, toDouble } from "../expr/index.js";
import type { Scope } from "../expr/types.js";
import type { VariableDef, VariableType } from "../flow/types.js";

export const MASK = "******";

export class CoercionError extends Error {}

/** Converts a value to a variable type the way an assignment does; throws CoercionError. */
export function coerce(type: VariableType, value: unknown): unknown {
  switch (type) {
    case "STRING":
      if (value === null || value === undefined) return "";
      if (typeof value === "string") return value;
      if (typeof value === "object" && !isJavaValue(value)) return JSON.stringify(value);
      return stringify(value);
    case "INTEGER": {
      if (typeof value === "number" && Number.isInteger(value)) return value;
      const text = textOf(value).trim();
      // Pebble renders integral doubles as "5.0"; an assignment of that text to an INTEGER is fine.
      if (/^[-+]?\d+(\.0+)?$/.test(text)) {
        const n = Number(text);
        if (Number.isSafeInteger(n)) return n;
      }
      throw new CoercionError(`${show(value)} is not an INTEGER`);
    }
    case "DECIMAL": {
      // A DECIMAL is a Java Double: `{{price}}` of 3 renders "3.0", so integral values stay boxed.
      if (isBoxedDouble(value)) return value;
      if (typeof value === "number" && Number.isFinite(value)) return toDouble(value);
      const text = textOf(value).trim();
      const n = Number(text);
      if (text !== "" && Number.isFinite(n)) return toDouble(n);
      throw new CoercionError(`${show(value)} is not a DECIMAL`);
    }
    case "BOOLEAN": {
      if (typeof value === "boolean") return value;
      const text = textOf(value).trim().toLowerCase();
      if (text === "true") return true;
      if (text === "false") return false;
      throw new CoercionError(`${show(value)} is not a BOOLEAN (true or false)`);
    }
    case "DATE_TIME": {
      if (value === null || value === undefined) return "";
      return typeof value === "string" ? value : stringify(value);
    }
    case "JSON": {
      if (value === null || value === undefined) return null;
      if (typeof value !== "string") return value;
      if (value.trim() === "") return null;
      try {
        return JSON.parse(value);
      } catch {
        throw new CoercionError(`${show(value)} is not valid JSON`);
      }
    }
  }
}

function isJavaValue(v: object): boolean {
  // Values from the expression engine (dates, boxed doubles) render through stringify.
  return !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null;
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : stringify(value);
}

function show(value: unknown): string {
  const t = typeof value === "string" ? JSON.stringify(value) : textOf(value);
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

function initialValue(def: VariableDef): unknown {
  if (def.initial === null) return def.type === "STRING" || def.type === "DATE_TIME" ? "" : null;
  try {
    return coerce(def.type, def.initial);
  } catch {
    // The validator warns about it; at run time the variable simply starts empty.
    return def.type === "STRING" ? def.initial : null;
  }
}

/**
 * Where a flow's variables and namespaces live in a call's store, worked out once per flow (its
 * CompiledFlow holds it): each declared variable and each namespace the engine knows ahead (the
 * start event's, the events', the flow's activities' outputs) has a slot, and a call's store is
 * one array of slots. The store of a call was two Maps grown entry by entry per call (about 2 KB
 * of tables per call in the engine benchmark, most of it for event data).
 */
export class VariableLayout {
  /** Declared name → slot. */
  readonly slots = new Map<string, number>();
  /** Namespace name → slot (after the variables'). */
  readonly namespaceSlots = new Map<string, number>();
  /** Lower-cased declared name → the declared name. */
  readonly lowerNames = new Map<string, string>();
  /** A new call's slots: each variable's initial value (a JSON one is made per call, see `fresh`), every namespace empty. */
  readonly initial: unknown[] = [];
  /** Slots whose initial value is an object: made again for each call, so no two calls share it. */
  readonly fresh: Array<{ slot: number; def: VariableDef }> = [];
  readonly hasSecure: boolean;

  constructor(
    readonly defs: Map<string, VariableDef>,
    namespaces: Iterable<string> = [],
  ) {
    let secure = false;
    for (const def of defs.values()) {
      const slot = this.initial.length;
      this.slots.set(def.name, slot);
      const value = initialValue(def);
      if (value !== null && typeof value === "object") this.fresh.push({ slot, def });
      this.initial.push(value);
      secure ||= def.isSecure;
    }
    this.hasSecure = secure;
    for (const n of defs.keys()) this.lowerNames.set(n.toLowerCase(), n);
    for (const n of namespaces) {
      if (this.namespaceSlots.has(n)) continue;
      this.namespaceSlots.set(n, this.initial.length);
      this.initial.push(undefined);
    }
  }
}

export class Variables implements VariableStore {
  private readonly layout: VariableLayout;
  private readonly defs: Map<string, VariableDef>;
  /** The variables' values, then the known namespaces (see VariableLayout). */
  private readonly slots: unknown[];
  /** Namespaces the layout has no slot for, made on the first. */
  private extra: Map<string, Record<string, unknown>> | undefined = undefined;
  /** Whether any variable is isSecure (most flows have none: then nothing needs masking). */
  readonly hasSecure: boolean;

  constructor(
    layout: VariableLayout | Map<string, VariableDef>,
    /** Told each assignment (three arguments, not a change object: six or so per call). */
    private readonly onChange?: (name: string, value: unknown, activity: string | undefined) => void,
  ) {
    const l = layout instanceof VariableLayout ? layout : new VariableLayout(layout);
    this.layout = l;
    this.defs = l.defs;
    this.hasSecure = l.hasSecure;
    const slots = l.initial.slice();
    for (const f of l.fresh) slots[f.slot] = initialValue(f.def);
    this.slots = slots;
  }

  /** Resolves a declared name exactly, then case-insensitively (exports mix `ani` and `ANI`). */
  private resolveName(name: string): string | undefined {
    if (this.defs.has(name)) return name;
    return this.layout.lowerNames.get(name.toLowerCase());
  }

  /** A namespace by its exact name, or undefined. */
  private namespace(name: string): Record<string, unknown> | undefined {
    const slot = this.layout.namespaceSlots.get(name);
    if (slot !== undefined) {
      const ns = this.slots[slot] as Record<string, unknown> | undefined;
      if (ns !== undefined) return ns;
    }
    return this.extra?.get(name);
  }

  /**
   * A namespace by name, exactly, then case-insensitively: the layout's slots in the layout's
   * order, then the others in the order they came.
   */
  private resolveNamespace(name: string): Record<string, unknown> | undefined {
    const exact = this.namespace(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const [k, slot] of this.layout.namespaceSlots) {
      const v = this.slots[slot] as Record<string, unknown> | undefined;
      if (v !== undefined && k.toLowerCase() === lower) return v;
    }
    if (this.extra) for (const [k, v] of this.extra) if (k.toLowerCase() === lower) return v;
    return undefined;
  }

  get(name: string): unknown {
    const slot = this.layout.slots.get(name);
    if (slot !== undefined) return this.slots[slot];
    const ns = this.namespace(name);
    if (ns) return ns;
    const dot = name.indexOf(".");
    if (dot > 0) {
      const space = this.resolveNamespace(name.slice(0, dot));
      if (space) return lookupKey(space, name.slice(dot + 1));
    }
    const declared = this.resolveName(name);
    if (declared) return this.slots[this.layout.slots.get(declared)!];
    return this.resolveNamespace(name);
  }

  typeOf(name: string): VariableType | undefined {
    const n = this.resolveName(name);
    return n ? this.defs.get(n)!.type : undefined;
  }

  isSecure(name: string): boolean {
    const n = this.resolveName(name);
    return n ? this.defs.get(n)!.isSecure : false;
  }

  set(name: string, value: unknown, activity?: string): void {
    const declared = this.resolveName(name);
    if (!declared) throw new ActivityError(`variable "${name}" is not declared in this flow`);
    const def = this.defs.get(declared)!;
    let typed: unknown;
    try {
      typed = coerce(def.type, value);
    } catch (err) {
      throw new ActivityError(`cannot assign to ${def.type} variable "${declared}": ${(err as Error).message}`);
    }
    this.slots[this.layout.slots.get(declared)!] = typed;
    this.onChange?.(declared, def.isSecure ? MASK : plain(typed), activity);
  }

  /** Sets without coercion or notification (subflow outputs already typed, agent edits). */
  assignRaw(name: string, value: unknown): void {
    const declared = this.resolveName(name);
    if (declared) this.slots[this.layout.slots.get(declared)!] = value;
  }

  setOutput(namespace: string, key: string, value: unknown): void {
    let ns = this.namespace(namespace);
    if (!ns) this.putNamespace(namespace, (ns = {}));
    ns[key] = value;
  }

  /** Installs a whole namespace (start data, event data) under one or more names. */
  setNamespace(names: readonly string[], data: Record<string, unknown>): void {
    for (const n of names) this.putNamespace(n, data);
  }

  private putNamespace(name: string, data: Record<string, unknown>): void {
    const slot = this.layout.namespaceSlots.get(name);
    if (slot !== undefined) this.slots[slot] = data;
    else (this.extra ??= new Map()).set(name, data);
  }

  /** The store itself: templates read names through `get`, and a wrapper per call would be one more object. */
  scope(): Scope {
    return this;
  }

  definitions(): Iterable<VariableDef> {
    return this.defs.values();
  }

  /** Current values of the secure variables, for masking anything that might echo them. */
  secureValues(): string[] {
    const out: string[] = [];
    for (const def of this.defs.values()) {
      if (!def.isSecure) continue;
      const v = this.slots[this.layout.slots.get(def.name)!];
      const text = v === null || v === undefined ? "" : typeof v === "string" ? v : stringify(v);
      if (text.length >= 3) out.push(text);
    }
    return out;
  }

  /** Flow variables with their current values (secure ones masked), for traces and the desktop. */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const def of this.defs.values()) out[def.name] = def.isSecure ? MASK : plain(this.slots[this.layout.slots.get(def.name)!]);
    return out;
  }
}

/** A value as events and snapshots carry it: boxed doubles become plain numbers. */
function plain(v: unknown): unknown {
  return isBoxedDouble(v) ? v.v : v;
}

function lookupKey(obj: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}
