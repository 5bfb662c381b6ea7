/**
 * OpenTelemetry traces of the contacts a server carries (`ccflow serve --otlp-endpoint`, or the
 * OTEL_EXPORTER_OTLP_* variables; docs/observability.md). Without an endpoint this module is not
 * used at all: no provider, no listener on the calls.
 */
import { ContactSpans } from "../telemetry/contact-spans.js";
import type { TracingOptions } from "../telemetry/config.js";
import { startTracing } from "../telemetry/tracing.js";
import type { CallRegistry } from "./calls.js";

/** Starts exporting; returns the closer (ends the spans still open, sends the rest, stops). */
export function traceContacts(calls: CallRegistry, options: TracingOptions, redact: (text: string) => string, now: () => number): () => Promise<void> {
  const tracing = startTracing(options);
  const spans = new ContactSpans(tracing.tracer, redact);
  const unsubscribe = calls.onEvent((session, event) => spans.onEvent(session, event));
  return async () => {
    unsubscribe();
    spans.endAll(now());
    await tracing.shutdown();
  };
}
