/**
 * SIP over UDP and TCP (RFC 3261 §18): one UDP socket and one TCP listener on the same port.
 * UDP: a datagram is one message. TCP: messages framed by Content-Length on a byte stream; a
 * connection that sends more than one message's worth of unframed bytes, or stays idle, is closed.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import { MAX_BODY_BYTES, MAX_HEADER_BYTES, parseSipMessage, serializeSipMessage, type ParseResult, type SipMessage } from "./message.js";

export interface SipPeer {
  transport: "UDP" | "TCP";
  address: string;
  port: number;
  /** The TCP connection it came on. */
  connection?: TcpSocket;
}

export type MessageHandler = (result: Exclude<ParseResult, { incomplete: true }>, peer: SipPeer) => void;

const TCP_IDLE_MS = 5 * 60_000;
const MAX_TCP_CONNECTIONS = 1000;

export class SipTransport {
  private udp?: Socket;
  private tcp?: Server;
  private readonly connections = new Set<TcpSocket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly onMessage: MessageHandler,
  ) {}

  /** Binds UDP and TCP on `port` (0: UDP picks one and TCP takes the same). */
  async listen(port: number): Promise<number> {
    const family = this.host.includes(":") ? "udp6" : "udp4";
    const udp = createSocket(family);
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, this.host, () => {
        udp.removeListener("error", reject);
        resolve();
      });
    });
    udp.on("error", () => undefined);
    udp.on("message", (msg, rinfo) => this.deliver(parseSipMessage(msg, false), { transport: "UDP", address: rinfo.address, port: rinfo.port }));
    this.udp = udp;
    this.port = udp.address().port;

    const tcp = createServer((socket) => this.accept(socket));
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(this.port, this.host, () => {
        tcp.removeListener("error", reject);
        resolve();
      });
    }).catch((err: unknown) => {
      udp.close();
      throw err;
    });
    tcp.on("error", () => undefined);
    this.tcp = tcp;
    return this.port;
  }

  send(peer: SipPeer, message: SipMessage): void {
    const bytes = serializeSipMessage(message);
    if (peer.transport === "TCP") {
      if (peer.connection && !peer.connection.destroyed) peer.connection.write(bytes);
      return;
    }
    this.udp?.send(bytes, peer.port, peer.address);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
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

  private accept(socket: TcpSocket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on("error", () => undefined);
    socket.on("close", () => this.connections.delete(socket));
    const peer: SipPeer = { transport: "TCP", address: socket.remoteAddress ?? "", port: socket.remotePort ?? 0, connection: socket };
    let buffer: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const result = parseSipMessage(buffer, true);
        if (result.ok) {
          buffer = buffer.subarray(result.length);
          this.deliver(result, peer);
          continue;
        }
        if (result.incomplete) {
          if (buffer.length > MAX_HEADER_BYTES + MAX_BODY_BYTES) socket.destroy();
          return;
        }
        // The stream cannot be framed past a bad message: answer it if we can, then hang up.
        this.deliver(result, peer);
        socket.end();
        return;
      }
    });
  }
}
