/**
 * SIP calls into the contact center: each answered SIP call becomes a call in the registry (so
 * the supervisor, traces and the API see it like any other), with its prompts played as RTP and
 * its keys (RFC 4733 or SIP INFO) pressed on the same channel the softphone's keypad uses.
 * The dialled number picks the flow through the environment's `entryPoints`; an unmapped number
 * gets the default flow. A re-INVITE or UPDATE asserting a new caller number raises the flow's
 * AniUpdated event flow, as POST /api/calls/{id}/ani does. Hang-ups cross both ways: a BYE from the caller hangs up the contact,
 * and a contact the flow (or the agent) ends sends the caller a BYE.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { PromptAudio } from "../channels/media/prompt-audio.js";
import { PromptPlayer } from "../channels/media/prompt-player.js";
import { SipAccess } from "../channels/sip/access.js";
import { SipServer, type SipCall } from "../channels/sip/sip-server.js";
import { certificateHostnames, ensureTls } from "../crm/tls/certs.js";
import type { Environment } from "../environment/schema.js";
import type { CallRegistry } from "./calls.js";
import type { CatalogFlow, FlowCatalog } from "./flows.js";
import type { VoiceLines } from "./voice-lines.js";

export interface SipFrontOptions {
  environment: Environment;
  /** The entry points in force (serve --watch re-binds them); default: the environment's. */
  entryPoints?: () => Record<string, string>;
  flows: FlowCatalog;
  calls: CallRegistry;
  host: string;
  port: number;
  /** Where a development TLS certificate is kept (`<dataDir>/tls/`), when sip.tls names none. */
  dataDir: string;
  /** Bridges answered SIP callers to their agent's WebRTC line. */
  voice?: VoiceLines;
  log?: (level: "info" | "warn", message: string) => void;
}

export class SipConfigError extends Error {}

export interface SipFront {
  server: SipServer;
  port: number;
  /** sip:…@host:port to dial. */
  uri: string;
  /** sips:host:port, when SIP over TLS is on. */
  tlsUri?: string;
  /** The CA file that signed the development TLS certificate (none when sip.tls names its own). */
  tlsCaPath?: string;
  audio: PromptAudio;
  close(): Promise<void>;
}

/** The flow for a dialled number: the entry point's, else the default. */
export function flowForNumber(entryPoints: Record<string, string>, flows: FlowCatalog, dnis: string): CatalogFlow {
  const bare = dnis.replace(/^\+/, "");
  const ref = entryPoints[dnis] ?? entryPoints[`+${bare}`] ?? entryPoints[bare];
  return (ref !== undefined ? flows.find(ref) : undefined) ?? flows.default;
}

export async function startSipFront(options: SipFrontOptions): Promise<SipFront> {
  const env = options.environment;
  for (const [number, ref] of Object.entries(env.entryPoints)) {
    if (!options.flows.find(ref)) throw new SipConfigError(`entryPoints: ${number} names flow "${ref}", which is not served (flows: ${options.flows.list().map((f) => f.id).join(", ")})`);
  }
  if (env.sip.rtpPorts && env.sip.rtpPorts.min > env.sip.rtpPorts.max) throw new SipConfigError("sip.rtpPorts: min is above max");
  let access: SipAccess;
  try {
    access = new SipAccess({ allow: env.sip.allow, users: env.sip.users, realm: env.sip.realm });
  } catch (err) {
    throw new SipConfigError((err as Error).message);
  }
  const folder = env.prompts.folder;
  const audio = new PromptAudio(folder ? { promptsDir: isAbsolute(folder) ? folder : resolve(env.baseDir, folder) } : {});
  const log = options.log ?? (() => undefined);
  if (options.voice) options.voice.promptAudio = audio;

  const onCall = (call: SipCall) => {
    const flow = flowForNumber(options.entryPoints?.() ?? env.entryPoints, options.flows, call.dnis);
    const player = new PromptPlayer(call.media, audio);
    const session = options.calls.place(flow, call.ani, call.dnis, {
      media: player,
      onSession: (s) => {
        call.onKey = (key) => s.channel.press(key);
        s.subscribe((m) => {
          if (m.type === "hangup" || m.type === "ended") call.hangup();
        });
      },
    });
    // A carrier's re-INVITE or UPDATE with the caller's real number: as POST /api/calls/{id}/ani.
    call.onAniChange = (ani) => {
      if (!session.ended) session.interaction.updateAni(ani);
    };
    const removeLeg = options.voice?.addCaller(session.interactionId, call.media);
    call.onEnded = (reason) => {
      removeLeg?.();
      // The caller is gone: their BYE, or no RTP for sip.rtpTimeoutSeconds (logged by the SIP server),
      // which the contact keeps as its own end reason.
      if ((reason === "caller-hangup" || reason === "rtp-timeout" || reason === "media-failed") && !session.ended) session.interaction.hangup(reason);
    };
    log("info", `call ${session.interactionId.slice(0, 8)} is SIP from ${call.peer.address}:${call.peer.port} over ${call.peer.transport}, ${call.webrtc ? "WebRTC " : call.offer.srtp ? "SRTP " : ""}${call.offer.codec}${call.offer.dtmfPayloadType !== undefined ? " + telephone-event" : ""}`);
  };

  let tls: { port: number; key: string; cert: string } | undefined;
  let tlsCaPath: string | undefined;
  if (env.sip.tls) {
    const { port, cert, key } = env.sip.tls;
    if (cert && key) {
      const read = (what: string, file: string) => {
        const path = isAbsolute(file) ? file : resolve(env.baseDir, file);
        try {
          return readFileSync(path, "utf8");
        } catch (err) {
          throw new SipConfigError(`sip.tls.${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
      };
      tls = { port, cert: read("cert", cert), key: read("key", key) };
    } else {
      const made = ensureTls(options.dataDir, certificateHostnames(env.sip.advertisedAddress ? [env.sip.advertisedAddress] : []));
      tls = { port, cert: made.certPem, key: made.keyPem };
      tlsCaPath = made.caPath;
    }
  }

  const server = new SipServer({
    host: options.host,
    port: options.port,
    ...(tls ? { tls } : {}),
    access,
    ...(env.sip.advertisedAddress ? { advertisedHost: env.sip.advertisedAddress } : {}),
    ...(env.sip.rtpPorts ? { rtpPortRange: env.sip.rtpPorts } : {}),
    answerDelayMs: env.sip.answerDelayMs,
    maxCalls: env.sip.maxCalls,
    rtpTimeoutMs: env.sip.rtpTimeoutSeconds * 1000,
    ...(env.sip.registrar ? { registrar: env.sip.registrar } : {}),
    onCall,
    log,
  });
  let port: number;
  try {
    port = await server.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new SipConfigError(`SIP port ${options.port}${tls ? ` or TLS port ${tls.port}` : ""} is already in use; choose another with --sip-port (TLS: sip.tls.port), or --no-sip`);
    if (code === "EACCES") throw new SipConfigError(`not allowed to listen for SIP on ${options.host}:${options.port}; use a port above 1023`);
    if (tls && /key|cert|PEM|asn1/i.test((err as Error).message)) throw new SipConfigError(`sip.tls: the certificate or key is not usable (${(err as Error).message})`);
    throw err;
  }
  const host = server.advertisedHost.includes(":") ? `[${server.advertisedHost}]` : server.advertisedHost;
  return {
    server,
    port,
    uri: `sip:${host}:${port}`,
    ...(tls ? { tlsUri: `sips:${host}:${server.tlsPort}` } : {}),
    ...(tlsCaPath ? { tlsCaPath } : {}),
    audio,
    close: () => server.close(),
  };
}
