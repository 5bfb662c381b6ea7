/**
 * Start Media Stream: in Webex it forks the call's audio to a media destination. ccflow has no
 * media to stream and NO MEDIA FLOWS: the activity renders `mediaDestinationId`, puts a
 * `media-stream` event in the call's stream (so the trace and the transcript show where the
 * stream would have gone) and leaves by `default`. No `mediaDestinationId` at all is valid — Cisco's
 * Salesforce Service Cloud Voice and ServiceNow CCIF templates leave it empty, the stream going
 * where the org's integration is configured — and leaves by `default` too; a templated
 * destination that renders empty leaves by `failure` (the author asked for one and got none).
 */
import { isTemplate, literalText, str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivityStep, CompiledActivitySpec } from "./types.js";

const DESTINATION = "mediaDestinationId";

/** No destination at all: valid (the org's integration decides where the stream goes). */
const NO_DESTINATION: ActivityStep = {
  run(ctx) {
    ctx.emit({ type: "media-stream", destination: "" });
    return "default";
  },
};

const startMediaStream: CompiledActivitySpec = {
  type: "start-media-stream",
  ports: () => ["default", "failure"],
  errorPorts: ["failure"],
  templates(def) {
    const v = str(def, DESTINATION);
    return v && isTemplate(v) ? [{ field: DESTINATION, source: v }] : [];
  },
  compile(def) {
    const source = str(def, DESTINATION)?.trim();
    if (!source) return NO_DESTINATION;
    const fixed = literalText(source)?.trim();
    const name = [def.properties[`${DESTINATION}:name`], def.properties[`${DESTINATION}_name`]].find((v): v is string => typeof v === "string" && v.trim() !== "");
    return {
      run(ctx) {
        let destination: string;
        try {
          destination = fixed ?? ctx.render(source, DESTINATION).trim();
        } catch (err) {
          // This activity's only error-class port is `failure`: a destination that does not render goes there too.
          if (err instanceof ActivityError) throw new ActivityError(err.message, "failure");
          throw err;
        }
        if (!destination) throw new ActivityError(`${def.name}: no media destination (${DESTINATION} is empty), so no media stream can start`, "failure");
        ctx.emit({ type: "media-stream", destination, ...(name ? { destinationName: name } : {}) });
        return "default";
      },
    };
  },
};

export default startMediaStream;
