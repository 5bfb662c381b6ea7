/**
 * The CRM logs through pino; a host that has its own log (the contact center server prints
 * `level: message` lines) gets the CRM's records as one line each. Secrets never reach either:
 * the paths below are censored whatever a caller logs, and nothing logs request bodies.
 */
import pino, { type Logger } from "pino";

export type HostLog = (level: "info" | "warn" | "error", message: string) => void;

/** Field paths censored in every CRM log record. */
export const REDACTED_PATHS = [
  "client_secret",
  "clientSecret",
  "secret",
  "password",
  "authorization",
  "token",
  "access_token",
  "assertion",
  "*.client_secret",
  "*.clientSecret",
  "*.password",
  "*.authorization",
  "*.token",
  "*.access_token",
  "*.assertion",
  "headers.authorization",
];

const LEVELS: Record<number, "info" | "warn" | "error"> = { 30: "info", 40: "warn", 50: "error", 60: "error" };

function describe(key: string, value: unknown): string {
  if (value && typeof value === "object" && key === "err") {
    const e = value as { type?: string; message?: string; stack?: string };
    return `err=${e.stack ?? `${e.type ?? "Error"}: ${e.message ?? ""}`}`;
  }
  return `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`;
}

/** A pino logger (info and above) whose records go to `log` as `crm: message key=value …`. */
export function loggerFor(log: HostLog): Logger {
  return pino(
    { level: "info", redact: { paths: REDACTED_PATHS, censor: "[redacted]" }, base: null, timestamp: false },
    {
      write(line: string) {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        const { level, msg, ...fields } = record;
        const details = Object.entries(fields).map(([k, v]) => describe(k, v));
        log(LEVELS[Number(level)] ?? "info", `crm: ${String(msg ?? "")}${details.length ? ` (${details.join(", ")})` : ""}`);
      },
    },
  );
}
