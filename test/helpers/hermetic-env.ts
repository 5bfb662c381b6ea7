/**
 * Runs before every test file: the suite must not depend on the shell it runs in. ccflow reads
 * CCFLOW_* variables for the CRM's credentials, data directory and secrets file, so a developer
 * who exported CCFLOW_CLIENT_ID for `npm start` would otherwise fail tests that expect the
 * development app. The knobs that tune the test run itself (soak mode, seed, call count, where
 * figures go) are kept; everything else under CCFLOW_ is removed. Tests that want a variable
 * pass an explicit env to what they run. OTEL_* variables go too: `ccflow serve` reads the OTLP
 * endpoint from them (and the exporter its headers and compression).
 */
const TEST_KNOBS = new Set(["CCFLOW_LONG", "CCFLOW_SEED", "CCFLOW_CALLS", "CCFLOW_FIGURES_DIR"]);

for (const name of Object.keys(process.env)) {
  if ((name.startsWith("CCFLOW_") && !TEST_KNOBS.has(name)) || name.startsWith("OTEL_")) delete process.env[name];
}
