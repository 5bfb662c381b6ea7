/**
 * OpenTelemetry traces, exported over OTLP/HTTP (JSON) when an endpoint is configured, and not
 * there at all otherwise: without an endpoint no provider is made and nothing listens to calls.
 *
 * The provider is ccflow's own, not registered as the process's global one: several servers in
 * one process (the tests) each export to their own endpoint, and a library that traces through
 * the global API finds the no-op tracer as before.
 */
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

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

export interface Tracing {
  readonly tracer: Tracer;
  readonly endpoint: string;
  /** Sends the spans not sent yet. */
  flush(): Promise<void>;
  /** Sends the rest and stops. */
  shutdown(): Promise<void>;
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

export function startTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({ url: options.endpoint });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName ?? "ccflow", ...(options.serviceVersion ? { "service.version": options.serviceVersion } : {}) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs ?? 2000 })],
  });
  let stopped: Promise<void> | undefined;
  return {
    tracer: provider.getTracer("ccflow", options.serviceVersion),
    endpoint: options.endpoint,
    flush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
