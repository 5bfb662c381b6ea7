/**
 * The Zendesk export's three HTTP activities, run in the flow's order through a Basic-auth
 * connector against a loopback API that checks the credentials.
 */
import { afterEach, describe, expect, it } from "vitest";
import httpRequest from "../../src/activities/http-request.js";
import type { ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { VirtualClock } from "../../src/time/clock.js";
import type { VariableType } from "../../src/flow/types.js";
import { startFixture, type Fixture } from "../connectors/helpers/fixture-server.js";
import { fakeContext, FakeVariables, runActivity } from "./helpers/http-fake-context.js";
import { loadSharedFlow } from "./helpers/shared-flows.js";

const zendesk = loadSharedFlow("flows/Zendesk_HTTP_Connector.json");
const USER = "support@acme.test/token";
const PASSWORD = "zd-token-4c1b9e";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(password = PASSWORD): Promise<{ fixture: Fixture; run: (name: string, vars: FakeVariables) => Promise<unknown> }> {
  const clock = new VirtualClock();
  const fixture = await startFixture({ clock, apiAuth: "basic", basicUser: USER, basicPassword: PASSWORD });
  const connectorId = String(zendesk!.activity("LookupUser").properties.connectorId);
  const connector: ConnectorConfig = {
    id: connectorId,
    name: "Zendesk",
    type: "basic",
    resourceDomain: `${fixture.origin}/zendesk`,
    username: USER,
    password,
    clientAuth: "client_secret_post",
    headers: {},
    secrets: [password],
  };
  const gateway = createHttpGateway({ connectors: [connector], clock });
  open.push(gateway, fixture);
  return { fixture, run: (name, vars) => runActivity(httpRequest, fakeContext({ activity: zendesk!.activity(name), vars, http: gateway, clock })) };
}

function flowVariables(ani: string): FakeVariables {
  const types: Record<string, VariableType> = {};
  const values: Record<string, unknown> = {};
  for (const v of zendesk!.variables) {
    types[v.name] = v.type as VariableType;
    values[v.name] = v.value ?? "";
  }
  const vars = new FakeVariables(types, values);
  vars.setOutput("NewPhoneContact", "ANI", ani);
  return vars;
}

describe.skipIf(!zendesk)("Zendesk flow through a Basic-auth connector", () => {
  it("looks up the user and the open ticket, then comments on it, with checked credentials", async () => {
    const { fixture, run } = await setup();
    fixture.script(
      { status: 200, body: { users: [{ id: 36190911, name: "Robin Vale" }], count: 1 } },
      { status: 200, body: { results: [{ id: 4242, status: "open", subject: "Router" }], count: 1 } },
      { status: 200, body: { ticket: { id: 4242 } } },
    );
    const vars = flowVariables("+15550100777");

    await run("LookupUser", vars);
    await run("LookupTicket", vars);
    expect(vars.values.get("userID")).toBe("36190911");
    expect(vars.values.get("userName")).toBe("Robin Vale");
    expect(vars.values.get("ticketID")).toBe("4242");
    expect(vars.values.get("ticketStatus")).toBe("open");
    await run("PostComments", vars);

    const [users, search, put] = fixture.received;
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    for (const r of [users, search, put]) expect(r!.headers.authorization).toBe(basic);
    expect(users!.rawUrl.split("?")[0]).toBe("/zendesk/api/v2/users/search.json");
    expect(users!.query.query).toBe("type:user +15550100777");
    expect(search!.query).toMatchObject({ query: "type:ticket status<solved  requester:36190911", sort_by: "created_at", sort_order: "desc" });
    expect(put!.method).toBe("PUT");
    expect(put!.rawUrl).toBe("/zendesk/api/v2/tickets/4242.json");
    expect(put!.headers["content-type"]).toBe("application/json");
    // The export's body has no templates: it arrives exactly as authored.
    expect(JSON.parse(put!.body)).toEqual(JSON.parse(String(zendesk!.activity("PostComments").properties.httpRequestBody)));
  });

  it("keeps the flow's \"null\" sentinels when the credentials are refused (401 still leaves by default)", async () => {
    const { fixture, run } = await setup("a-stale-password");
    const vars = flowVariables("+15550100777");
    expect(await run("LookupUser", vars)).toBe("default");
    expect(await run("LookupTicket", vars)).toBe("default");
    expect(fixture.received.map((r) => r.method)).toEqual(["GET", "GET"]);
    expect(vars.outputs.get("LookupTicket")!.httpStatusCode).toBe(401);
    expect(vars.values.get("ticketID")).toBe("null");
  });
});
