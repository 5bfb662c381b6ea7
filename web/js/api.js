/* global fetch, WebSocket, location, setTimeout, clearTimeout */
// The browser's side of the ccflow API: JSON over fetch and self-reconnecting WebSockets.
// The UI talks to the server only through these (see /api/openapi.json).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "NETWORK", "The server cannot be reached. Is ccflow still running?");
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: String(res.status), message: text || res.statusText };
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});

/**
 * A WebSocket to the API that reconnects (unless told not to) and hands each JSON message to
 * `onMessage`. `onStatus("open" | "closed" | "reconnecting")` tracks the connection.
 */
export function connect(path, { onMessage, onStatus, reconnect = true } = {}) {
  let socket;
  let stopped = false;
  let retry = 500;
  let timer;
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
  const open = () => {
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      retry = 500;
      onStatus?.("open");
    });
    socket.addEventListener("message", (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      onMessage?.(m);
    });
    socket.addEventListener("close", () => {
      if (stopped) return onStatus?.("closed");
      if (!reconnect) return onStatus?.("closed");
      onStatus?.("reconnecting");
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, 5000);
    });
  };
  open();
  return {
    send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    },
    get open() {
      return socket?.readyState === WebSocket.OPEN;
    },
  };
}

let infoPromise;
/** Server info (URLs, demo callers and agents), fetched once per page. */
export function info() {
  infoPromise ??= get("/api/info").catch((err) => {
    infoPromise = undefined;
    throw err;
  });
  return infoPromise;
}
