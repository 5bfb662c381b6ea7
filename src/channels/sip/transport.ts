/**
 * SIP over UDP and TCP (RFC 3261 §18): one UDP socket and one TCP listener on the same port;
 * SIP over TLS (sips, RFC 3261 §26.2) on a port of its own, framed like TCP; and SIP over WebSocket (RFC 7118) on sockets the HTTP server upgrades and hands over.
 * UDP: a datagram is one message. TCP: messages framed by Content-Length on a byte stream; a
 * connection that sends more than one message's worth of unframed bytes, or stays idle, is closed.
 * WebSocket: each message is one SIP message (Content-Length optional, as on UDP); responses and
 * our requests go back on the same socket as text.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import type { WebSocket } from "ws";
import { MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, parseSipMessage, serializeSipMessage, sipStreamReader, type ParseResult, type SipMessage } from "./message.js";

export type SipTransportName = "UDP" | "TCP" | "TLS" | "WS" | "WSS";

/** A connection-oriented transport's way back to the peer (a TCP or TLS socket, a WebSocket). */
export interface SipConnection {
  write(bytes: Buffer): void;
  readonly closed: boolean;
}

export interface SipPeer {
  transport: SipTransportName;
  address: string;
  port: number;
  /** The connection it came on (every transport but UDP). */
  connection?: SipConnection;
}

/** True for the transports whose connection carries requests and responses back (no UDP retransmissions). */
export function isReliable(peer: SipPeer): boolean {
  return peer.transport !== "UDP";
}

export type MessageHandler = (result: Exclude<ParseResult, { incomplete: true }>, peer: SipPeer) => void;

const TCP_IDLE_MS = 5 * 60_000;
const MAX_TCP_CONNECTIONS = 1000;
const PORT_PICK_ATTEMPTS = 10;

export class SipTransport {
  private udp?: Socket;
  private tcp?: Server;
  private tls?: TlsServer;
  tlsPort = 0;
  private readonly connections = new Set<TcpSocket>();
  private readonly webSockets = new Set<WebSocket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly onMessage: MessageHandler,
  ) {}

  /**
   * Binds UDP and TCP on `port`. With 0, UDP picks a free port and TCP takes the same number;
   * that number can already be a TCP port of another process, so a few fresh picks are tried.
   */
  async listen(port: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.listenOnce(port);
      } catch (err) {
        if (port !== 0 || attempt >= PORT_PICK_ATTEMPTS || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      }
    }
  }

  private async listenOnce(port: number): Promise<number> {
    const family = this.host.includes(":") ? "udp6" : "udp4";
    const udp = createSocket(family);
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, this.host, () => {
        udp.removeListener("error", reject);
        resolve();
      });
    });
    const udpPort = udp.address().port;

    const tcp = createServer((socket) => this.accept(socket));
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(udpPort, this.host, () => {
        tcp.removeListener("error", reject);
        resolve();
      });
    }).catch((err: unknown) => {
      udp.close();
      throw err;
    });
    udp.on("error", () => undefined);
    udp.on("message", (msg, rinfo) => this.deliver(parseSipMessage(msg, false), { transport: "UDP", address: rinfo.address, port: rinfo.port }));
    this.udp = udp;
    this.port = udpPort;
    tcp.on("error", () => undefined);
    this.tcp = tcp;
    return this.port;
  }

  /** Listens for SIP over TLS on `port` (0 picks one) with the PEM `key` and `cert`. */
  async listenTls(port: number, credentials: { key: string; cert: string }): Promise<number> {
    // A handshake that never finishes must not hold a connection slot.
    const tls = createTlsServer({ key: credentials.key, cert: credentials.cert, handshakeTimeout: 10_000 }, (socket) => this.accept(socket, "TLS"));
    tls.maxConnections = MAX_TCP_CONNECTIONS;
    tls.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve, reject) => {
      tls.once("error", reject);
      tls.listen(port, this.host, () => {
        tls.removeListener("error", reject);
        resolve();
      });
    });
    tls.on("error", () => undefined);
    this.tls = tls;
    const address = tls.address();
    this.tlsPort = typeof address === "object" && address ? address.port : port;
    return this.tlsPort;
  }

  send(peer: SipPeer, message: SipMessage): void {
    const bytes = serializeSipMessage(message);
    if (peer.transport !== "UDP") {
      if (peer.connection && !peer.connection.closed) peer.connection.write(bytes);
      return;
    }
    this.udp?.send(bytes, peer.port, peer.address);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    for (const ws of this.webSockets) ws.close(1001, "SIP server closing");
    this.webSockets.clear();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.tls ? this.tls.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      if (!this.udp) return resolve();
      try {
        this.udp.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private deliver(result: ParseResult, peer: SipPeer): void {
    if (result.ok === false && result.incomplete) return;
    try {
      this.onMessage(result as Exclude<ParseResult, { incomplete: true }>, peer);
    } catch {
      // A handler's failure is the handler's to report; the transport keeps listening.
    }
  }

  /**
   * Takes a WebSocket the HTTP server upgraded with the `sip` subprotocol (RFC 7118): `secure`
   * when it came over HTTPS (Via transport WSS).
   */
  acceptWebSocket(ws: WebSocket, remote: { address: string; port: number }, secure: boolean): SipPeer {
    const connection: SipConnection = {
      write: (bytes) => ws.send(bytes.toString("utf8")),
      get closed() {
        return ws.readyState !== ws.OPEN;
      },
    };
    const peer: SipPeer = { transport: secure ? "WSS" : "WS", address: remote.address, port: remote.port, connection };
    if (this.webSockets.size >= MAX_TCP_CONNECTIONS) {
      ws.close(1013, "too many SIP connections");
      return peer;
    }
    this.webSockets.add(ws);
    let idle = setTimeout(() => ws.close(1000, "idle"), TCP_IDLE_MS);
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(1000, "idle"), TCP_IDLE_MS);
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (bytes.length > MAX_MESSAGE_BYTES) return ws.close(1009, "SIP message too large");
      // A message of CR LFs only is a keep-alive (RFC 7118 §6 leaves it to RFC 5626's ping).
      if (/^[\r\n]*$/.test(bytes.toString("latin1"))) return;
      this.deliver(parseSipMessage(bytes, false), peer);
    });
    ws.on("error", () => undefined);
    ws.on("close", () => {
      clearTimeout(idle);
      this.webSockets.delete(ws);
    });
    return peer;
  }

  private accept(socket: TcpSocket, transport: "TCP" | "TLS" = "TCP"): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on("error", () => undefined);
    socket.on("close", () => this.connections.delete(socket));
    const connection: SipConnection = {
      write: (bytes) => socket.write(bytes),
      get closed() {
        return socket.destroyed;
      },
    };
    const peer: SipPeer = { transport, address: socket.remoteAddress ?? "", port: socket.remotePort ?? 0, connection };
    socket.on(
      "data",
      sipStreamReader(MAX_HEADER_BYTES + MAX_BODY_BYTES, {
        message: (result) => this.deliver(result, peer),
        // The stream cannot be framed past a bad message: answer it if we can, then hang up.
        refused: (result) => {
          this.deliver(result, peer);
          socket.end();
        },
        overflow: () => socket.destroy(),
      }),
    );
  }
}
