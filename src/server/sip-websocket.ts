/**
 * SIP over WebSocket (RFC 7118) on the server's HTTP port (and its HTTPS port, as WSS): `GET /sip`
 * upgraded with the `sip` subprotocol hands the socket to the SIP server, where the rules for
 * UDP and TCP apply unchanged (the address allow-list, else digest authentication, per INVITE).
 * A browser's socket (one that sends Origin) must come from the server's own origin or a
 * configured one (`CCFLOW_ALLOWED_ORIGINS`), so a page elsewhere cannot use a visitor's browser,
 * sitting on an allowed network, to place calls.
 */
import type { FastifyInstance } from "fastify";
import type { SipServer } from "../channels/sip/sip-server.js";
import type { AuthService } from "./auth/auth-service.js";

export const SIP_WEBSOCKET_PATH = "/sip";

export function registerSipWebSocket(app: FastifyInstance, sip: SipServer, auth: AuthService, secure: boolean): void {
  app.get(
    SIP_WEBSOCKET_PATH,
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
          return reply.code(426).header("upgrade", "websocket").type("text/plain").send("SIP over WebSocket: open this URL as a WebSocket with the subprotocol \"sip\" (RFC 7118).");
        }
        const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
          .split(",")
          .map((p) => p.trim().toLowerCase());
        if (!protocols.includes("sip")) return reply.code(400).type("text/plain").send('SIP over WebSocket needs the subprotocol "sip" (Sec-WebSocket-Protocol: sip).');
        const origin = req.headers.origin;
        if (origin !== undefined && !auth.originAllowed(req, origin)) return reply.code(403).type("text/plain").send(`SIP over WebSocket from ${origin.slice(0, 100)} is not accepted here`);
      },
    },
    (socket, req) => {
      // The subprotocol the socket agreed must be sip: the server answers with the client's first choice.
      if (socket.protocol.toLowerCase() !== "sip") return socket.close(1002, 'subprotocol "sip" first, please');
      sip.acceptWebSocket(socket, { address: req.socket.remoteAddress ?? "", port: req.socket.remotePort ?? 0 }, secure);
    },
  );
}
