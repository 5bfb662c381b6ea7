/**
 * WebRTC audio lines, signalled over WebSockets.
 *
 * The agent's headset: `GET /api/agents/:id/audio` is a WebSocket that carries one WebRTC
 * offer/answer (the browser offers PCMU audio, the server answers through werift) and then tells
 * the desktop when its line is bridged to a caller, held and let go. Closing the socket closes
 * the line; while bridged, that hangs up the call.
 *
 * Browser → server: `{type:"offer", sdp}` (again to renegotiate). Server → browser:
 * `{type:"answer", sdp}`, `{type:"bridged"|"unbridged"|"held"|"resumed", interactionId}`,
 * `{type:"error", error:{code, message}}`.
 *
 * The softphone's line: `GET /api/calls/:id/audio`, for a call placed with `audio: true`: the same
 * offer and answer; the call's prompts play over it, RFC 4733 keys press the menu, and closing the
 * socket hangs up.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RawData, WebSocket as Socket } from "ws";
import type { ContactCenter } from "../../center/index.js";
import { WebRtcError, type WebRtcLeg } from "../../channels/media/webrtc-leg.js";
import type { CallRegistry } from "../calls.js";
import { idParams } from "../schemas.js";
import type { VoiceLines } from "../voice-lines.js";
import { tagRoutes } from "../api-doc.js";
import { audioClientMessage, MAX_SDP, MESSAGES_KEY, readClientMessage, SOCKET_MESSAGES, SocketSender } from "../socket-messages.js";

export interface AudioRoutesOptions {
  center: ContactCenter;
  calls: CallRegistry;
  /** Absent when the server carries no audio (no SIP front). */
  voice?: VoiceLines;
  /** Where a message that does not fit its schema is reported. */
  warn?: (message: string) => void;
}

type Sender = SocketSender<typeof SOCKET_MESSAGES.callerAudio.serverToClient | typeof SOCKET_MESSAGES.agentAudio.serverToClient>;

function offerOf(out: Sender, socket: Socket, data: RawData): string | undefined {
  const read = readClientMessage(audioClientMessage, data);
  if ("problem" in read) {
    out.send(socket, { type: "error", error: { code: "BAD_MESSAGE", message: `send {"type":"offer","sdp":"…"} with an SDP offer of at most ${MAX_SDP} bytes` } });
    return undefined;
  }
  return read.message.sdp;
}

function badOffer(out: Sender, socket: Socket, err: unknown): void {
  const message = err instanceof WebRtcError ? err.message : "the audio line could not be opened";
  out.send(socket, { type: "error", error: { code: "BAD_OFFER", message } });
}

const CALLER_LINE = {
  summary: "The caller's audio line (WebRTC), for a call placed with audio: true",
  description:
    "Client → server: `offer` {sdp} (a WebRTC offer with PCMU audio; telephone-event for keys). Server → client: `answer` {sdp}; `error` {error}. " +
    "The call's prompts play over the line and RFC 4733 keys press the menu; closing the socket hangs up. docs/voice.md. Schemas: `x-ccflow-messages`.",
  params: idParams("Interaction id"),
  [MESSAGES_KEY]: SOCKET_MESSAGES.callerAudio,
};
const AGENT_LINE = {
  summary: "The agent's audio line (WebRTC)",
  description:
    "Client → server: `offer` {sdp} (a WebRTC offer with PCMU audio). Server → client: `answer` {sdp}; `bridged`, `unbridged`, `held`, `resumed` {interactionId}; " +
    "`error` {error}. Closing the socket closes the line, and hangs up a call the line is bridged to. docs/voice.md. Schemas: `x-ccflow-messages`.",
  params: idParams("Agent id"),
  [MESSAGES_KEY]: SOCKET_MESSAGES.agentAudio,
};

export const audioRoutes: FastifyPluginAsyncZod<AudioRoutesOptions> = async (app, { center, calls, voice, warn = () => undefined }) => {
  tagRoutes(app, "websocket");
  const callerOut = new SocketSender("the caller's audio line", SOCKET_MESSAGES.callerAudio.serverToClient, warn);
  const agentOut = new SocketSender("the agent's audio line", SOCKET_MESSAGES.agentAudio.serverToClient, warn);
  app.get("/calls/:id/audio", { websocket: true, schema: CALLER_LINE }, (socket, req) => {
    const session = calls.get(req.params.id);
    if (!voice || !session || session.ended) {
      const [code, message] = !voice ? ["NO_AUDIO", "this server carries no audio (started with --no-sip)"] : !session ? ["CALL_NOT_FOUND", `no call with interaction id "${req.params.id}"`] : ["CALL_ENDED", "the call has ended"];
      callerOut.send(socket, { type: "error", error: { code, message } });
      socket.close(1008, code);
      return;
    }
    let line: WebRtcLeg | undefined;
    let open = true;
    socket.on("message", (data) => {
      const sdp = offerOf(callerOut, socket, data);
      if (sdp === undefined) return;
      voice.openCallerLine(session.interactionId, sdp).then(
        (opened) => {
          if (!opened) {
            callerOut.send(socket, { type: "error", error: { code: "NO_AUDIO", message: "this call was placed without audio (POST /api/calls with audio: true), or has ended" } });
            return socket.close(1008, "NO_AUDIO");
          }
          if (!open) return voice.closeCallerLine(session.interactionId, opened.line);
          line = opened.line;
          callerOut.send(socket, { type: "answer", sdp: opened.answer });
        },
        (err: unknown) => badOffer(callerOut, socket, err),
      );
    });
    const unsubscribe = session.subscribe((m) => {
      if (m.type === "ended") socket.close(1000, "ended");
    });
    socket.on("close", () => {
      open = false;
      unsubscribe();
      if (line) voice.closeCallerLine(session.interactionId, line);
    });
  });

  app.get("/agents/:id/audio", { websocket: true, schema: AGENT_LINE }, (socket, req) => {
    const agentId = req.params.id;
    if (!voice || !center.agent(agentId)) {
      const [code, message] = !voice ? ["NO_AUDIO", "this server carries no audio (started with --no-sip)"] : ["AGENT_NOT_FOUND", `no agent "${agentId}"`];
      agentOut.send(socket, { type: "error", error: { code, message } });
      socket.close(1008, code);
      return;
    }
    let line: WebRtcLeg | undefined;
    let open = true;
    const stopListening = voice.listen((who, notice) => {
      if (who === agentId) agentOut.send(socket, notice);
    });
    socket.on("message", (data) => {
      const sdp = offerOf(agentOut, socket, data);
      if (sdp === undefined) return;
      voice.openLine(agentId, sdp).then(
        (opened) => {
          if (!open) return voice.closeLine(agentId, opened.line);
          line = opened.line;
          agentOut.send(socket, { type: "answer", sdp: opened.answer });
          const bridged = voice.bridgedFor(agentId);
          if (bridged) agentOut.send(socket, { type: "bridged", interactionId: bridged });
        },
        (err: unknown) => badOffer(agentOut, socket, err),
      );
    });
    socket.on("close", () => {
      open = false;
      stopListening();
      if (line) voice.closeLine(agentId, line);
    });
  });
};
