/**
 * A session made through an external OpenID Connect provider keeps a fingerprint of the person
 * and their roles, and the provider's refresh token. At each renewal (at most once a minute) the
 * server asks the provider again: a person removed there (or given a new password) is refused
 * (`invalid_grant`) and their session ends, sockets included (4401 `access revoked`); a person
 * whose roles changed there loses the session made with the old ones (`roles changed`). The
 * provider here is another ccflow's embedded identity service, as in sign-in.test.ts.
 */
import type { WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SUPERVISOR } from "../../src/identity/users.js";
import { openSocket, signIn, type SignedIn } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { startSecurityServer } from "./helpers.js";

let provider: TestServer;
let rp: TestServer;
let now = Date.now();
const MINUTES = 60_000;

beforeAll(async () => {
  provider = await startSecurityServer();
  let rpOrigin = "";
  provider.server.identity!.registerClient({ clientId: "ccflow-rp", clientSecret: "ccflow-rp-secret", displayName: "ccflow RP", roles: [], clientCredentials: false, redirectOrigins: () => [rpOrigin] });
  rp = await startSecurityServer({
    extra: {
      processEnv: { CCFLOW_OIDC_ISSUER: `${provider.url}/identity`, CCFLOW_OIDC_CLIENT_ID: "ccflow-rp", CCFLOW_OIDC_CLIENT_SECRET: "ccflow-rp-secret", CCFLOW_OIDC_SCOPES: "openid profile email offline_access" },
      // Ended sessions are looked for every second here (30 s by default), so expiry shows quickly.
      auth: { sessions: { now: () => now, sweepSeconds: 1 } },
    },
  });
  rpOrigin = new URL(rp.url).origin;
  await provider.server.identity!.userStore.add({ username: "kim", name: "Kim Ito", roles: ["supervisor"] }, "kims-password-1");
  await provider.server.identity!.userStore.add({ username: "lee", name: "Lee Park", roles: ["supervisor"] }, "lees-password-1");
  await provider.server.identity!.userStore.add({ username: "mo", name: "Mo Diaz", roles: ["supervisor"] }, "mos-password-1");
});

afterAll(async () => {
  await rp?.close();
  await provider?.close();
});

const signedIn = async (p: SignedIn) => ((await (await p.fetch("/api/session")).json()) as { signedIn: boolean }).signedIn;

function closedWithin(ws: WebSocket, ms: number): Promise<{ code: number; reason: string } | undefined> {
  return new Promise((done) => {
    const timer = setTimeout(() => done(undefined), ms);
    ws.addEventListener("close", (e) => {
      clearTimeout(timer);
      done({ code: e.code, reason: e.reason });
    }, { once: true });
  });
}

describe("sessions made through an external provider", () => {
  it("ask the provider for the scopes configured (CCFLOW_OIDC_SCOPES: offline_access is how Entra ID issues refresh tokens)", async () => {
    const start = await fetch(`${rp.url}/auth/login`, { redirect: "manual" });
    expect(new URL(start.headers.get("location")!).searchParams.get("scope")).toBe("openid profile email offline_access");
  });

  it("are renewed while the provider still vouches for the person, and end at the next renewal once it does not", async () => {
    const kim = await signIn(rp.url, "kim", "kims-password-1");
    expect(kim.user).toMatchObject({ name: "Kim Ito", roles: ["supervisor"] });
    // Two renewals the provider agrees to: still signed in (the refresh token it hands back is kept).
    for (let i = 0; i < 2; i++) {
      now += 2 * MINUTES;
      expect((await kim.fetch("/api/agents")).status).toBe(200);
    }
    const socket = await openSocket(rp.url, "/api/supervisor/ws", { cookie: kim.cookie, origin: rp.url });
    const closed = closedWithin(socket, 60_000);

    await provider.server.identity!.userStore.remove("kim");
    // Within the minute since the last renewal nothing asks the provider…
    expect((await kim.fetch("/api/agents")).status).toBe(200);
    // …at the next renewal it refuses, and the session ends here, its socket too.
    now += 2 * MINUTES;
    expect((await kim.fetch("/api/agents")).status).toBe(401);
    expect(await closed).toEqual({ code: 4401, reason: "access revoked" });
    expect(await signedIn(kim)).toBe(false);
  });

  it("end at renewal when the person's roles at the provider have changed", async () => {
    const sam = await signIn(rp.url, "sam");
    expect(sam.user.roles).toEqual(["caller", "supervisor"]);
    const ana = await signIn(rp.url, "ana");
    // The provider's Sam is no longer a supervisor (his credential is unchanged).
    const identity = provider.server.identity!;
    const dev = await identity.developmentUsers();
    identity.setUsers(dev.map((u) => (u.username === DEMO_SUPERVISOR.username ? { ...u, roles: ["caller"] } : u)));
    now += 2 * MINUTES;
    expect((await sam.fetch("/api/queues")).status).toBe(401);
    expect(await signedIn(sam)).toBe(false);
    // Ana, whose roles did not change, stays signed in; Sam signs in again with his new roles.
    expect(await signedIn(ana)).toBe(true);
    const again = await signIn(rp.url, "sam");
    expect(again.user.roles).toEqual(["caller"]);
    expect((await again.fetch("/api/queues")).status).toBe(403);
  });

  it("close a socket when the provider stops vouching, with no request coming (a timer asks it once a minute)", async () => {
    const lee = await signIn(rp.url, "lee", "lees-password-1");
    const socket = await openSocket(rp.url, "/api/supervisor/ws", { cookie: lee.cookie, origin: rp.url });
    const closed = closedWithin(socket, 60_000);
    await provider.server.identity!.userStore.remove("lee");
    // Within the minute nobody asks; past it the server's own timer does, and the socket closes.
    expect(await closedWithin(socket, 3_000)).toBeUndefined();
    now += 2 * MINUTES;
    expect(await closed).toEqual({ code: 4401, reason: "access revoked" });
    expect(await signedIn(lee)).toBe(false);
  });

  it("keep a socket open while the provider vouches, and close it at the session's expiry with no request coming", async () => {
    const mo = await signIn(rp.url, "mo", "mos-password-1");
    const socket = await openSocket(rp.url, "/api/supervisor/ws", { cookie: mo.cookie, origin: rp.url });
    const closed = closedWithin(socket, 60_000);
    // The timer's checks, which the provider answers with new refresh tokens, keep it open…
    now += 2 * MINUTES;
    expect(await closedWithin(socket, 5_000)).toBeUndefined();
    now += 2 * MINUTES;
    expect(await closedWithin(socket, 5_000)).toBeUndefined();
    // …without renewing the session (a check is not a request): Mo still works, and this request renews it.
    expect((await mo.fetch("/api/agents")).status).toBe(200);
    // Eight hours without a request: expired, and its socket closes by itself.
    now += 8 * 60 * MINUTES + MINUTES;
    expect(await closed).toEqual({ code: 4401, reason: "session expired" });
    expect(await signedIn(mo)).toBe(false);
  });
});
