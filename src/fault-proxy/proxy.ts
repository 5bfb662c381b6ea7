/**
 * A loopback HTTP proxy that misbehaves on purpose, to see what a flow does when its CRM does:
 * it sits between the connectors and a CRM (the embedded one or a real Dataverse) and, by seeded
 * chance, delays a request past the connector's deadline, answers 500 or 429 with Retry-After
 * (alone or in storms), resets the connection, takes the token endpoint down or answers 401 as
 * if the token had been revoked. Everything else is forwarded unchanged. When the CRM itself is
 * gone (restarting), the client's connection is reset, as it would be without the proxy.
 *
 * Written on node:http rather than a proxy library: injecting faults needs control over each
 * exchange (when to answer, when to cut the socket) that generic proxies do not expose.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { defaultPath, type FaultKind, type FaultRule } from "./plan.js";

export interface FaultProxyOptions {
  /** Where requests go: `http://127.0.0.1:8080` or `https://org.crm.dynamics.com`. */
  target: string;
  rules: FaultRule[];
  /** Listening port (0 picks a free one). */
  port?: number;
  host?: string;
  /** Random numbers in [0, 1): pass a seeded generator to replay a run. */
  random?: () => number;
  /**
   * Send the target's host in the Host header. Default: on for an https target (a real service
   * routes by host), off for http (the embedded CRM then issues and accepts tokens for the
   * proxy's own URL, which is the URL the connector uses).
   */
  rewriteHost?: boolean;
  /** Extra CA certificates for an https target. */
  ca?: string;
  /** Called for every request with what was done to it. */
  onRequest?: (event: ProxyEvent) => void;
}

export interface ProxyEvent {
  method: string;
  path: string;
  /** The fault injected, or `forwarded`, or `upstream-down` when the target did not answer. */
  action: FaultKind | "forwarded" | "upstream-down";
  status?: number;
  delayMs?: number;
}

export interface FaultProxyStats {
  requests: number;
  forwarded: number;
  /** Requests the target did not answer (refused, reset): the client's connection was reset. */
  upstreamDown: number;
  /** Clients that went away before their answer (their deadline passed). */
  clientGone: number;
  faults: Record<FaultKind, number>;
}

export interface FaultProxy {
  /** Base URL of the proxy (`http://127.0.0.1:PORT`). */
  readonly url: string;
  readonly stats: FaultProxyStats;
  /** Replaces the rules (and ends any storm in progress). */
  setRules(rules: FaultRule[]): void;
  /** Requests still being handled. */
  inFlight(): number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]);

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The answers a faulty Dataverse and Entra give, as they give them. */
const ANSWERS = {
  status(res: ServerResponse, status: number) {
    json(res, status, { error: { code: "0x80040216", message: `An unexpected error occurred. (injected ${status} by ccflow fault-proxy)` } });
  },
  throttle(res: ServerResponse, retryAfter: number) {
    json(res, 429, { error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds. (injected by ccflow fault-proxy)" } }, { "retry-after": String(retryAfter) });
  },
  tokenDown(res: ServerResponse) {
    json(res, 503, { error: "temporarily_unavailable", error_description: "The token service is temporarily unavailable. (injected by ccflow fault-proxy)" });
  },
  unauthorized(res: ServerResponse) {
    json(res, 401, { error: { code: "0x80072560", message: "The access token was revoked. (injected by ccflow fault-proxy)" } }, { "www-authenticate": "Bearer" });
  },
};

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`fault proxy target must be an http(s) URL, got ${options.target}`);
  const secure = target.protocol === "https:";
  const rewriteHost = options.rewriteHost ?? secure;
  const random = options.random ?? Math.random;
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 128, ...(options.ca ? { ca: options.ca } : {}) }) : new http.Agent({ keepAlive: true, maxSockets: 128 });
  const basePath = target.pathname.replace(/\/+$/, "");
  let rules = options.rules;
  /** Storms in progress: the rule and how many more requests it takes. */
  let storms: Array<{ rule: FaultRule; left: number }> = [];
  let inFlight = 0;
  const stats: FaultProxyStats = { requests: 0, forwarded: 0, upstreamDown: 0, clientGone: 0, faults: { latency: 0, status: 0, reset: 0, throttle: 0, "token-down": 0, unauthorized: 0 } };

  const choose = (path: string): FaultRule | undefined => {
    for (const storm of storms) {
      if (storm.left > 0 && (storm.rule.path ?? defaultPath(storm.rule.kind)).test(path)) {
        storm.left--;
        storms = storms.filter((s) => s.left > 0);
        return storm.rule;
      }
    }
    for (const rule of rules) {
      if (!(rule.path ?? defaultPath(rule.kind)).test(path)) continue;
      if (random() >= rule.probability) continue;
      if ((rule.burst ?? 1) > 1) storms.push({ rule, left: rule.burst! - 1 });
      return rule;
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, event: ProxyEvent, cutConnection: () => void) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    if (rewriteHost) headers.host = target.host;
    const upstream = (secure ? https : http).request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port || (secure ? 443 : 80),
      method: req.method,
      path: basePath + (req.url ?? "/"),
      headers,
      agent,
      ...(secure ? { servername: target.hostname } : {}),
    });
    upstream.on("response", (up) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
      event.status = up.statusCode;
      stats.forwarded++;
      options.onRequest?.(event);
    });
    upstream.on("error", () => {
      if (res.writableEnded || res.destroyed) return;
      // The target refused or dropped us: the client sees what it would see talking to it directly.
      stats.upstreamDown++;
      event.action = "upstream-down";
      options.onRequest?.(event);
      cutConnection();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    inFlight++;
    let cut = false;
    const cutConnection = () => {
      cut = true;
      req.socket.destroy();
    };
    res.on("close", () => {
      inFlight--;
      if (!res.writableFinished && !cut) stats.clientGone++;
    });
    const path = req.url ?? "/";
    const event: ProxyEvent = { method: req.method ?? "GET", path, action: "forwarded" };
    const rule = choose(path);
    if (!rule) return forward(req, res, event, cutConnection);
    stats.faults[rule.kind]++;
    event.action = rule.kind;
    switch (rule.kind) {
      case "reset":
        options.onRequest?.(event);
        cutConnection();
        return;
      case "status":
        req.resume();
        event.status = rule.status ?? 500;
        options.onRequest?.(event);
        return ANSWERS.status(res, event.status);
      case "throttle":
        req.resume();
        event.status = 429;
        options.onRequest?.(event);
        return ANSWERS.throttle(res, rule.retryAfterSeconds ?? 2);
      case "token-down":
        req.resume();
        event.status = 503;
        options.onRequest?.(event);
        return ANSWERS.tokenDown(res);
      case "unauthorized":
        req.resume();
        event.status = 401;
        options.onRequest?.(event);
        return ANSWERS.unauthorized(res);
      case "latency": {
        const d = rule.delayMs ?? 0;
        const ms = Array.isArray(d) ? d[0] + Math.floor(random() * (d[1] - d[0] + 1)) : d;
        event.delayMs = ms;
        req.pause();
        const timer = setTimeout(() => {
          if (res.destroyed) return;
          req.resume();
          forward(req, res, event, cutConnection);
        }, ms);
        res.on("close", () => clearTimeout(timer));
        return;
      }
    }
  };

  // Dataverse takes URLs up to 32 KB; Node's default header limit (16 KB) would refuse them first.
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, handle);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    stats,
    setRules(next) {
      rules = next;
      storms = [];
    },
    inFlight: () => inFlight,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
