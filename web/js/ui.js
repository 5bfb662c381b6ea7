/* global Node, setTimeout, setInterval, clearInterval, queueMicrotask */
// Small DOM and formatting helpers shared by the views.

/** h("div.card#id", {onclick, ...attrs}, ...children) */
export function h(spec, attrs, ...children) {
  const [tagPart, ...rest] = spec.split(/(?=[.#])/);
  const el = document.createElement(tagPart || "div");
  for (const r of rest) {
    if (r.startsWith(".")) el.classList.add(r.slice(1));
    else if (r.startsWith("#")) el.id = r.slice(1);
  }
  if (attrs !== undefined && attrs !== null && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = undefined;
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** 75000 → "1:15"; hours when needed. */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export function clock(at) {
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function shortId(id) {
  return String(id ?? "").slice(0, 8);
}

/** The words a person reads for the center's agent and contact states (the API keeps the names). */
const STATE_WORDS = {
  Available: "Available",
  Idle: "Idle",
  Reserved: "Ringing",
  Engaged: "On a call",
  WrapUp: "Wrapping up",
  LoggedOut: "Signed out",
  ivr: "In the IVR",
  queued: "Waiting in queue",
  offered: "Ringing an agent",
  engaged: "With an agent",
  ended: "Ended",
};

/** "Idle · Lunch", "On a call", "Ended · caller hung up". */
export function stateText(state, detail) {
  const words = STATE_WORDS[state] ?? String(state);
  return detail ? `${words} · ${detail}` : words;
}

const END_WORDS = {
  "caller-hangup": "caller hung up",
  "agent-ended": "agent ended it",
  disconnected: "flow disconnected",
  "flow-ended": "flow ended",
  "global-error": "error",
  shutdown: "server stopped",
  transferred: "transferred",
};

const IDLE_WORDS = { Login: "just signed in", RONA: "missed a call", Declined: "declined a call", Disconnected: "connection lost" };

/** Why an agent is Idle, in words (a reason the agent chose stays as it is). */
export function idleText(reason) {
  return reason ? (IDLE_WORDS[reason] ?? reason) : undefined;
}

/** Why a contact ended, in words. */
export function endText(reason) {
  return END_WORDS[reason] ?? String(reason ?? "").replace(/-/g, " ");
}

/** A state pill: the class keeps the state's name, the text is in words. */
export function pill(state, text) {
  return h(`span.pill.state-${String(state).toLowerCase()}`, text ?? stateText(state));
}

export function priorityBadge(p) {
  if (p === undefined || p === null) return null;
  const cls = p <= 2 ? "p-high" : p <= 6 ? "p-mid" : "p-low";
  return h(`span.prio.${cls}`, { title: `Priority ${p} (1 is the highest)` }, `P${p}`);
}

/** A toast at the bottom of the page. */
export function toast(message, kind = "info") {
  let box = document.getElementById("toasts");
  if (!box) {
    box = h("div#toasts");
    document.body.append(box);
  }
  const t = h(`div.toast.${kind}`, message);
  box.append(t);
  setTimeout(() => t.classList.add("gone"), 4500);
  setTimeout(() => t.remove(), 5000);
}

/**
 * Runs an async action from a button, disabling it meanwhile and showing failures. The button is
 * enabled again afterwards unless the action disabled it for good (`data-stay-disabled`).
 */
export async function act(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (err) {
    toast(err.message ?? String(err), "error");
    return undefined;
  } finally {
    if (button) button.disabled = button.dataset.stayDisabled === "1";
  }
}

/** Ticks every second while the element is in the page. */
export function ticker(el, render) {
  const tick = () => {
    if (!el.isConnected) return clearInterval(timer);
    render(el);
  };
  const timer = setInterval(tick, 1000);
  queueMicrotask(tick);
  return el;
}
