/** The registrar's table, from a phone's side: what a REGISTER adds, renews, removes and refuses, and when bindings lapse. */
import { describe, expect, it } from "vitest";
import { parseSipMessage, type SipRequest } from "../../../src/channels/sip/message.js";
import { Registrar, splitContacts } from "../../../src/channels/sip/registrar.js";
import type { SipPeer } from "../../../src/channels/sip/transport.js";

const peer = { address: "127.0.0.1", port: 5070, transport: "UDP" } as SipPeer;

function register(o: { user?: string; cseq?: number; callId?: string; contacts?: string[]; expires?: string }): SipRequest {
  const text = [
    "REGISTER sip:127.0.0.1 SIP/2.0",
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r",
    `From: <sip:${o.user ?? "alice"}@127.0.0.1>;tag=1`,
    `To: <sip:${o.user ?? "alice"}@127.0.0.1>`,
    `Call-ID: ${o.callId ?? "reg-1"}`,
    `CSeq: ${o.cseq ?? 1} REGISTER`,
    ...(o.contacts ?? []).map((c) => `Contact: ${c}`),
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const r = parseSipMessage(Buffer.from(text));
  if (!r.ok) throw new Error("the test REGISTER does not parse");
  return r.message as SipRequest;
}

describe("the registrar", () => {
  it("binds, renews, lists two contacts of one user, and lets them lapse at their own expiry", () => {
    let now = 1_000_000;
    const reg = new Registrar({ minExpires: 10, now: () => now });
    const first = reg.register(register({ contacts: ["<sip:alice@10.0.0.1:5070>;expires=60"] }), "alice", peer);
    expect(first).toMatchObject({ status: 200, added: [{ contact: "sip:alice@10.0.0.1:5070" }] });
    const second = reg.register(register({ cseq: 2, contacts: ['"Desk" <sip:alice@10.0.0.2:5070>, <sip:alice@10.0.0.1:5070>'], expires: "120" }), "alice", peer);
    expect(second.status).toBe(200);
    expect(reg.lookup("alice").map((b) => [b.contact, reg.remaining(b)])).toEqual([
      ["sip:alice@10.0.0.2:5070", 120],
      ["sip:alice@10.0.0.1:5070", 120],
    ]);
    now += 119_000;
    expect(reg.lookup("alice")).toHaveLength(2);
    now += 1_000;
    expect(reg.lookup("alice")).toEqual([]);
    expect(reg.sweep().map((b) => b.contact)).toHaveLength(2);
    expect(reg.users).toEqual([]);
  });

  it("removes one contact with expires=0 and all with Contact: * and Expires: 0", () => {
    const reg = new Registrar({ minExpires: 10 });
    reg.register(register({ contacts: ["<sip:alice@10.0.0.1>", "<sip:alice@10.0.0.2>"], expires: "60" }), "alice", peer);
    const one = reg.register(register({ cseq: 2, contacts: ["<sip:alice@10.0.0.1>;expires=0"] }), "alice", peer);
    expect(one).toMatchObject({ status: 200, removed: [{ contact: "sip:alice@10.0.0.1" }] });
    expect(reg.lookup("alice").map((b) => b.contact)).toEqual(["sip:alice@10.0.0.2"]);
    expect(reg.register(register({ cseq: 3, contacts: ["*"], expires: "60" }), "alice", peer)).toMatchObject({ status: 400 });
    expect(reg.register(register({ cseq: 3, contacts: ["*"], expires: "0" }), "alice", peer)).toMatchObject({ status: 200, bindings: [] });
    expect(reg.lookup("alice")).toEqual([]);
  });

  it("answers a query (no Contact) with the bindings, and caps long registrations", () => {
    const reg = new Registrar({ minExpires: 10, maxExpires: 300 });
    reg.register(register({ contacts: ["<sip:alice@10.0.0.1>"], expires: "86400" }), "alice", peer);
    const query = reg.register(register({ cseq: 2 }), "alice", peer);
    expect(query.status).toBe(200);
    if (query.status !== 200) return;
    expect(query.bindings.map((b) => reg.remaining(b))).toEqual([300]);
  });

  it("refuses too short (423 with the minimum), another user's address (403), stale CSeqs (500) and bad contacts (400)", () => {
    const reg = new Registrar({ minExpires: 60 });
    expect(reg.register(register({ contacts: ["<sip:alice@10.0.0.1>"], expires: "30" }), "alice", peer)).toEqual({ status: 423, reason: "registrations last at least 60 s", minExpires: 60 });
    expect(reg.register(register({ user: "bob", contacts: ["<sip:bob@10.0.0.1>"] }), "alice", peer)).toMatchObject({ status: 403, reason: "alice may not register bob" });
    expect(reg.register(register({ cseq: 5, contacts: ["<sip:alice@10.0.0.1>"] }), "alice", peer).status).toBe(200);
    expect(reg.register(register({ cseq: 4, contacts: ["<sip:alice@10.0.0.1>"] }), "alice", peer)).toMatchObject({ status: 500 });
    expect(reg.register(register({ cseq: 6, contacts: ["<not a uri>"] }), "alice", peer)).toMatchObject({ status: 400 });
    expect(reg.register(register({ cseq: 6, contacts: ["<sip:alice@10.0.0.1>"], expires: "soon" }), "alice", peer)).toMatchObject({ status: 400 });
  });

  it("keeps the table bounded: a user with the most contacts allowed is refused one more (403), keeping what they had", () => {
    const reg = new Registrar({ minExpires: 10, maxContacts: 2 });
    expect(reg.register(register({ contacts: ["<sip:alice@10.0.0.1>", "<sip:alice@10.0.0.2>"] }), "alice", peer).status).toBe(200);
    expect(reg.register(register({ cseq: 2, contacts: ["<sip:alice@10.0.0.3>"] }), "alice", peer)).toMatchObject({ status: 403, reason: "alice may hold at most 2 contacts" });
    expect(reg.lookup("alice").map((b) => b.contact).sort()).toEqual(["sip:alice@10.0.0.1", "sip:alice@10.0.0.2"]);
    // Renewing one of them is still taken.
    expect(reg.register(register({ cseq: 3, contacts: ["<sip:alice@10.0.0.2>"] }), "alice", peer).status).toBe(200);
  });

  it("drops the bindings of a connection that closed (a WebSocket), and only those", () => {
    const reg = new Registrar({ minExpires: 10 });
    const socket = {};
    reg.register(register({ contacts: ["<sip:alice@abc.invalid;transport=ws>"] }), "alice", { ...peer, transport: "WS", connection: socket } as unknown as SipPeer);
    reg.register(register({ user: "bob", contacts: ["<sip:bob@10.0.0.3>"] }), "bob", peer);
    expect(reg.dropConnection(socket).map((b) => b.user)).toEqual(["alice"]);
    expect(reg.users).toEqual(["bob"]);
  });

  it("splits Contact values at commas outside quotes and brackets", () => {
    expect(splitContacts('"Smith, J" <sip:a@h;x=1,2>;expires=5, <sip:b@h>')).toEqual(['"Smith, J" <sip:a@h;x=1,2>;expires=5', "<sip:b@h>"]);
  });
});
