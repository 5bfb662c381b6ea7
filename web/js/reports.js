/* global setInterval, clearInterval */
// The supervisor's reports: today's intervals per queue from the stored contact records
// (GET /api/reports), drawn as one chart per queue, with the same figures as a CSV download.
import { get } from "./api.js";
import { duration, fill, h } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const INTERVALS = [
  ["15m", "15 minutes"],
  ["1h", "hour"],
  ["1d", "day"],
];

export function mountReports() {
  let interval = "1h";
  const charts = h("div#report-charts.report-charts", h("p.empty", "Loading the report…"));
  const csv = h("a#report-csv.btn.small", { download: "", href: csvHref(interval) }, "Download CSV");
  const picker = h(
    "div.segmented#report-interval",
    INTERVALS.map(([value, label]) =>
      h(`button.btn.small${value === interval ? ".on" : ""}`, { type: "button", dataset: { interval: value }, onclick: () => choose(value) }, label),
    ),
  );
  const element = h(
    "section.card.wide.reports-card",
    h("header.card-head", h("h2", "Reports ", h("span.sub", "today, from the stored contact records")), h("div.report-tools", picker, csv)),
    charts,
  );

  function choose(value) {
    interval = value;
    for (const b of picker.querySelectorAll("button")) b.classList.toggle("on", b.dataset.interval === value);
    csv.href = csvHref(value);
    void refresh();
  }

  async function refresh() {
    try {
      // The day's figures come from the one-day interval: averages of averages would be wrong.
      const [report, day] = await Promise.all([get(`/api/reports?interval=${encodeURIComponent(interval)}`), get("/api/reports?interval=1d")]);
      const today = new Map(day.queues.map((q) => [q.queue.id, q.intervals.at(-1)]));
      fill(charts, report.queues.length === 0 ? h("p.empty", "No queues.") : report.queues.map((q) => queueChart(q, today.get(q.queue.id), report.serviceLevelSeconds, interval)));
    } catch (err) {
      fill(charts, h("p.empty", `The report could not be read: ${err.message}`));
    }
  }

  void refresh();
  const timer = setInterval(() => void refresh(), 30_000);
  return {
    element,
    refresh,
    unmount() {
      clearInterval(timer);
    },
  };
}

function csvHref(interval) {
  return `/api/reports?interval=${encodeURIComponent(interval)}&format=csv`;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

function label(at, interval) {
  const d = new Date(at);
  if (interval === "1d") return d.toLocaleDateString([], { month: "short", day: "numeric" });
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * One queue's intervals as stacked bars (answered, abandoned, other offered) and a service-level
 * line on a 0-100% scale. Hand-drawn SVG, like the sparklines: a chart library would be the UI's
 * only dependency for one chart type.
 */
function queueChart(q, today, serviceLevelSeconds, interval) {
  const rows = q.intervals;
  const W = 640;
  const H = 170;
  const pad = { left: 30, right: 34, top: 10, bottom: 22 };
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const top = Math.max(1, ...rows.map((r) => r.offered));
  const slot = plotW / Math.max(1, rows.length);
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "report-chart", role: "img", "aria-label": `${q.queue.name}: contacts per ${interval} today` });
  chart.append(svg("line", { x1: pad.left, y1: pad.top + plotH, x2: W - pad.right, y2: pad.top + plotH, class: "axis" }));
  chart.append(svg("text", { x: pad.left - 4, y: pad.top + 8, class: "tick", "text-anchor": "end" }, String(top)));
  chart.append(svg("text", { x: pad.left - 4, y: pad.top + plotH, class: "tick", "text-anchor": "end" }, "0"));
  chart.append(svg("text", { x: W - pad.right + 4, y: pad.top + 8, class: "tick sl" }, "100%"));
  chart.append(svg("text", { x: W - pad.right + 4, y: pad.top + plotH, class: "tick sl" }, "0%"));
  const labelEvery = Math.max(1, Math.ceil(rows.length / 8));
  let line = "";
  rows.forEach((r, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    const other = Math.max(0, r.offered - r.answered - r.abandoned);
    let base = r.offered === 0 ? pad.top + plotH : y(0);
    for (const [count, cls] of [
      [r.answered, "answered"],
      [r.abandoned, "abandoned"],
      [other, "other"],
    ]) {
      if (count <= 0) continue;
      const hgt = (count / top) * plotH;
      base -= hgt;
      chart.append(svg("rect", { x: x.toFixed(1), y: base.toFixed(1), width: barW.toFixed(1), height: hgt.toFixed(1), class: `bar ${cls}` }, svg("title", {}, `${label(r.from, interval)}: ${count} ${cls}`)));
    }
    if (i % labelEvery === 0) chart.append(svg("text", { x: (x + barW / 2).toFixed(1), y: H - 6, class: "tick", "text-anchor": "middle" }, label(r.from, interval)));
    if (r.serviceLevel !== null) {
      const cx = x + barW / 2;
      const cy = pad.top + plotH - r.serviceLevel * plotH;
      line += `${line ? "L" : "M"}${cx.toFixed(1)},${cy.toFixed(1)}`;
      chart.append(svg("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: 2.5, class: "sl-point" }, svg("title", {}, `${label(r.from, interval)}: service level ${Math.round(r.serviceLevel * 100)}%`)));
    }
  });
  if (line) chart.append(svg("path", { d: line, class: "sl-line" }));
  return h(
    "div.report",
    { dataset: { report: q.queue.id } },
    h("div.report-head", h("b", q.queue.name), today ? h("span.sub.report-totals", dayLine(today, serviceLevelSeconds)) : null),
    chart,
    h("div.legend", h("span.lg.answered", "answered"), h("span.lg.abandoned", "abandoned"), h("span.lg.other", "other offered"), h("span.lg.sl", "service level")),
  );
}

/** Today in one line: counts, service level, ASA and AHT. */
function dayLine(d, serviceLevelSeconds) {
  const pct = (v) => (v === null ? "–" : `${Math.round(v * 100)}%`);
  const secs = (ms) => (ms === null ? "–" : duration(ms));
  return `Today: ${d.offered} offered · ${d.answered} answered · ${d.abandoned} abandoned · service level (≤ ${serviceLevelSeconds} s) ${pct(d.serviceLevel)} · ASA ${secs(d.asaMs)} · AHT ${secs(d.ahtMs)}`;
}
