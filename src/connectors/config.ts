/**
 * The `connectors` section of an environment file: which connector id means which base URL and
 * credentials. Secrets never sit in the file as literals:
 *
 *   clientSecret: ${MSD_CLIENT_SECRET}         an environment variable
 *   clientSecret: ${secret:msd-client-secret}  a key of the secrets file (JSON or YAML)
 *   clientSecret: { dev: "not-a-real-secret" } a development value, marked as such on purpose
 *
 * `${...}` may appear anywhere in a string (`Bearer ${ZD_TOKEN}`); `$${` writes a literal `${`.
 * A plain literal in `clientSecret` or `password` is a configuration error. Header values may
 * be literals (`Accept: application/json`); those built from a reference or a dev value are
 * treated as secrets. Every problem in the section is reported at once, naming the connector.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export const CONNECTOR_TYPES = ["oauth2-client-credentials", "basic", "none"] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

/** How the client authenticates at the token endpoint (OIDC names). */
export type ClientAuthMethod = "client_secret_post" | "client_secret_basic";

/** A connector after references were resolved: what the gateway needs, secrets included. */
export interface ConnectorConfig {
  id: string;
  name: string;
  type: ConnectorType;
  /** Base URL the request path is joined to (`https://org.api.crm.dynamics.com/api/data/v9.2/`). */
  resourceDomain: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  tokenUrl?: string;
  clientAuth: ClientAuthMethod;
  username?: string;
  password?: string;
  /** Headers added to every request through this connector. */
  headers: Record<string, string>;
  /** Extra CA certificates (PEM) to trust for this connector's hosts, e.g. the embedded CRM's. */
  ca?: string;
  /** Every value that must never appear in a log, an error or a result. */
  secrets: string[];
}

const devValue = z.object({ dev: z.string() }).strict();
const configString = z.union([z.string(), devValue]);

const connectorSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    type: z.enum(CONNECTOR_TYPES),
    resourceDomain: z.string().min(1),
    clientId: configString.optional(),
    clientSecret: configString.optional(),
    scope: configString.optional(),
    tokenUrl: configString.optional(),
    clientAuth: z.enum(["client_secret_post", "client_secret_basic"]).optional(),
    username: configString.optional(),
    password: configString.optional(),
    headers: z.record(z.string(), configString).optional(),
    caFile: z.string().min(1).optional(),
  })
  .strict();

/** Schema of the `connectors` section: a list of connectors. */
export const connectorsSectionSchema = z.array(connectorSchema);
export type ConnectorsSection = z.infer<typeof connectorsSectionSchema>;

export class ConnectorConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems in the connectors section:\n  ${problems.join("\n  ")}`);
    this.name = "ConnectorConfigError";
  }
}

export interface LoadConnectorsOptions {
  /** Environment variables for `${NAME}` references (usually process.env). */
  env: Record<string, string | undefined>;
  /** Directory the environment file is in; relative paths (secrets file, CA file) start here. */
  baseDir: string;
  /**
   * Secrets file for `${secret:NAME}` references: the environment file's top-level
   * `secretsFile`, else the `CCFLOW_SECRETS_FILE` environment variable.
   */
  secretsFile?: string;
}

const SECRET_FIELDS = new Set(["clientSecret", "password"]);

interface Resolved {
  value: string;
  /** Built from a reference or a dev value: treat as a secret. */
  sensitive: boolean;
}

class Resolver {
  private secrets: Record<string, unknown> | undefined;
  private secretsPath: string | undefined;

  constructor(private readonly options: LoadConnectorsOptions) {}

  private loadSecrets(): { values: Record<string, unknown>; file: string } | string {
    const configured = this.options.secretsFile ?? this.options.env.CCFLOW_SECRETS_FILE;
    if (!configured) return "no secrets file is configured (set secretsFile in the environment file or CCFLOW_SECRETS_FILE)";
    const file = path.resolve(this.options.baseDir, configured);
    if (this.secrets && this.secretsPath === file) return { values: this.secrets, file };
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return `the secrets file ${file} cannot be read (${code === "ENOENT" ? "not found" : code ?? "error"})`;
    }
    let parsed: unknown;
    try {
      parsed = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      return `the secrets file ${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return `the secrets file ${file} must hold a map of name to value`;
    }
    this.secrets = parsed as Record<string, unknown>;
    this.secretsPath = file;
    return { values: this.secrets, file };
  }

  /** Resolves `${...}` references in a string; pushes problems, returns undefined on failure. */
  resolve(raw: string | { dev: string }, where: string, problems: string[]): Resolved | undefined {
    if (typeof raw !== "string") return { value: raw.dev, sensitive: true };
    let sensitive = false;
    let failed = false;
    const value = raw.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, ref: string | undefined) => {
      if (match === "$${") return "${";
      sensitive = true;
      const name = (ref ?? "").trim();
      const secretKey = /^secret:(.+)$/.exec(name)?.[1]?.trim();
      if (secretKey !== undefined) {
        const loaded = this.loadSecrets();
        if (typeof loaded === "string") {
          problems.push(`${where} refers to secret "${secretKey}", but ${loaded}`);
          failed = true;
          return "";
        }
        const v = loaded.values[secretKey];
        if (typeof v !== "string" && typeof v !== "number") {
          problems.push(`${where} refers to secret "${secretKey}", which the secrets file ${loaded.file} does not define${v === undefined ? "" : " as a string"}`);
          failed = true;
          return "";
        }
        return String(v);
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        problems.push(`${where} has a malformed reference \${${name}}: use \${ENV_VAR} or \${secret:NAME}`);
        failed = true;
        return "";
      }
      const v = this.options.env[name];
      if (v === undefined || v === "") {
        problems.push(`${where} refers to environment variable ${name}, which is not set`);
        failed = true;
        return "";
      }
      return v;
    });
    return failed ? undefined : { value, sensitive };
  }
}

function label(c: { id?: unknown; name?: unknown }, index: number): string {
  const name = typeof c.name === "string" && c.name ? c.name : undefined;
  const id = typeof c.id === "string" && c.id ? c.id : undefined;
  if (name && id) return `connector "${name}" (${id})`;
  if (name ?? id) return `connector "${name ?? id}"`;
  return `connectors[${index}]`;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * Validates the parsed `connectors` section and resolves its references. Throws
 * ConnectorConfigError listing every problem (missing env vars and secrets by name).
 */
export function loadConnectors(section: unknown, options: LoadConnectorsOptions): ConnectorConfig[] {
  if (section === undefined || section === null) return [];
  const problems: string[] = [];
  if (!Array.isArray(section)) {
    throw new ConnectorConfigError([`the connectors section must be a list of connectors, not ${typeof section}`]);
  }
  const resolver = new Resolver(options);
  const out: ConnectorConfig[] = [];
  const seenIds = new Map<string, string>();
  const seenNames = new Map<string, string>();

  section.forEach((entry: unknown, index) => {
    const raw = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const who = label(raw, index);
    const parsed = connectorSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const at = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
        let message = issue.message;
        if (issue.code === "unrecognized_keys") message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
        else if (issue.code === "invalid_value" && issue.path[0] === "type") message = `type must be one of ${CONNECTOR_TYPES.join(", ")}`;
        else if (issue.code === "invalid_type" && issue.input === undefined) message = "is required";
        problems.push(`${who}: ${at}${message}`);
      }
      return;
    }
    const c = parsed.data;
    if (seenIds.has(c.id)) problems.push(`${who}: id ${c.id} is also used by ${seenIds.get(c.id)}`);
    else seenIds.set(c.id, who);
    if (seenNames.has(c.name)) problems.push(`${who}: name ${c.name} is also used by ${seenNames.get(c.name)}`);
    else seenNames.set(c.name, who);

    const secrets: string[] = [];
    const field = (key: "clientId" | "clientSecret" | "scope" | "tokenUrl" | "username" | "password"): string | undefined => {
      const value = c[key];
      if (value === undefined) return undefined;
      if (SECRET_FIELDS.has(key) && typeof value === "string" && !value.includes("${")) {
        problems.push(
          `${who}: ${key} is written as a literal; give it as \${ENV_VAR} or \${secret:NAME}, or mark a development value as { dev: "..." }`,
        );
        return undefined;
      }
      const r = resolver.resolve(value, `${who}: ${key}`, problems);
      if (!r) return undefined;
      if (SECRET_FIELDS.has(key)) secrets.push(r.value);
      return r.value;
    };
    const clientId = field("clientId");
    const clientSecret = field("clientSecret");
    const scope = field("scope");
    const tokenUrl = field("tokenUrl");
    const username = field("username");
    const password = field("password");

    const domain = resolver.resolve(c.resourceDomain, `${who}: resourceDomain`, problems);
    if (domain && !isHttpUrl(domain.value)) problems.push(`${who}: resourceDomain ${JSON.stringify(domain.value)} is not an http(s) URL`);
    if (tokenUrl !== undefined && !isHttpUrl(tokenUrl)) problems.push(`${who}: tokenUrl ${JSON.stringify(tokenUrl)} is not an http(s) URL`);

    const required = (present: unknown, key: string) => {
      if (present === undefined && c[key as keyof typeof c] === undefined) problems.push(`${who}: ${key} is required for type ${c.type}`);
    };
    if (c.type === "oauth2-client-credentials") {
      required(clientId, "clientId");
      required(clientSecret, "clientSecret");
      required(tokenUrl, "tokenUrl");
    } else if (c.type === "basic") {
      required(username, "username");
      required(password, "password");
    }
    const unused = c.type === "basic" ? ["clientId", "clientSecret", "scope", "tokenUrl", "clientAuth"] : c.type === "none" ? ["clientId", "clientSecret", "scope", "tokenUrl", "clientAuth", "username", "password"] : ["username", "password"];
    for (const key of unused) {
      if (c[key as keyof typeof c] !== undefined) problems.push(`${who}: ${key} does not apply to type ${c.type}`);
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(c.headers ?? {})) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        problems.push(`${who}: headers: ${JSON.stringify(name)} is not a valid header name`);
        continue;
      }
      const r = resolver.resolve(value, `${who}: headers.${name}`, problems);
      if (!r) continue;
      if (/[\r\n]/.test(r.value)) {
        problems.push(`${who}: headers.${name} contains a line break`);
        continue;
      }
      headers[name] = r.value;
      if (r.sensitive) secrets.push(r.value);
    }

    let ca: string | undefined;
    if (c.caFile) {
      const file = path.resolve(options.baseDir, c.caFile);
      try {
        ca = readFileSync(file, "utf8");
        if (!ca.includes("-----BEGIN CERTIFICATE-----")) problems.push(`${who}: caFile ${file} holds no PEM certificate`);
      } catch (err) {
        problems.push(`${who}: caFile ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      }
    }

    if (!domain) return;
    out.push({
      id: c.id,
      name: c.name,
      type: c.type,
      resourceDomain: domain.value,
      clientId,
      clientSecret,
      scope,
      tokenUrl,
      clientAuth: c.clientAuth ?? "client_secret_post",
      username,
      password,
      headers,
      ca,
      secrets: [...new Set(secrets.filter((s) => s.length > 0))],
    });
  });

  if (problems.length > 0) throw new ConnectorConfigError(problems);
  return out;
}

/**
 * Connector ids a flow uses that the environment does not define (each once, in first-use
 * order). The validator reports them; a connector may also be named by its `name`.
 */
export function undefinedConnectors(usedIds: Iterable<string>, defined: ReadonlyArray<{ id: string; name?: string }>): string[] {
  const known = new Set<string>();
  for (const c of defined) {
    known.add(c.id);
    if (c.name) known.add(c.name);
  }
  const missing: string[] = [];
  for (const id of usedIds) if (!known.has(id) && !missing.includes(id)) missing.push(id);
  return missing;
}

/** Finds a connector by id, else by name (case-insensitive), for `connector test <id|name>`. */
export function findConnector<T extends { id: string; name: string }>(connectors: readonly T[], idOrName: string): T | undefined {
  return connectors.find((c) => c.id === idOrName) ?? connectors.find((c) => c.name.toLowerCase() === idOrName.toLowerCase());
}
