/** Where traces go, as an operator configures it: the flag, the standard OTEL_* variables, or nowhere. */
import { describe, expect, it } from "vitest";
import { TracingConfigError, tracesEndpoint } from "../../src/telemetry/config.js";

describe("the traces endpoint", () => {
  it("is off unless configured", () => {
    expect(tracesEndpoint(undefined, {})).toBeUndefined();
    expect(tracesEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "  " })).toBeUndefined();
  });

  it("comes from --otlp-endpoint first, then the traces variable, then the base variable plus /v1/traces", () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:4318/custom", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" };
    expect(tracesEndpoint("http://127.0.0.1:9999/v1/traces", env)).toBe("http://127.0.0.1:9999/v1/traces");
    expect(tracesEndpoint(undefined, env)).toBe("http://127.0.0.1:4318/custom");
    expect(tracesEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" })).toBe("http://127.0.0.1:4318/v1/traces");
  });

  it("is off when the SDK is disabled or the traces exporter is none", () => {
    expect(tracesEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    expect(tracesEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" })).toBeUndefined();
  });

  it("refuses what is not an OTLP/HTTP URL, naming where it came from", () => {
    expect(() => tracesEndpoint("collector:4318", {})).toThrow(TracingConfigError);
    expect(() => tracesEndpoint("not a url", {})).toThrow('--otlp-endpoint: "not a url" is not a URL');
    expect(() => tracesEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://127.0.0.1:4317" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: .* not http:\/\/ or https:\/\//);
    expect(() => tracesEndpoint("http://user:pw@127.0.0.1:4318/v1/traces", {})).toThrow(/credentials in the URL are not accepted/);
  });
});
