/**
 * The socket messages' schemas as the server uses them: what a client sends is read through
 * them (a misfit is refused naming the field), and what the server sends is checked against
 * them, sent unchanged, and a misfit logged once per socket and type.
 */
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { readClientMessage, SOCKET_MESSAGES, SocketSender } from "../../src/server/socket-messages.js";

describe("what the server sends", () => {
  it("goes out as given, and one that does not fit its schema is logged once per type, naming the field", () => {
    const warnings: string[] = [];
    const out = new SocketSender("the agent's socket", SOCKET_MESSAGES.agent.serverToClient, (m) => warnings.push(m));
    const bad = { type: "desk" as const, desk: { agent: { id: "ana" } } };
    expect(out.encode(bad)).toBe(JSON.stringify(bad));
    out.encode(bad);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^a desk message of the agent's socket does not match its schema: desk\.agent\.name: /);
    out.encode({ type: "error", error: { code: "X", message: "fits" } });
    expect(warnings).toHaveLength(1);
  });

  it("is not sent on a socket that is not open", () => {
    const out = new SocketSender("the caller's socket", SOCKET_MESSAGES.caller.serverToClient, () => undefined);
    const sent: string[] = [];
    const closed = { readyState: WebSocket.CLOSED, OPEN: WebSocket.OPEN, send: (t: string) => sent.push(t) } as unknown as WebSocket;
    out.send(closed, { type: "state", state: "ivr" });
    expect(sent).toEqual([]);
  });
});

describe("what a client sends", () => {
  const read = (schema: Parameters<typeof readClientMessage>[0], text: string) => readClientMessage(schema, Buffer.from(text));

  it("is taken when it fits, extra fields ignored", () => {
    expect(read(SOCKET_MESSAGES.caller.clientToServer, '{"type":"dtmf","digits":"12#","at":1}')).toEqual({ message: { type: "dtmf", digits: "12#" } });
    expect(read(SOCKET_MESSAGES.supervisor.clientToServer, '{"type":"watch"}')).toEqual({ message: { type: "watch" } });
  });

  it("is refused naming what is wrong", () => {
    expect(read(SOCKET_MESSAGES.caller.clientToServer, "not json")).toEqual({ problem: "messages are JSON objects with a type" });
    expect(read(SOCKET_MESSAGES.caller.clientToServer, '{"type":"speech","enabled":"yes"}')).toEqual({ problem: "speech: enabled: Invalid input: expected boolean, received string" });
    expect(read(SOCKET_MESSAGES.callerAudio.clientToServer, `{"type":"offer","sdp":"${"v".repeat(40_000)}"}`)).toMatchObject({ problem: expect.stringMatching(/^offer: sdp: /) });
    expect(read(SOCKET_MESSAGES.agent.clientToServer, '{"type":"accept"}')).toMatchObject({ problem: expect.any(String) });
  });
});
