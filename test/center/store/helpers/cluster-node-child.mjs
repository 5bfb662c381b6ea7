// One cluster node in a process of its own (compiled code from dist/), so a test can kill -9 it.
// Options come as one JSON argument: { url, prefix, nodeId, leaseMs, reapEveryMs }. It says
// `{"ready":true}` on stdout once its lease is held, and logs reaping to stderr.
import process from "node:process";
import { RedisCenterStore } from "../../../../dist/src/center/store/redis-center-store.js";
import { ClusterNode } from "../../../../dist/src/center/store/cluster-node.js";

const options = JSON.parse(process.argv[2] ?? "{}");
const store = await RedisCenterStore.connect(options.url, { prefix: options.prefix });
const node = new ClusterNode({
  store,
  nodeId: options.nodeId,
  leaseMs: options.leaseMs,
  reapEveryMs: options.reapEveryMs,
  log: (level, message) => process.stderr.write(`${level}: ${message}\n`),
});
await node.start();
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
const stop = () => {
  node.stop().then(() => store.close()).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
