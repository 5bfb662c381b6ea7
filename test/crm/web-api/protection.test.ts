import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCrm, type TestCrm } from "../helpers.js";

let crm: TestCrm;
beforeAll(async () => {
  crm = await startTestCrm({ limits: { requestsPerWindow: 5, windowSeconds: 300 } });
});
afterAll(async () => {
  await crm?.stop();
});

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("service protection limits", () => {
  it("answers 429 with Retry-After and the documented code once the request limit is used up", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await crm.api("WhoAmI")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const throttled = await crm.api("WhoAmI");
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(await errorOf(throttled)).toEqual({ code: "0x80072322", message: "Number of requests exceeded the limit of 5 over time window of 300 seconds." });
    crm.crm.protection.setLimits({ requestsPerWindow: 6000 });
    expect((await crm.api("WhoAmI")).status).toBe(200);
  });

  it("limits concurrent requests and can be forced to throttle the next requests", async () => {
    crm.crm.protection.setLimits({ maxConcurrent: 2 });
    crm.crm.faults.inject({ delayMs: 1000, times: 2 });
    const slow = [crm.api("WhoAmI"), crm.api("WhoAmI")];
    await new Promise((resolve) => setTimeout(resolve, 250));
    const third = await crm.api("WhoAmI");
    expect(third.status).toBe(429);
    expect(await errorOf(third)).toEqual({ code: "0x80072326", message: "Number of concurrent requests exceeded the limit of 2." });
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect((await crm.api("WhoAmI")).status).toBe(200);

    crm.crm.protection.setLimits({ maxConcurrent: 52 });
    crm.crm.protection.force(2, 7, "0x80072326");
    const forced = await crm.api("WhoAmI");
    expect(forced.status).toBe(429);
    expect(forced.headers.get("retry-after")).toBe("7");
    expect(await errorOf(forced)).toEqual({ code: "0x80072326", message: "Number of concurrent requests exceeded the limit of 52." });
    expect((await crm.api("WhoAmI")).status).toBe(429);
    expect((await crm.api("WhoAmI")).status).toBe(200);
  });

  it("counts concurrency while requests are in flight", () => {
    const protection = crm.crm.protection;
    protection.setLimits({ maxConcurrent: 2 });
    const a = protection.begin("tester");
    const b = protection.begin("tester");
    const c = protection.begin("tester");
    expect("done" in a && "done" in b).toBe(true);
    expect(c).toMatchObject({ throttle: { code: "0x80072326", retryAfterSeconds: 1 } });
    if ("done" in a) a.done();
    expect("done" in protection.begin("tester")).toBe(true);
    protection.setLimits({ maxConcurrent: 52 });
  });

  it("injects latency and error statuses for the next requests, optionally by path", async () => {
    crm.crm.faults.inject({ status: 503, path: /^contacts/ });
    expect((await crm.api("WhoAmI")).status).toBe(200);
    const failed = await crm.api("contacts?$top=1");
    expect(failed.status).toBe(503);
    expect(await errorOf(failed)).toMatchObject({ code: "0x80040216" });
    expect((await crm.api("contacts?$top=1")).status).toBe(200);
  });
});
