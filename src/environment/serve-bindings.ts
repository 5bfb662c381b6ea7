/**
 * What `ccflow serve` would bind for a set of flows that the environment file does not spell out,
 * without starting anything: connectors bound to the embedded CRM (queues a flow creates on
 * first use are already validate's warnings).
 * `ccflow validate --env` reads it so that validate and serve agree about the same files; the
 * runtime (runtime/runtime.ts) does the binding itself and prints the same facts at start-up.
 */
import { collectReferences, type BindingCheck } from "../flow/validate.js";
import type { FlowDefinition } from "../flow/types.js";
import { bindingCheckOf } from "./load.js";
import type { Environment } from "./schema.js";

export interface ServeBindingPreview {
  /** The environment's own bindings plus what serve adds, for validateFlow. */
  check: BindingCheck;
  /** One line per binding serve would make on its own. */
  lines: string[];
}

export function previewServeBindings(env: Environment, flows: FlowDefinition[]): ServeBindingPreview {
  const check = bindingCheckOf(env);
  const connectors = new Set(check.connectors);
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const flow of flows) {
    const refs = collectReferences(flow);
    for (const id of refs.connectors.keys()) {
      if (connectors.has(id) || seen.has(`c:${id}`)) continue;
      seen.add(`c:${id}`);
      if (!env.crm.embedded) continue;
      connectors.add(id);
      lines.push(`connector ${id} → embedded CRM's Web API (OAuth 2.0 client credentials, development app)`);
    }
  }
  return { check: { ...check, connectors }, lines };
}
