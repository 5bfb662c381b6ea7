/**
 * `ccflow validate --env` agrees with `ccflow serve`: the demo environment leaves the flows'
 * connector out on purpose (serve binds it to the embedded CRM), so validate must accept it and
 * say what serve would bind; with the embedded CRM switched off the connector is unbound again.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { validateFiles } from "../../../src/cli/commands/validate.js";
import { loadEnvironmentFile, parseEnvironment } from "../../../src/environment/load.js";
import { previewServeBindings } from "../../../src/environment/serve-bindings.js";
import { repoRoot } from "../../helpers/shared.js";

const example = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
const connector = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";

describe("ccflow validate --env", () => {
  it("accepts the example flow with the demo environment and names the connector serve binds to the embedded CRM", async () => {
    const env = await loadEnvironmentFile(resolve(repoRoot, "examples/environment.yaml"));
    if (!env.ok) throw new Error(env.error);
    const environment = env.environment;
    const [report] = await validateFiles([example], (flow) => previewServeBindings(environment, [flow]));
    expect(report!.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(report!.valid).toBe(true);
    expect(report!.bound).toEqual([`connector ${connector} → embedded CRM's Web API (OAuth 2.0 client credentials, development app)`]);
  });

  it("still reports the connector as unbound when the environment turns the embedded CRM off", async () => {
    const env = parseEnvironment("crm:\n  embedded: false\n");
    if (!env.ok) throw new Error(env.error);
    const environment = env.environment;
    const [report] = await validateFiles([example], (flow) => previewServeBindings(environment, [flow]));
    expect(report!.valid).toBe(false);
    expect(report!.bound).toEqual([]);
    expect(report!.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([
      `Activity "LookupContact" uses connector "${connector}", which the environment does not define`,
      `Activity "LookupLatestCase" uses connector "${connector}", which the environment does not define`,
    ]);
  });
});
