/**
 * CCFLOW_PUBLIC_URL names the balancer's address in front of several nodes: an origin, checked
 * at start with a message naming the variable and what was given.
 */
import { describe, expect, it } from "vitest";
import { publicUrlFromEnv } from "../../../src/server/auth/public-url.js";

describe("CCFLOW_PUBLIC_URL", () => {
  it("is the origin it names, or nothing when unset or blank", () => {
    expect(publicUrlFromEnv({ CCFLOW_PUBLIC_URL: "https://ccflow.example.com" })).toBe("https://ccflow.example.com");
    expect(publicUrlFromEnv({ CCFLOW_PUBLIC_URL: " http://127.0.0.1:8080/ " })).toBe("http://127.0.0.1:8080");
    expect(publicUrlFromEnv({})).toBeUndefined();
    expect(publicUrlFromEnv({ CCFLOW_PUBLIC_URL: "  " })).toBeUndefined();
  });

  it("refuses what is not an http(s) origin, saying what it got", () => {
    expect(() => publicUrlFromEnv({ CCFLOW_PUBLIC_URL: "ccflow.example.com" })).toThrow('CCFLOW_PUBLIC_URL must be a URL such as https://ccflow.example.com, got "ccflow.example.com"');
    expect(() => publicUrlFromEnv({ CCFLOW_PUBLIC_URL: "ftp://x.example" })).toThrow(/must be an http or https URL/);
    expect(() => publicUrlFromEnv({ CCFLOW_PUBLIC_URL: "https://x.example/ccflow" })).toThrow(/must be an origin only/);
  });
});
