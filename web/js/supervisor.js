/* global sessionStorage, setTimeout, clearTimeout, setInterval, clearInterval, URL */
// The supervisor view: queues with their waiting contacts in routing order, agents and their
// states, recent contacts, and the live trace of the one selected (activities, HTTP calls,
// variables), all from the supervisor WebSocket and the contacts API.
import { connect, get } from "./api.js";
import { mountReports } from "./reports.js";
import { clock, duration, endText, fill, h, idleText, pill, priorityBadge, shortId, stateText, toast } from "./ui.js";

export function mountSupervisor(root) {
  let snapshot;
  let receivedAt = Date.now();
  let selected = sessionStorage.getItem("ccflow.watch") ?? undefined;
  let trace = [];
  let variablesTimer;

  const queuesBox = h("div#queues.queues");
  const agentsBox = h("div#agents");
  const contactsBox = h("div#contacts");
  const traceBox = h("div#trace.trace");
  const varsBox = h("div#variables");
  const traceHead = h("div.trace-head", h("p.empty", "Select a contact to follow its trace."));
  const graphImg = h("img#flow-graph", { alt: "The flow with the contact's path" });
  const graphLink = h("a.sub", { target: "_blank", rel: "noopener" }, "open full size");
  const graphBox = h("div.graph-box", h("p.empty", "The flow appears here with the path the contact took."));
  let graphTimer;
  const status = h("span.conn", "connecting…");
  const reports = mountReports();

  const view = h(
    "div.view.supervisor-view",
    h("section.card.wide", h("header.card-head", h("h2", "Queues"), status), queuesBox),
    h("div.sup-grid",
      h("section.card", h("header.card-head", h("h2", "Agents")), agentsBox),
      h("section.card", h("header.card-head", h("h2", "Contacts"), h("span.sub", "newest first; click one for its trace")), contactsBox),
    ),
    reports.element,
    h("section.card.wide.trace-card", h("header.card-head", h("h2", "Trace")), traceHead, h("div.trace-grid", h("div.trace-col", h("h3", "Activities and events"), traceBox), h("div.vars-col", h("h3", "Variables"), varsBox)),
      h("div.graph-section", h("h3", "Path through the flow ", graphLink), graphBox),
    ),
  );
  root.append(view);

  const socket = connect("/api/supervisor/ws", {
    onStatus: (s) => {
      status.textContent = s === "open" ? "live" : s;
      status.className = `conn ${s}`;
      if (s === "open" && selected) {
        socket.send({ type: "watch", interactionId: selected });
        refreshVariables(true);
        refreshGraph(true);
      }
    },
    onMessage: (m) => {
      if (m.type === "snapshot") {
        snapshot = m;
        receivedAt = Date.now();
        render();
      } else if (m.type === "trace" && m.interactionId === selected) {
        trace = m.events;
        renderTrace();
      } else if (m.type === "call-event" && m.event.interactionId === selected) {
        trace.push(m.event);
        appendTraceRow(m.event, trace.length - 1);
        if (m.event.type === "variable" || m.event.type === "ended") refreshVariables();
        if (m.event.type === "step" || m.event.type === "ended") refreshGraph();
      } else if (m.type === "notice") {
        toast(m.event.message, m.event.level === "warn" ? "warn" : "info");
      }
    },
  });

  const tick = setInterval(() => {
    for (const el of view.querySelectorAll("[data-waited]")) el.textContent = duration(Number(el.dataset.waited) + (Date.now() - receivedAt));
    for (const el of view.querySelectorAll("[data-since]")) el.textContent = duration(Date.now() - Number(el.dataset.since));
    if (snapshot && Date.now() - lastSample >= 5000) renderQueues();
  }, 1000);

  let endedSeen = -1;
  function render() {
    // A contact that ended changes today's report: read it again.
    const ended = snapshot.contacts.filter((c) => c.state === "ended").length;
    if (endedSeen !== -1 && ended !== endedSeen) void reports.refresh();
    endedSeen = ended;
    renderQueues();
    renderAgents();
    renderContacts();
  }

  /** Recent KPI values per queue (one sample per snapshot, at most every 5 s), for the sparklines. */
  const history = new Map();
  let lastSample = 0;
  function sampleKpis() {
    if (!snapshot?.kpis || Date.now() - lastSample < 5000) return;
    lastSample = Date.now();
    for (const k of snapshot.kpis) {
      const list = history.get(k.queueId) ?? [];
      list.push({ waiting: k.waiting, sl: k.figures.serviceLevel, asa: k.figures.asaMs, occupancy: k.occupancy });
      if (list.length > 60) list.shift();
      history.set(k.queueId, list);
    }
  }

  function kpiStrip(q) {
    const k = snapshot.kpis?.find((x) => x.queueId === q.id);
    if (!k) return null;
    const trend = history.get(q.id) ?? [];
    const a = k.agents;
    return h(
      "div.kpis",
      { dataset: { kpis: q.id } },
      kpi(String(k.waiting), "waiting now", trend.map((x) => x.waiting)),
      kpi(pct(k.figures.serviceLevel), `service level (≤ ${k.serviceLevelSeconds} s)`, trend.map((x) => x.sl), { max: 1 }),
      kpi(secs(k.figures.asaMs), "avg speed of answer", trend.map((x) => x.asa)),
      kpi(pct(k.figures.abandonRate), `abandoned (${k.figures.abandoned} of ${k.figures.answered + k.figures.abandoned})`),
      kpi(secs(k.figures.ahtMs), "avg handle time"),
      kpi(pct(k.occupancy), "occupancy", trend.map((x) => x.occupancy), { max: 1 }),
      h("div.stat.kpi.agent-states", h("div.value", `${a.Available}·${a.Reserved + a.Engaged}·${a.WrapUp}·${a.Idle}`), h("div.label", "available · on calls · wrap-up · idle")),
      h("p.sub.kpi-note", `Last ${k.windowMinutes} min: ${k.figures.offered} offered, ${k.figures.answered} answered.`),
    );
  }

  function renderQueues() {
    sampleKpis();
    fill(
      queuesBox,
      snapshot.queues.length === 0
        ? h("p.empty", "No queues.")
        : snapshot.queues.map((q) =>
            h(
              "div.queue",
              { dataset: { queue: q.id } },
              h("div.queue-head", h("b", q.name), q.auto ? h("span.tag", "auto-created") : null, h("span.sub", shortId(q.id))),
              h(
                "div.stats",
                stat(q.queuedNow, "waiting"),
                stat(`${q.availableAgents}/${q.loggedOnAgents}`, "available / signed in"),
                stat(duration(q.oldestWaitMs), "oldest wait"),
                stat(q.ringing.length, "ringing"),
                stat(q.connected.length, "connected"),
              ),
              kpiStrip(q),
              q.waiting.length === 0
                ? h("p.empty", "Nobody waiting.")
                : h(
                    "table.waiting",
                    h("thead", h("tr", h("th", "#"), h("th", "Priority"), h("th", "Caller"), h("th", "Waited"))),
                    h(
                      "tbody",
                      q.waiting.map((w) =>
                        h(
                          "tr.clickable",
                          { dataset: { interaction: w.interactionId }, onclick: () => select(w.interactionId) },
                          h("td", w.position),
                          h("td", priorityBadge(w.priority)),
                          h("td.ani", w.ani, w.kind === "callback" ? h("span.tag", "callback") : null),
                          h("td", h("span", { dataset: { waited: w.waitedMs } }, duration(w.waitedMs))),
                        ),
                      ),
                    ),
                  ),
            ),
          ),
    );
  }

  function renderAgents() {
    fill(
      agentsBox,
      h(
        "table.agents",
        h("thead", h("tr", h("th", "Agent"), h("th", "State"), h("th", "For"), h("th", "Contact"))),
        h(
          "tbody",
          snapshot.agents.map((a) => {
            const contact = a.interactionId ? snapshot.contacts.find((c) => c.interactionId === a.interactionId) : undefined;
            return h(
              "tr",
              { dataset: { agent: a.id } },
              h("td", h("b", a.name), a.simulated ? h("span.tag", "simulated") : null, h("div.sub", a.teamName ?? a.teamId ?? "")),
              h("td", pill(a.state, stateText(a.state, a.state === "Idle" ? idleText(a.reason) : undefined))),
              h("td", h("span", { dataset: { since: a.since } }, duration(Date.now() - a.since))),
              h("td", contact ? h("a.link", { href: "#", onclick: (e) => (e.preventDefault(), select(contact.interactionId)) }, contact.ani) : ""),
            );
          }),
        ),
      ),
    );
  }

  function renderContacts() {
    const list = [...snapshot.contacts].reverse().slice(0, 50);
    fill(
      contactsBox,
      list.length === 0
        ? h("p.empty", "No calls yet. Place one from the softphone.")
        : h(
            "table.contacts",
            h("thead", h("tr", h("th", "Started"), h("th", "Caller"), h("th", "State"), h("th", "Where"), h("th", "Agent"))),
            h(
              "tbody",
              list.map((c) =>
                h(
                  `tr.clickable${c.interactionId === selected ? ".selected" : ""}`,
                  { dataset: { interaction: c.interactionId }, onclick: () => select(c.interactionId) },
                  h("td", clock(c.startedAt)),
                  h("td.ani", c.ani, h("div.sub", c.flow.name)),
                  h("td", pill(c.state, stateText(c.state, c.state === "ended" ? endText(c.endReason) : undefined)), c.position ? h("span.sub", ` #${c.position}`) : null),
                  h("td", c.state === "ended" ? "" : c.activity ?? "", c.priority ? [" ", priorityBadge(c.priority)] : null),
                  h("td", c.agent?.name ?? c.agent?.id ?? ""),
                ),
              ),
            ),
          ),
    );
  }

  function select(id) {
    selected = id;
    sessionStorage.setItem("ccflow.watch", id);
    trace = [];
    socket.send({ type: "watch", interactionId: id });
    refreshVariables(true);
    refreshGraph(true);
    if (snapshot) renderContacts();
    view.querySelector(".trace-card")?.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function refreshVariables(now = false) {
    clearTimeout(variablesTimer);
    const id = selected;
    variablesTimer = setTimeout(
      () =>
        get(`/api/contacts/${id}`)
          .then((t) => {
            if (id !== selected) return;
            renderTraceHead(t.contact);
            fill(
              varsBox,
              Object.keys(t.variables).length === 0
                ? h("p.empty", "The flow has no variables.")
                : h("table.vars", h("tbody", Object.entries(t.variables).map(([k, v]) => h("tr", h("th", k), h("td", format(v)))))),
              t.callAssociatedData.length ? h("p.sub", `Shown to the agent: ${t.callAssociatedData.map((c) => c.label).join(", ")}`) : null,
            );
            if (trace.length === 0 && t.events.length) {
              trace = t.events;
              renderTrace();
            }
          })
          .catch((err) => {
            if (err.status === 404) fill(traceHead, h("p.empty", "That contact is no longer kept."));
          }),
      now ? 0 : 400,
    );
  }

  function refreshGraph(now = false) {
    clearTimeout(graphTimer);
    const id = selected;
    graphTimer = setTimeout(() => {
      if (id !== selected) return;
      const src = `/api/contacts/${encodeURIComponent(id)}/graph.svg?at=${Date.now()}`;
      graphImg.src = src;
      graphLink.href = src;
      if (!graphImg.isConnected) fill(graphBox, graphImg);
    }, now ? 0 : 1000);
  }

  function renderTraceHead(c) {
    fill(
      traceHead,
      h(
        "div.trace-summary",
        h("b.ani", c.ani),
        h("span", ` → ${c.dnis} · ${c.flow.name} · `),
        pill(c.state, stateText(c.state, c.state === "ended" ? endText(c.endReason) : undefined)),
        c.priority ? [" ", priorityBadge(c.priority)] : null,
        c.agent ? h("span", ` · agent ${c.agent.name ?? c.agent.id}`) : null,
        h("span.sub", ` · ${c.interactionId}`),
      ),
    );
  }

  function renderTrace() {
    fill(traceBox);
    trace.forEach((e, i) => appendTraceRow(e, i));
  }

  function appendTraceRow(e, i) {
    const t0 = trace[0]?.at ?? e.at;
    const row = traceRow(e, i, t0);
    if (!row) return;
    const stick = traceBox.scrollTop + traceBox.clientHeight >= traceBox.scrollHeight - 30;
    traceBox.append(row);
    if (stick) traceBox.scrollTop = traceBox.scrollHeight;
  }

  return {
    unmount() {
      clearInterval(tick);
      reports.unmount();
      clearTimeout(variablesTimer);
      clearTimeout(graphTimer);
      socket.close();
      view.remove();
    },
  };
}

function stat(value, label) {
  return h("div.stat", h("div.value", value), h("div.label", label));
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * A small line chart of recent values (no axes): hand-drawn SVG, since a chart library would be
 * the UI's only dependency for two lines per queue. `max` fixes the scale (1 for a share).
 */
function sparkline(values, { max, label } = {}) {
  const w = 120;
  const hgt = 28;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label ?? "trend");
  const known = values.filter((v) => v !== null && v !== undefined);
  if (known.length < 2) return svg;
  const top = max ?? Math.max(1, ...known);
  const step = w / (values.length - 1);
  let d = "";
  values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    const x = (i * step).toFixed(1);
    const y = (hgt - 2 - (Math.min(v, top) / top) * (hgt - 4)).toFixed(1);
    d += `${d ? "L" : "M"}${x},${y}`;
  });
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`);
const secs = (ms) => (ms === null || ms === undefined ? "–" : duration(ms));

/** A KPI: the figure, what it is, and its recent trend. */
function kpi(value, label, trend, options) {
  return h("div.stat.kpi", h("div.value", value), h("div.label", label), trend ? sparkline(trend, options) : null);
}

function format(v) {
  if (v === null || v === undefined) return h("span.sub", "null");
  if (typeof v === "object") return h("code", JSON.stringify(v));
  return String(v);
}

/** One line of the trace; variables and steps are compact, HTTP calls show status and time. */
function traceRow(e, i, t0) {
  const at = h("span.at", `+${((e.at - t0) / 1000).toFixed(1)}s`);
  const where = e.flow && e.flow !== "main" ? h("span.flow", e.flow) : null;
  const row = (kind, ...content) => h(`div.ev.ev-${kind}`, { dataset: { type: e.type } }, at, where, ...content);
  switch (e.type) {
    case "step":
      return row("step", h("b", e.activity ?? ""), h("span.sub", ` ${e.activityType}`), e.port ? h("span.port", ` → ${e.port}`) : h("span.port", " (end)"));
    case "prompt":
      return row("prompt", e.music ? `♪ ${e.file ?? "music"}` : e.text !== undefined ? `“${e.text}”` : `🔈 ${e.file}`);
    case "http": {
      const ok = typeof e.status === "number" && e.status < 400;
      return row(
        "http",
        h("span.method", e.method),
        " ",
        h("span.url", { title: e.url }, shortUrl(e.url)),
        " ",
        h(`span.status.${ok ? "ok" : "bad"}`, e.status ?? e.failure ?? "failed"),
        h("span.ms", ` ${Math.round(e.ms)} ms${e.attempts > 1 ? ` · ${e.attempts} attempts` : ""}`),
      );
    }
    case "variable":
      return row("var", h("code", e.name), " = ", h("code", typeof e.value === "string" ? e.value : JSON.stringify(e.value)));
    case "input":
      return row("input", `keys: ${e.digits || "—"} (${e.outcome})`);
    case "queued":
      return row("queue", `queued in ${e.queueName ?? e.queue} at P${e.priority}`);
    case "offered":
      return row("agent", `offered to ${e.agentName ?? e.agent}`);
    case "requeued":
      if (e.reason === "transfer") return row("agent", `transferred by ${e.agentName ?? e.agent} to ${e.toName ?? e.queueName ?? e.to ?? e.queue}`);
      return row("agent", `back in queue: ${e.reason === "rona" ? "no answer from" : "declined by"} ${e.agentName ?? e.agent}`);
    case "control":
      return row("agent", `${e.agentName ?? e.agent}: ${e.action}${e.detail ? ` ${e.detail}` : ""}`);
    case "answered":
      return row("agent", `answered by ${e.agentName ?? e.agent}`);
    case "screen-pop":
      return row("pop", `screen pop (${e.target}) ${e.label ?? ""}`, h("div.sub.url", e.url));
    case "event":
      return row("event", `event flow ${e.name}`);
    case "disconnected":
      return row("end", `disconnected by the ${e.by}`);
    case "error":
      return row("error", `error: ${e.message}${e.handling ? ` (${e.handling})` : ""}`);
    case "transferred":
      return row("end", `transferred to ${e.destination}`);
    case "callback":
      return row("queue", `callback to ${e.number}`);
    case "ended":
      return row("end", `ended: ${e.reason}`);
    default:
      return row("other", e.type);
  }
}

function shortUrl(url) {
  try {
    const u = new URL(url);
    const path = decodeURIComponent(u.pathname + u.search);
    return path.length > 90 ? path.slice(0, 89) + "…" : path;
  } catch {
    return url;
  }
}
