/**
 * Requests from one cluster node to another, through Redis: what only one node can do — act on a
 * call whose engine and media run there (hold, transfer, hang-up...) — is asked of that node, and
 * the asking node answers its HTTP client with the result.
 *
 * Each node pops its own list `<prefix>ask:<node>` (requests) and `<prefix>answer:<node>` (answers
 * to its requests) with one blocking BLPOP on a connection of its own. A request carries a
 * deadline: the node it was for drops it when it comes too late (after a restart, say), so a hold
 * the asker already answered 503 for is never done later. Lists, not the replicated stream: these
 * are point-to-point messages that no other node must apply, and nothing of them is kept.
 * Hand-written on the `redis` client: a job-queue library would add its own keys and workers for two
 * list pushes and one pop.
 */
import { randomUUID } from "node:crypto";

export interface NodeRequest {
  /** What to do (the receiving node's handler knows the kinds). */
  kind: string;
  args: Record<string, unknown>;
}

/** What the node that did it answers: an HTTP status and a JSON body, as it would have answered itself. */
export interface NodeAnswer {
  status: number;
  body: unknown;
}

export class NodeUnreachableError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = "NodeUnreachableError";
  }
}

interface Wire {
  id: string;
  from: string;
  deadline: number;
  kind: string;
  args: Record<string, unknown>;
}

interface Pending {
  node: string;
  resolve(answer: NodeAnswer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** What is used of a `redis` client connection. */
export interface CommandConnection {
  sendCommand(args: string[]): Promise<unknown>;
}

export class NodeRequests {
  private readonly pending = new Map<string, Pending>();
  private handler?: (request: NodeRequest) => Promise<NodeAnswer>;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly writer: CommandConnection,
    private readonly popper: CommandConnection,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly onError: (message: string) => void,
  ) {}

  private askKey(node: string): string {
    return `${this.prefix}ask:${node}`;
  }

  private answerKey(node: string): string {
    return `${this.prefix}answer:${node}`;
  }

  /** What this node does when asked. */
  serve(handler: (request: NodeRequest) => Promise<NodeAnswer>): void {
    this.handler = handler;
  }

  /** Starts popping; requests and answers left from an earlier run under this name are dropped. */
  async start(): Promise<void> {
    await this.writer.sendCommand(["DEL", this.askKey(this.nodeId), this.answerKey(this.nodeId)]);
    this.loop = this.run();
  }

  /** Fails what waits for an answer; the loop ends when its connection closes. */
  stop(): void {
    this.stopped = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new NodeUnreachableError(p.node, "this node is stopping"));
      this.pending.delete(id);
    }
  }

  /** Resolves once the popping loop has ended (after stop() and the connection closed). */
  async finished(): Promise<void> {
    await this.loop?.catch(() => {});
  }

  /** Asks `node`; resolves with its answer, or rejects with NodeUnreachableError naming it. */
  ask(node: string, request: NodeRequest, timeoutMs: number): Promise<NodeAnswer> {
    const id = randomUUID();
    const wire: Wire = { id, from: this.nodeId, deadline: Date.now() + timeoutMs, kind: request.kind, args: request.args };
    return new Promise<NodeAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NodeUnreachableError(node, `the call runs on node ${node}, which did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { node, resolve, reject, timer });
      const key = this.askKey(node);
      this.writer
        .sendCommand(["RPUSH", key, JSON.stringify(wire)])
        .then(() => this.writer.sendCommand(["PEXPIRE", key, String(timeoutMs * 2)]))
        .catch(() => this.settle(id, (p) => p.reject(new NodeUnreachableError(node, `the call runs on node ${node}; the shared state (Redis) is not reachable to ask it`))));
    });
  }

  /** Requests waiting for `node` fail now (it was taken for dead). */
  nodeLost(node: string): void {
    for (const [id, p] of this.pending) {
      if (p.node === node) this.settle(id, (x) => x.reject(new NodeUnreachableError(node, `the call ran on node ${node}, which was lost (its lease ran out) before it answered`)));
    }
  }

  private settle(id: string, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    fn(p);
  }

  private async run(): Promise<void> {
    const ask = this.askKey(this.nodeId);
    const answer = this.answerKey(this.nodeId);
    while (!this.stopped) {
      let popped: { key: string; element: string } | null;
      try {
        const reply = (await this.popper.sendCommand(["BLPOP", ask, answer, "1"])) as [string, string] | null;
        popped = reply ? { key: reply[0], element: reply[1] } : null;
      } catch (err) {
        if (this.stopped) return;
        this.onError(err instanceof Error ? err.message : String(err));
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (!popped) continue;
      let wire: Wire & Partial<NodeAnswer>;
      try {
        wire = JSON.parse(popped.element) as Wire & Partial<NodeAnswer>;
      } catch {
        continue;
      }
      if (popped.key === answer) this.settle(wire.id, (p) => p.resolve({ status: wire.status ?? 500, body: wire.body }));
      else void this.answer(wire);
    }
  }

  private async answer(wire: Wire): Promise<void> {
    if (Date.now() > wire.deadline) return;
    let result: NodeAnswer;
    try {
      result = this.handler
        ? await this.handler({ kind: wire.kind, args: wire.args })
        : { status: 503, body: { error: { code: "CALL_NODE_UNREACHABLE", message: `node ${this.nodeId} is still starting; try again shortly` } } };
    } catch (err) {
      this.onError(`answering ${wire.kind} from node ${wire.from} failed: ${err instanceof Error ? err.message : String(err)}`);
      result = { status: 500, body: { error: { code: "INTERNAL", message: `node ${this.nodeId} failed to handle this request; see its log` } } };
    }
    const key = this.answerKey(wire.from);
    try {
      await this.writer.sendCommand(["RPUSH", key, JSON.stringify({ id: wire.id, status: result.status, body: result.body })]);
      await this.writer.sendCommand(["PEXPIRE", key, "60000"]);
    } catch {
      // Redis went away: the asker times out and answers 503 naming this node.
    }
  }
}
