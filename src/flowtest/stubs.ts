/**
 * Stand-ins for activity types ccflow does not run (`ccflow test --stub TYPE=port`, a scenario's
 * `stubs:`): each leaves by the port it is told and sets the outputs it is given, so a flow
 * holding such an activity can still be tested along its other paths.
 */
import type { ActivitySpec } from "../activities/types.js";
import type { Stub } from "./schema.js";

export function stubActivities(stubs: Record<string, Stub>): ActivitySpec[] {
  return Object.entries(stubs).map(([type, stub]): ActivitySpec => ({
    type,
    ports: () => [...new Set([stub.port, "error"])],
    compile: () => ({
      run(ctx) {
        for (const [k, v] of Object.entries(stub.outputs ?? {})) ctx.output(k, v);
        return stub.port;
      },
    }),
  }));
}

/** `TYPE=port` from the command line. */
export function parseStubOption(text: string): { type: string; stub: Stub } | string {
  const m = /^([^=]+)=([^=]+)$/.exec(text.trim());
  if (!m) return `--stub must be TYPE=port (e.g. percent-allocation=0), not ${JSON.stringify(text)}`;
  return { type: m[1]!.trim(), stub: { port: m[2]!.trim() } };
}
