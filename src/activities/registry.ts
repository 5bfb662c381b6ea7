/**
 * Maps an export's activityName to the handler that runs it. The registry is also the catalog
 * the validator asks for ports and template fields, so both always agree.
 */
import type { ActivityCatalog } from "../flow/validate.js";
import type { ActivitySpec } from "./types.js";

export class ActivityRegistry implements ActivityCatalog {
  private readonly specs = new Map<string, ActivitySpec>();

  constructor(specs: Iterable<ActivitySpec> = []) {
    for (const s of specs) this.add(s);
  }

  add(spec: ActivitySpec): this {
    if (typeof spec.compile !== "function") throw new Error(`activity type "${spec.type}" has no compile`);
    for (const name of [spec.type, ...(spec.aliases ?? [])]) {
      if (this.specs.has(name)) throw new Error(`activity type "${name}" is registered twice`);
      this.specs.set(name, spec);
    }
    return this;
  }

  lookup(type: string): ActivitySpec | undefined {
    return this.specs.get(type);
  }

  types(): string[] {
    return [...this.specs.keys()].sort();
  }
}
