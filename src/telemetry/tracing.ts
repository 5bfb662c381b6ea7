/**
 * OpenTelemetry traces, exported over OTLP/HTTP (JSON) when an endpoint is configured, and not
 * there at all otherwise: without an endpoint this module is not even loaded (the server imports
 * it when tracing is on), no provider is made and nothing listens to calls.
 *
 * The provider is ccflow's own, not registered as the process's global one: several servers in
 * one process (the tests) each export to their own endpoint, and a library that traces through
 * the global API finds the no-op tracer as before.
 */
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { TracingOptions } from "./config.js";

export interface Tracing {
  readonly tracer: Tracer;
  readonly endpoint: string;
  /** Sends the spans not sent yet. */
  flush(): Promise<void>;
  /** Sends the rest and stops. */
  shutdown(): Promise<void>;
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
