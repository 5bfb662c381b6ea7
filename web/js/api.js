/* global fetch, WebSocket, location, setTimeout, clearTimeout */
// Requests carry the sign-in session's cookie (same origin) and, for changes, its CSRF token.
// The browser's side of the ccflow API: JSON over fetch and self-reconnecting WebSockets.
// The UI talks to the server only through these (see /api/openapi.json).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let sessionPromise;
/** Who is signed in (GET /api/session), with the CSRF token changes carry; fetched once per page. */
export function session() {
  sessionPromise ??= fetch("/api/session", { headers: { accept: "application/json" } })
    .then((r) => r.json())
    .catch((err) => {
      sessionPromise = undefined;
      throw err;
    });
  return sessionPromise;
}

/** To the sign-in, coming back to this very view afterwards. */
export function signInAgain() {
  location.assign(`/auth/login?returnTo=${encodeURIComponent(`/${location.hash}`)}`);
}

export async function signOut() {
  const s = await session();
  const res = await fetch("/auth/logout", { method: "POST", headers: { "x-csrf-token": s.csrfToken ?? "", "content-type": "application/json" }, body: "{}" });
  const body = await res.json().catch(() => ({}));
  location.assign(body.endSessionUrl ?? "/");
}

export async function api(method, path, body) {
  const init = { method, headers: { accept: "application/json" } };
  if (method !== "GET") init.headers["x-csrf-token"] = (await session()).csrfToken ?? "";
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
  if (res.status === 401) {
    // The session ended (expired, or the server restarted): sign in again and come back here.
    signInAgain();
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
    socket.addEventListener("close", (e) => {
      if (stopped) return onStatus?.("closed");
      // 4401: the server ended this socket because the session signed out or expired.
      if (e.code === 4401) {
        stopped = true;
        onStatus?.("closed");
        return signInAgain();
      }
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
