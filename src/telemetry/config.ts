/**
 * Where traces go, read from the command line or the standard OpenTelemetry variables. Apart
 * from tracing.ts so that reading the setting loads no OpenTelemetry package: with tracing off,
 * the SDK is never imported.
 */

export interface TracingOptions {
  /** Where spans go: the OTLP/HTTP traces URL (`http://collector:4318/v1/traces`). */
  endpoint: string;
  /** `service.name` on every span (default `ccflow`). */
  serviceName?: string;
  /** `service.version`. */
  serviceVersion?: string;
  /** Longest a batch of spans waits before it is sent, ms (default 2000). */
  exportDelayMs?: number;
}

export class TracingConfigError extends Error {}

/**
 * The traces endpoint from the command line (`--otlp-endpoint`) or the standard OpenTelemetry
 * variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the full URL, `OTEL_EXPORTER_OTLP_ENDPOINT`
 * the collector's base URL (`/v1/traces` is added). `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` turns tracing off. Undefined: tracing is off.
 */
export function tracesEndpoint(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (flag !== undefined) return checkedUrl(flag, "--otlp-endpoint");
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") return undefined;
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (full) return checkedUrl(full, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${checkedUrl(base, "OTEL_EXPORTER_OTLP_ENDPOINT").replace(/\/+$/, "")}/v1/traces`;
  return undefined;
}

function checkedUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TracingConfigError(`${where}: "${value}" is not a URL (an OTLP/HTTP endpoint looks like http://127.0.0.1:4318/v1/traces)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TracingConfigError(`${where}: "${value}" is not http:// or https:// (ccflow exports OTLP over HTTP, not gRPC)`);
  if (url.username || url.password) throw new TracingConfigError(`${where}: credentials in the URL are not accepted (give them as OTEL_EXPORTER_OTLP_HEADERS)`);
  return value;
}
