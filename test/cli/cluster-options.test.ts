/** `ccflow serve --redis URL --node-id NAME`: a mistake in the cluster options is named before anything connects. */
import { describe, expect, it } from "vitest";
import { parseClusterOptions } from "../../src/cli/cluster-options.js";

describe("serve's cluster options", () => {
  it("are absent without --redis and --node-id (one process, as before)", () => {
    expect(parseClusterOptions({})).toBeUndefined();
  });

  it("give the Redis URL, the node's name and its lease", () => {
    expect(parseClusterOptions({ redis: "redis://127.0.0.1:6379", nodeId: "node-a", nodeLease: "1.5" })).toEqual({ redisUrl: "redis://127.0.0.1:6379", nodeId: "node-a", leaseMs: 1500 });
  });

  it("give how often a snapshot is written", () => {
    expect(parseClusterOptions({ redis: "redis://127.0.0.1:6379", nodeId: "node-a", snapshotEvery: "30" })).toEqual({ redisUrl: "redis://127.0.0.1:6379", nodeId: "node-a", snapshotEveryMs: 30_000 });
  });

  it.each([
    [{ redis: "redis://127.0.0.1:6379" }, "--redis needs --node-id NAME"],
    [{ nodeId: "a" }, "--node-id needs --redis"],
    [{ redis: "127.0.0.1:6379", nodeId: "a" }, "--redis must be a URL such as redis://127.0.0.1:6379"],
    [{ redis: "not a url", nodeId: "a" }, "--redis must be a URL such as redis://127.0.0.1:6379"],
    [{ redis: "http://h:1", nodeId: "a" }, "--redis must be a redis:// (or rediss://) URL, not http:"],
    [{ redis: "redis://h:1", nodeId: "a b" }, "--node-id must be 1-64 letters"],
    [{ redis: "redis://h:1", nodeId: "a", nodeLease: "0" }, "--node-lease must be a number of seconds from 0.5 to 600"],
    [{ nodeLease: "3" }, "--node-lease needs --redis and --node-id"],
    [{ redis: "redis://h:1", nodeId: "a", snapshotEvery: "0.1" }, "--snapshot-every must be a number of seconds from 1 to 86400"],
    [{ redis: "redis://h:1", nodeId: "a", snapshotEvery: "soon" }, "--snapshot-every must be a number of seconds from 1 to 86400"],
    [{ snapshotEvery: "60" }, "--snapshot-every needs --redis and --node-id"],
  ])("refuse %j, naming the option", (flags, message) => {
    expect(() => parseClusterOptions(flags)).toThrow(message);
  });

  it("never echo a password from the URL", () => {
    let text = "";
    try {
      parseClusterOptions({ redis: "http://user:s3cret@h:1", nodeId: "a" });
    } catch (err) {
      text = (err as Error).message;
    }
    expect(text).not.toContain("s3cret");
  });
});
