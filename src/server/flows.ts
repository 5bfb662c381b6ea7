/**
 * The flows a server takes calls on, each with a short id for the API (`?flow=seed`). Flows are
 * read and validated before the server listens: a flow with errors is refused with every problem
 * named, the way `ccflow validate` names them.
 */
import { basename } from "node:path";
import { createRegistry } from "../activities/index.js";
import { readFlowFile } from "../flow/read-file.js";
import { diagnosticText } from "../flow/diagnostic-text.js";
import type { FlowDefinition } from "../flow/types.js";
import { validateFlow } from "../flow/validate.js";
import type { ActivityRegistry } from "../activities/registry.js";

export type FlowSource = "example" | "seed" | "file" | "given";

export interface CatalogFlow {
  /** Short id for the API: the flow's name, lower-cased, made URL-safe. */
  id: string;
  name: string;
  description?: string;
  file?: string;
  source: FlowSource;
  definition: FlowDefinition;
}

export interface FlowFileSpec {
  file: string;
  source: FlowSource;
  /** Id to use instead of the one derived from the name. */
  id?: string;
}

export class FlowCatalogError extends Error {}

/** A flow file read and validated: the flow, or every error in it (lines as `ccflow validate` prints them). */
export async function readValidFlow(file: string, registry: ActivityRegistry): Promise<{ flow: FlowDefinition; errors?: undefined } | { flow?: undefined; errors: string[] }> {
  const read = await readFlowFile(file);
  const diagnostics = [...read.diagnostics];
  if (read.flow) diagnostics.push(...validateFlow(read.flow, registry));
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (!read.flow || errors.length > 0) return { errors: [`${file}: ${errors.length} error${errors.length === 1 ? "" : "s"}:`, ...errors.map((d) => diagnosticText(d))] };
  return { flow: read.flow };
}

/** A subflow or GoTo target the catalog holds, with the file it came from when there is one. */
interface LibraryEntry {
  file?: string;
  definition: FlowDefinition;
}

export function flowSlug(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug || "flow";
}

function describe(flow: FlowDefinition): string | undefined {
  const raw = flow.raw as { description?: unknown } | null;
  return raw && typeof raw.description === "string" && raw.description.trim() ? raw.description.trim() : undefined;
}

export class FlowCatalog {
  private readonly byId = new Map<string, CatalogFlow>();
  private readonly libraryEntries: LibraryEntry[];

  /**
   * @param library subflows and GoTo targets (the environment's `flows:`, and any SUBFLOW export
   *   given as a flow): calls can reach them through a flow, but they are not offered as flows to call.
   */
  constructor(
    flows: Array<Omit<CatalogFlow, "id"> & { id?: string }>,
    library: Array<FlowDefinition | LibraryEntry> = [],
  ) {
    this.libraryEntries = library.map((l) => ("definition" in l ? { ...l } : { definition: l }));
    for (const f of flows) {
      const base = f.id ?? flowSlug(f.name);
      let id = base;
      for (let i = 2; this.byId.has(id); i++) id = `${base}-${i}`;
      this.byId.set(id, { ...f, id });
    }
    if (this.byId.size === 0) throw new FlowCatalogError("no flow to serve: give at least one with --flow <file>");
  }

  /** Reads and validates flow files; throws one error naming every problem of every file. */
  static async load(specs: FlowFileSpec[], libraryFiles: string[] = []): Promise<FlowCatalog> {
    const registry = createRegistry();
    const flows: Array<Omit<CatalogFlow, "id"> & { id?: string }> = [];
    const library: LibraryEntry[] = [];
    const problems: string[] = [];
    for (const spec of [...specs, ...libraryFiles.map((file): FlowFileSpec & { library: true } => ({ file, source: "file", library: true }))]) {
      const read = await readValidFlow(spec.file, registry);
      if (!read.flow) {
        problems.push(...read.errors);
        continue;
      }
      if ("library" in spec || read.flow.flowType === "SUBFLOW") {
        library.push({ file: spec.file, definition: read.flow });
        continue;
      }
      const description = describe(read.flow);
      flows.push({ ...(spec.id ? { id: spec.id } : {}), name: read.flow.name || basename(spec.file), ...(description ? { description } : {}), file: spec.file, source: spec.source, definition: read.flow });
    }
    if (problems.length > 0) throw new FlowCatalogError(problems.join("\n"));
    if (flows.length === 0 && library.length > 0) throw new FlowCatalogError("no flow to serve: every flow given is a subflow (flowType SUBFLOW), which runs only when a flow calls it; give a main flow with --flow <file>");
    return new FlowCatalog(flows, library);
  }

  list(): CatalogFlow[] {
    return [...this.byId.values()];
  }

  get default(): CatalogFlow {
    return this.byId.values().next().value as CatalogFlow;
  }

  /** By id, or by the flow's name (as exported), or its flowId. */
  find(ref: string | undefined): CatalogFlow | undefined {
    if (ref === undefined || ref === "") return this.default;
    return this.byId.get(ref) ?? this.list().find((f) => f.name === ref || f.definition.flowId === ref || f.definition.id === ref);
  }

  definitions(): FlowDefinition[] {
    return this.list().map((f) => f.definition);
  }

  /** Subflows and GoTo targets (current versions). */
  get library(): FlowDefinition[] {
    return this.libraryEntries.map((l) => l.definition);
  }

  /** Every file the catalog's flows (main, then library) were read from. */
  files(): string[] {
    const out: string[] = [];
    for (const f of this.byId.values()) if (f.file && !out.includes(f.file)) out.push(f.file);
    for (const l of this.libraryEntries) if (l.file && !out.includes(l.file)) out.push(l.file);
    return out;
  }

  /** The flow read from a file: its current definition. */
  definitionOf(file: string): FlowDefinition | undefined {
    for (const f of this.byId.values()) if (f.file === file) return f.definition;
    return this.libraryEntries.find((l) => l.file === file)?.definition;
  }

  /**
   * Puts a new version of a file's flow in the catalog (the API and new calls see it; a call in
   * progress holds the version it started on). The flow keeps its id; its name and description
   * follow the file.
   */
  replace(file: string, next: FlowDefinition): void {
    for (const [id, f] of this.byId) {
      if (f.file !== file) continue;
      const description = describe(next);
      const { description: _old, ...rest } = f;
      this.byId.set(id, { ...rest, ...(description ? { description } : {}), name: next.name || f.name, definition: next });
      return;
    }
    const entry = this.libraryEntries.find((l) => l.file === file);
    if (entry) entry.definition = next;
  }

  /** A subflow file the environment's `flows:` list names now (serve --watch). */
  addLibrary(file: string, definition: FlowDefinition): void {
    this.libraryEntries.push({ file, definition });
  }

  /** A subflow file the `flows:` list no longer names: returns its flow, if it was there. */
  removeLibrary(file: string): FlowDefinition | undefined {
    const at = this.libraryEntries.findIndex((l) => l.file === file);
    return at < 0 ? undefined : this.libraryEntries.splice(at, 1)[0]!.definition;
  }
}
