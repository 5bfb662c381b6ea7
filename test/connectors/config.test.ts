import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ConnectorConfigError, findConnector, loadConnectors, undefinedConnectors } from "../../src/connectors/config.js";

const dir = mkdtempSync(path.join(tmpdir(), "ccflow-connectors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENV_FILE = `
connectors:
  - id: 8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710
    name: MSD_IVR_Connector
    type: oauth2-client-credentials
    resourceDomain: https://org734cd33d.api.crm.dynamics.com/api/data/v9.2/
    clientId: \${MSD_CLIENT_ID}
    clientSecret: \${MSD_CLIENT_SECRET}
    scope: https://org734cd33d.crm.dynamics.com/.default
    tokenUrl: https://login.microsoftonline.com/\${MSD_TENANT}/oauth2/v2.0/token
  - id: d892fbcd-b050-4f64-9c8f-d6ccd08042c3
    name: Zendesk
    type: basic
    resourceDomain: https://acme.zendesk.com
    username: agent@acme.test/token
    password: \${secret:zendesk-api-token}
    headers:
      Accept: application/json
      X-Api-Key: "key \${secret:zendesk-key}"
`;

function errorOf(fn: () => unknown): ConnectorConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectorConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConnectorConfigError");
}

describe("connectors section of the environment file", () => {
  writeFileSync(path.join(dir, "secrets.yaml"), "zendesk-api-token: zd-s3cret\nzendesk-key: k-123\n");
  const env = { MSD_CLIENT_ID: "535fb089-9ff3-47b6-9bfb-4f1264799865", MSD_CLIENT_SECRET: "msd-s3cret", MSD_TENANT: "contoso.onmicrosoft.com" };

  it("resolves environment variables and secrets-file references", () => {
    const section = (parseYaml(ENV_FILE) as { connectors: unknown }).connectors;
    const [msd, zd] = loadConnectors(section, { env, baseDir: dir, secretsFile: "secrets.yaml" });
    expect(msd).toMatchObject({
      name: "MSD_IVR_Connector",
      type: "oauth2-client-credentials",
      clientId: "535fb089-9ff3-47b6-9bfb-4f1264799865",
      clientSecret: "msd-s3cret",
      tokenUrl: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
      clientAuth: "client_secret_post",
    });
    expect(msd!.secrets).toEqual(["msd-s3cret"]);
    expect(zd).toMatchObject({ type: "basic", username: "agent@acme.test/token", password: "zd-s3cret", headers: { Accept: "application/json", "X-Api-Key": "key k-123" } });
    expect(zd!.secrets.sort()).toEqual(["key k-123", "zd-s3cret"]);
  });

  it("finds the secrets file through CCFLOW_SECRETS_FILE too", () => {
    const section = [{ id: "z", name: "Z", type: "basic", resourceDomain: "https://z.test", username: "u", password: "${secret:zendesk-api-token}" }];
    const [z] = loadConnectors(section, { env: { CCFLOW_SECRETS_FILE: path.join(dir, "secrets.yaml") }, baseDir: "/" });
    expect(z!.password).toBe("zd-s3cret");
  });

  it("names the connector and the environment variable that is not set", () => {
    const section = (parseYaml(ENV_FILE) as { connectors: unknown }).connectors;
    const err = errorOf(() => loadConnectors(section, { env: { MSD_CLIENT_ID: "x", MSD_TENANT: "t" }, baseDir: dir, secretsFile: "secrets.yaml" }));
    expect(err.problems).toEqual([
      'connector "MSD_IVR_Connector" (8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710): clientSecret refers to environment variable MSD_CLIENT_SECRET, which is not set',
    ]);
  });

  it("names the secret missing from the secrets file, and a missing secrets file", () => {
    const section = [{ id: "z", name: "Zendesk", type: "basic", resourceDomain: "https://z.test", username: "u", password: "${secret:nope}" }];
    const missingKey = errorOf(() => loadConnectors(section, { env: {}, baseDir: dir, secretsFile: "secrets.yaml" }));
    expect(missingKey.message).toBe(`connector "Zendesk" (z): password refers to secret "nope", which the secrets file ${path.join(dir, "secrets.yaml")} does not define`);
    const noFile = errorOf(() => loadConnectors(section, { env: {}, baseDir: dir, secretsFile: "absent.yaml" }));
    expect(noFile.message).toContain(`the secrets file ${path.join(dir, "absent.yaml")} cannot be read (not found)`);
    const none = errorOf(() => loadConnectors(section, { env: {}, baseDir: dir }));
    expect(none.message).toContain("no secrets file is configured");
  });

  it("refuses a literal secret unless it is marked as a development value", () => {
    const literal = [{ id: "a", name: "A", type: "oauth2-client-credentials", resourceDomain: "https://a.test/", clientId: "id", clientSecret: "hunter2", tokenUrl: "https://a.test/token" }];
    const err = errorOf(() => loadConnectors(literal, { env: {}, baseDir: dir }));
    expect(err.message).toMatch(/clientSecret is written as a literal; give it as \$\{ENV_VAR\} or \$\{secret:NAME\}, or mark a development value as \{ dev: "\.\.\." \}/);
    expect(err.message).not.toContain("hunter2");
    const dev = [{ ...literal[0], clientSecret: { dev: "hunter2" } }];
    const [a] = loadConnectors(dev, { env: {}, baseDir: dir });
    expect(a!.clientSecret).toBe("hunter2");
    expect(a!.secrets).toEqual(["hunter2"]);
  });

  it("reports every problem at once: missing fields, wrong type, typos, bad URLs, duplicates", () => {
    const section = [
      { id: "1", name: "One", type: "oauth2-client-credentials", resourceDomain: "https://one.test/" },
      { id: "2", name: "Two", type: "ntlm", resourceDomain: "https://two.test/" },
      { id: "3", name: "Three", type: "none", resourceDomain: "not a url", clientSecert: "x" },
      { id: "1", name: "Four", type: "none", resourceDomain: "https://four.test/" },
      { id: "5", name: "Five", type: "basic", resourceDomain: "https://five.test/", username: "u", password: "${P}", tokenUrl: "https://x" },
    ];
    const err = errorOf(() => loadConnectors(section, { env: { P: "p" }, baseDir: dir }));
    expect(err.problems).toEqual([
      'connector "One" (1): clientId is required for type oauth2-client-credentials',
      'connector "One" (1): clientSecret is required for type oauth2-client-credentials',
      'connector "One" (1): tokenUrl is required for type oauth2-client-credentials',
      'connector "Two" (2): type: type must be one of oauth2-client-credentials, basic, none',
      'connector "Three" (3): unknown field clientSecert',
      'connector "Four" (1): id 1 is also used by connector "One" (1)',
      'connector "Five" (5): tokenUrl does not apply to type basic',
    ]);
  });

  it("rejects a section that is not a list, and malformed references", () => {
    expect(errorOf(() => loadConnectors({ a: 1 }, { env: {}, baseDir: dir })).message).toMatch(/must be a list/);
    const bad = [{ id: "n", name: "N", type: "none", resourceDomain: "${not valid}" }];
    expect(errorOf(() => loadConnectors(bad, { env: {}, baseDir: dir })).message).toMatch(/malformed reference \$\{not valid\}/);
  });

  it("keeps $${ as a literal ${", () => {
    const [n] = loadConnectors([{ id: "n", name: "N", type: "none", resourceDomain: "https://n.test/", headers: { "X-T": "$${HOME}" } }], { env: {}, baseDir: dir });
    expect(n!.headers["X-T"]).toBe("${HOME}");
    expect(n!.secrets).toEqual([]);
  });

  it("reads a CA file for a connector that talks to a private CA", () => {
    writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const [n] = loadConnectors([{ id: "n", name: "N", type: "none", resourceDomain: "https://n.test/", caFile: "ca.pem" }], { env: {}, baseDir: dir });
    expect(n!.ca).toContain("BEGIN CERTIFICATE");
  });
});

describe("connectors a flow uses", () => {
  const defined = [{ id: "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710", name: "MSD_IVR_Connector" }];

  it("lists the ids the environment does not define, once each", () => {
    expect(undefinedConnectors(["8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710", "d892fbcd", "d892fbcd", "x"], defined)).toEqual(["d892fbcd", "x"]);
    expect(undefinedConnectors(["MSD_IVR_Connector"], defined)).toEqual([]);
  });

  it("finds a connector by id or by name", () => {
    expect(findConnector(defined, "msd_ivr_connector")?.id).toBe("8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710");
    expect(findConnector(defined, "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710")?.name).toBe("MSD_IVR_Connector");
    expect(findConnector(defined, "nope")).toBeUndefined();
  });
});
