/**
 * `ccflow connector test <id|name> [--env env.yaml]`: checks one connector end to end — fetches
 * a token (OAuth) and makes one request (`WhoAmI` for a Dataverse resource domain, else GET the
 * resource domain) — printing one readable line per step with its timing. Exit 0 when both
 * succeed, 1 otherwise. Secrets are never printed.
 *
 * The environment file is read here with `yaml` for its `connectors` and `secretsFile` only;
 * this is meant to give way to the shared environment loader.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { ConnectorConfigError, findConnector, loadConnectors, type ConnectorConfig } from "../../connectors/config.js";
import { createHttpGateway } from "../../connectors/gateway.js";
import type { Transport } from "../../connectors/transport.js";
import { HttpFailure } from "../../connectors/types.js";
import { SystemClock } from "../../time/clock.js";

export const DEFAULT_ENV_FILE = "ccflow.env.yaml";

/** True for a Dataverse Web API base (`…/api/data/v9.2/`), where WhoAmI is the natural probe. */
export function isDataverse(resourceDomain: string): boolean {
  try {
    return /\/api\/data\/v\d+(\.\d+)?\/?$/i.test(new URL(resourceDomain).pathname);
  } catch {
    return false;
  }
}

export interface ConnectorTestOptions {
  timeoutMs: number;
  /** Path to request instead of the default probe. */
  path?: string;
  out: (line: string) => void;
  transport?: Transport;
}

function short(text: string, max = 160): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Runs the checks and prints one line per step; resolves true when the connector works. */
export async function testConnector(c: ConnectorConfig, options: ConnectorTestOptions): Promise<boolean> {
  const clock = new SystemClock();
  const { out } = options;
  const gateway = createHttpGateway({ connectors: [c], clock, transport: options.transport });
  try {
    out(`connector ${c.name} (${c.id}), ${c.type}, ${c.resourceDomain}`);
    if (c.type === "oauth2-client-credentials") {
      const cache = gateway.tokenCache(c.id)!;
      const t0 = performance.now();
      try {
        await cache.get(AbortSignal.timeout(options.timeoutMs));
        const ms = Math.round(performance.now() - t0);
        const left = cache.remainingMs();
        out(`token     POST ${c.tokenUrl} → ok in ${ms} ms${left !== undefined ? `, expires in ${Math.round(left / 1000)} s` : ""}${c.scope ? `, scope ${c.scope}` : ""}`);
      } catch (err) {
        const ms = Math.round(performance.now() - t0);
        const why = (err as Error)?.name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : (err as Error)?.message ?? String(err);
        out(`token     POST ${c.tokenUrl} → failed in ${ms} ms: ${gateway.redact(why.replace(/^connector [^:]+: /, ""))}`);
        out("result    failed");
        return false;
      }
    } else if (c.type === "basic") {
      out(`auth      Basic, user ${c.username ?? ""}`);
    }

    const target = options.path ?? (isDataverse(c.resourceDomain) ? "WhoAmI" : "");
    try {
      const r = await gateway.execute(
        { activity: "connector test", connectorId: c.id, target, query: [], method: "GET", headers: { Accept: "application/json" }, timeoutMs: options.timeoutMs, retryAttempts: 0 },
        clock,
      );
      let detail = "";
      try {
        const body = JSON.parse(r.body) as Record<string, unknown>;
        if (typeof body.UserId === "string") detail = ` (UserId ${body.UserId}${typeof body.OrganizationId === "string" ? `, OrganizationId ${body.OrganizationId}` : ""})`;
        else if (body.error && typeof body.error === "object") {
          const e = body.error as Record<string, unknown>;
          detail = `: ${short([e.code, e.message].filter((x) => typeof x === "string" && x).join(" "))}`;
        }
      } catch {
        if (r.status >= 400 && r.body.trim()) detail = `: ${short(r.body)}`;
      }
      const ok = r.status >= 200 && r.status < 300;
      const challenge = r.status === 401 && r.headers["www-authenticate"] ? ` (WWW-Authenticate: ${short(r.headers["www-authenticate"], 120)})` : "";
      out(`request   GET ${r.url} → ${r.status} in ${r.ms} ms${detail}${challenge}`);
      out(`result    ${ok ? "ok" : "failed"}`);
      return ok;
    } catch (err) {
      const f = err instanceof HttpFailure ? err : undefined;
      out(`request   GET ${f?.url ?? target} → failed in ${f?.ms ?? 0} ms: ${gateway.redact((err as Error)?.message ?? String(err))}`);
      out("result    failed");
      return false;
    }
  } finally {
    await gateway.close();
  }
}

/** Reads the connectors of an environment file (YAML or JSON). Throws Error with one line. */
export async function readConnectors(file: string, env: Record<string, string | undefined> = process.env): Promise<ConnectorConfig[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read environment file ${file}: ${code === "ENOENT" ? "no such file" : code ?? "error"}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`);
  }
  const doc = (raw && typeof raw === "object" ? raw : {}) as { connectors?: unknown; secretsFile?: unknown };
  return loadConnectors(doc.connectors, {
    env,
    baseDir: path.dirname(path.resolve(file)),
    secretsFile: typeof doc.secretsFile === "string" ? doc.secretsFile : undefined,
  });
}

export function register(program: Command): void {
  const connector = program.command("connector").description("HTTP connectors of the environment file");
  connector
    .command("test")
    .description("fetch a token and make one request through a connector (WhoAmI for Dynamics)")
    .argument("<id|name>", "connector id or name")
    .option("--env <file>", "environment file", DEFAULT_ENV_FILE)
    .option("--path <path>", "request this path instead (relative to the resource domain)")
    .option("--timeout <ms>", "deadline for each step", "10000")
    .action(async (idOrName: string, opts: { env: string; path?: string; timeout: string }) => {
      const timeoutMs = Number(opts.timeout);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
        process.stderr.write(`ccflow: --timeout must be a positive number of ms, not ${JSON.stringify(opts.timeout)}\n`);
        process.exitCode = 1;
        return;
      }
      let connectors: ConnectorConfig[];
      try {
        connectors = await readConnectors(opts.env);
      } catch (err) {
        const lines = err instanceof ConnectorConfigError ? err.problems : [(err as Error).message];
        for (const l of lines) process.stderr.write(`ccflow: ${opts.env}: ${l}\n`);
        process.exitCode = 1;
        return;
      }
      const c = findConnector(connectors, idOrName);
      if (!c) {
        const known = connectors.map((x) => `${x.name} (${x.id})`).join(", ");
        process.stderr.write(`ccflow: no connector "${idOrName}" in ${opts.env}${known ? `; it defines ${known}` : "; it defines none"}\n`);
        process.exitCode = 1;
        return;
      }
      const ok = await testConnector(c, { timeoutMs, path: opts.path, out: (line) => process.stdout.write(`${line}\n`) });
      process.exitCode = ok ? 0 : 1;
    });
}
