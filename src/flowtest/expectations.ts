/**
 * Checks a scenario's `expect:` against what happened: the call's event stream and the variables
 * at the end. Each failure says which expectation, what was expected and what happened instead
 * (as two lists a reporter can diff), and where in the event stream to show the transcript.
 */
import type { CallEvent, HttpEvent } from "../engine/events.js";
import type { FlowDefinition } from "../flow/types.js";
import { describePath, describeText, matchPath, matchText } from "./match.js";
import type { Expectations, Never, Occurrence, TextMatch } from "./schema.js";

export interface ExpectationFailure {
  /** Where in the scenario (`expect.prompts[2]`). */
  expectation: string;
  message: string;
  /** Expected and actual, one item per line, for a diff. */
  expected?: string[];
  actual?: string[];
  /** Index in the event list the failure is about (the transcript is shown around it). */
  eventIndex?: number;
}

export interface CheckContext {
  events: readonly CallEvent[];
  flow: FlowDefinition;
  /** Variable values at the end (secure ones masked). */
  variable(name: string): { defined: boolean; value: unknown };
  /** The request target of an HTTP event (path after the connector's base URL). */
  httpTarget(e: HttpEvent): string;
  /** The same, as sent (not decoded): a pattern may match either. */
  rawHttpTarget?(e: HttpEvent): string;
  /** Whether a connector id or name designates the connector an HTTP event went through. */
  isConnector(e: HttpEvent, ref: string): boolean;
}

type Matcher = (e: CallEvent) => boolean;

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "(not set)";
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function clip(s: string, n = 140): string {
  const one = s.replace(/\s*\n\s*/g, " ⏎ ");
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Splits `Name:port` when Name is an activity of the flow (names may contain colons). */
export function parseActivityRef(ref: string, flow: FlowDefinition): { name: string; port?: string } {
  const names = activityNames(flow);
  if (names.has(ref)) return { name: ref };
  const i = ref.lastIndexOf(":");
  if (i > 0) return { name: ref.slice(0, i), port: ref.slice(i + 1) };
  return { name: ref };
}

export function activityNames(flow: FlowDefinition): Set<string> {
  const out = new Set<string>();
  for (const p of [flow.main, flow.events]) for (const a of p.activities.values()) out.add(a.name);
  return out;
}

function describeEvent(e: CallEvent, ctx: CheckContext): string {
  switch (e.type) {
    case "prompt":
      return e.text !== undefined ? `prompt ${JSON.stringify(clip(e.text))}` : `${e.music ? "music" : "audio"} ${e.file ?? ""}`;
    case "step":
      return `${e.activity ?? "?"}${e.port ? `:${e.port}` : ""}`;
    case "http":
      return `${e.method} ${ctx.httpTarget(e)} → ${e.status ?? e.failure ?? "failed"}`;
    case "queued":
      return `queued in ${e.queueName ?? e.queue} at P${e.priority}`;
    case "screen-pop":
      return `screen pop [${e.target}] ${e.label ? `${JSON.stringify(e.label)} ` : ""}${e.url}`;
    case "ended":
      return `ended: ${e.reason}`;
    case "error":
      return `error: ${e.message}`;
    case "variable":
      return `${e.name} = ${show(e.value)}`;
    case "disconnected":
      return `disconnected by ${e.by}`;
    default:
      return e.type;
  }
}

function queuedMatcher(m: true | { queue?: string; priority?: number }): Matcher {
  return (e) => e.type === "queued" && (m === true || ((m.queue === undefined || e.queue === m.queue || e.queueName === m.queue) && (m.priority === undefined || e.priority === m.priority)));
}

function popMatcher(m: { url?: TextMatch; target?: string; label?: TextMatch }): Matcher {
  return (e) =>
    e.type === "screen-pop" &&
    (m.url === undefined || matchText(m.url, e.url)) &&
    (m.target === undefined || e.target === m.target) &&
    (m.label === undefined || matchText(m.label, e.label));
}

function httpMatcher(m: { connector?: string; method?: string; path?: Parameters<typeof matchPath>[0]; status?: number }, ctx: CheckContext): Matcher {
  return (e) =>
    e.type === "http" &&
    (m.method === undefined || e.method.toUpperCase() === m.method.toUpperCase()) &&
    (m.path === undefined || matchPath(m.path, ctx.httpTarget(e)) || (ctx.rawHttpTarget !== undefined && matchPath(m.path, ctx.rawHttpTarget(e)))) &&
    (m.status === undefined || e.status === m.status) &&
    (m.connector === undefined || ctx.isConnector(e, m.connector));
}

function valueMatches(expected: unknown, actual: unknown): boolean {
  if (expected !== null && typeof expected === "object") return matchText(expected as TextMatch, actual === null || actual === undefined ? undefined : typeof actual === "object" ? JSON.stringify(actual) : String(actual));
  if (expected === null) return actual === null || actual === undefined || actual === "";
  if (typeof expected === "number" && typeof actual === "number") return expected === actual;
  if (typeof expected === "boolean" && typeof actual === "boolean") return expected === actual;
  const text = actual === null || actual === undefined ? "" : typeof actual === "object" ? JSON.stringify(actual) : String(actual);
  return text === String(expected);
}

function describeExpectedValue(v: unknown): string {
  return v !== null && typeof v === "object" ? describeText(v as TextMatch) : show(v);
}

function occurrenceMatcher(o: Occurrence, ctx: CheckContext): { match: Matcher; label: string } {
  if (o.prompt !== undefined) {
    const m = o.prompt;
    return { match: (e) => e.type === "prompt" && matchText(m, e.text ?? e.file), label: `a prompt ${describeText(m)}` };
  }
  if (o.activity !== undefined) {
    const ref = parseActivityRef(o.activity, ctx.flow);
    return { match: (e) => e.type === "step" && e.activity === ref.name && (ref.port === undefined || e.port === ref.port), label: `activity ${o.activity}` };
  }
  if (o.event !== undefined) {
    const t = o.event;
    return { match: (e) => e.type === t, label: `a "${t}" event` };
  }
  if (o.http !== undefined) {
    const h = o.http;
    return { match: httpMatcher(h, ctx), label: `an HTTP request${h.method ? ` ${h.method}` : ""}${h.path ? ` ${describePath(h.path)}` : ""}${h.status ? ` → ${h.status}` : ""}` };
  }
  if (o.queued !== undefined) {
    const q = o.queued;
    return { match: queuedMatcher(q), label: q === true ? "queued" : `queued${q.queue ? ` in ${q.queue}` : ""}${q.priority ? ` at P${q.priority}` : ""}` };
  }
  if (o.screenPop !== undefined) return { match: popMatcher(o.screenPop), label: "a screen pop like that" };
  if (o.endReason !== undefined) {
    const r = o.endReason;
    return { match: (e) => e.type === "ended" && e.reason === r, label: `the call ending with ${r}` };
  }
  if (o.error !== undefined) {
    const m = o.error;
    return { match: (e) => e.type === "error" && matchText(m, e.message), label: `an error ${describeText(m)}` };
  }
  const v = o.variable!;
  return {
    match: (e) => e.type === "variable" && e.name === v.name && (v.value === undefined || valueMatches(v.value, e.value)),
    label: `${v.name} set${v.value === undefined ? "" : ` to ${describeExpectedValue(v.value)}`}`,
  };
}

/** Finds `wanted` in order among the events `pick` selects; reports the first that is missing. */
function inOrder<T>(
  ctx: CheckContext,
  where: string,
  what: string,
  wanted: readonly T[],
  matches: (w: T, e: CallEvent) => boolean,
  relevant: (e: CallEvent) => boolean,
  describe: (w: T) => string,
): ExpectationFailure | undefined {
  let k = 0;
  let lastIndex: number | undefined;
  const events = ctx.events;
  for (let i = 0; i < events.length && k < wanted.length; i++) {
    if (matches(wanted[k]!, events[i]!)) {
      k++;
      lastIndex = i;
    }
  }
  if (k === wanted.length) return undefined;
  const seen = events.map((e, i) => ({ e, i })).filter(({ e }) => relevant(e));
  const missing = wanted[k]!;
  // Was it there, only earlier? Then the order is what is wrong.
  const anywhere = seen.find(({ e }) => matches(missing, e));
  const message = anywhere
    ? `${what} ${k + 1} of ${wanted.length} (${describe(missing)}) happened, but not after ${what} ${k} (${describe(wanted[k - 1]!)})`
    : `${what} ${k + 1} of ${wanted.length} did not happen: ${describe(missing)}`;
  return {
    expectation: `${where}[${k}]`,
    message,
    expected: wanted.map((w, i) => `${i < k ? "✓" : i === k ? "✗" : " "} ${describe(w)}`),
    actual: seen.map(({ e }) => describeEvent(e, ctx)),
    eventIndex: anywhere?.i ?? lastIndex ?? seen[seen.length - 1]?.i,
  };
}

/** Closest actual text to an exact expectation, with the column where they part. */
export function closestText(expected: string, actual: readonly string[]): { text: string; column: number } | undefined {
  let best: { text: string; column: number; score: number } | undefined;
  for (const a of actual) {
    let i = 0;
    while (i < a.length && i < expected.length && a[i] === expected[i]) i++;
    const score = i - Math.abs(a.length - expected.length) / 1000;
    if (!best || score > best.score) best = { text: a, column: i + 1, score };
  }
  return best && best.column > 1 ? { text: best.text, column: best.column } : undefined;
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  const t = s.toLowerCase();
  for (let i = 0; i < t.length - 1; i++) {
    const g = t.slice(i, i + 2);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** The candidate sharing the most character pairs with `wanted` (Dice coefficient), if any is close. */
function mostSimilar<T extends { text: string }>(wanted: string, candidates: readonly T[]): T | undefined {
  const w = bigrams(wanted);
  const wn = [...w.values()].reduce((a, b) => a + b, 0);
  let best: { c: T; score: number } | undefined;
  for (const c of candidates) {
    // Only the part of a long prompt as long as what is wanted can match it.
    const g = bigrams(c.text);
    let common = 0;
    for (const [k, n] of w) common += Math.min(n, g.get(k) ?? 0);
    const score = (2 * common) / (wn + Math.min([...g.values()].reduce((a, b) => a + b, 0), wn));
    if (!best || score > best.score) best = { c, score };
  }
  return best && best.score >= 0.4 ? best.c : undefined;
}

export function checkExpectations(expect: Expectations, ctx: CheckContext): ExpectationFailure[] {
  const failures: ExpectationFailure[] = [];
  const events = ctx.events;
  const push = (f: ExpectationFailure | undefined) => f && failures.push(f);
  const lastIndex = events.length - 1;

  if (expect.prompts) {
    const f = inOrder(
      ctx,
      "expect.prompts",
      "prompt",
      expect.prompts,
      (w, e) => e.type === "prompt" && !e.music && matchText(w, e.text ?? e.file),
      (e) => e.type === "prompt" && !e.music,
      describeText,
    );
    if (f) {
      const missing = expect.prompts[Number(/\[(\d+)\]$/.exec(f.expectation)![1])]!;
      const exact = typeof missing === "string" ? missing : "exact" in missing ? missing.exact : undefined;
      const heard = events.map((e, i) => ({ e, i })).flatMap(({ e, i }) => (e.type === "prompt" && e.text !== undefined ? [{ text: e.text, i }] : []));
      if (!heard.some((h) => matchText(missing, h.text))) {
        // Point the transcript at the prompt most like the one expected: usually a near miss.
        const wanted = typeof missing === "string" ? missing : "exact" in missing ? missing.exact : "contains" in missing ? missing.contains : missing.regex;
        const like = mostSimilar(wanted, heard);
        if (like) f.eventIndex = like.i;
        if (exact !== undefined) {
          const near = closestText(exact, heard.map((h) => h.text));
          if (near) f.message += `\n  closest heard differs at character ${near.column}:\n    expected ${JSON.stringify(clip(exact, 400))}\n    heard    ${JSON.stringify(clip(near.text, 400))}`;
        }
      }
      failures.push(f);
    }
  }

  if (expect.activities) {
    const refs = expect.activities.map((a) => ({ raw: a, ...parseActivityRef(a, ctx.flow) }));
    const names = activityNames(ctx.flow);
    refs.forEach((r, i) => {
      if (!names.has(r.name)) failures.push({ expectation: `expect.activities[${i}]`, message: `the flow has no activity named ${JSON.stringify(r.name)}${suggest(r.name, names)}` });
    });
    if (refs.every((r) => names.has(r.name))) {
      push(
        inOrder(
          ctx,
          "expect.activities",
          "activity",
          refs,
          (w, e) => e.type === "step" && e.activity === w.name && (w.port === undefined || e.port === w.port),
          (e) => e.type === "step",
          (w) => w.raw,
        ),
      );
    }
  }

  if (expect.events) {
    push(inOrder(ctx, "expect.events", "event", expect.events, (w, e) => e.type === w, (e) => e.type !== "step" && e.type !== "variable", (w) => w));
  }

  if (expect.variables) {
    for (const [name, want] of Object.entries(expect.variables)) {
      const got = ctx.variable(name);
      if (!got.defined) {
        failures.push({ expectation: `expect.variables.${name}`, message: `the flow has no variable ${JSON.stringify(name)}${suggest(name, new Set(ctx.flow.variables.keys()))}` });
        continue;
      }
      if (!valueMatches(want, got.value)) {
        const setAt = findLast(events, (e) => e.type === "variable" && e.name === name);
        failures.push({
          expectation: `expect.variables.${name}`,
          message: `${name} is ${show(got.value)} at the end of the call, expected ${describeExpectedValue(want)}`,
          expected: [`${name} = ${describeExpectedValue(want)}`],
          actual: [`${name} = ${show(got.value)}`],
          eventIndex: setAt ?? lastIndex,
        });
      }
    }
  }

  if (expect.queued !== undefined) {
    const queued = events.map((e, i) => ({ e, i })).filter(({ e }) => e.type === "queued");
    if (expect.queued === false) {
      if (queued.length > 0) failures.push({ expectation: "expect.queued", message: `the caller was queued (${describeEvent(queued[0]!.e, ctx)}), expected never to be`, eventIndex: queued[0]!.i });
    } else {
      const m = queuedMatcher(expect.queued === true ? true : expect.queued);
      if (!queued.some(({ e }) => m(e))) {
        const want = expect.queued === true ? "queued" : `queued${expect.queued.queue ? ` in ${expect.queued.queue}` : ""}${expect.queued.priority ? ` at P${expect.queued.priority}` : ""}`;
        failures.push({
          expectation: "expect.queued",
          message: queued.length ? `the caller was queued, but not as expected` : "the caller was never queued",
          expected: [want],
          actual: queued.length ? queued.map(({ e }) => describeEvent(e, ctx)) : ["(not queued)"],
          eventIndex: queued[0]?.i ?? lastIndex,
        });
      }
    }
  }

  if (expect.screenPop !== undefined) {
    const list = Array.isArray(expect.screenPop) ? expect.screenPop : [expect.screenPop];
    const pops = events.map((e, i) => ({ e, i })).filter(({ e }) => e.type === "screen-pop");
    list.forEach((want, k) => {
      if (pops.some(({ e }) => popMatcher(want)(e))) return;
      const parts = [want.url !== undefined ? `url ${describeText(want.url)}` : "", want.target ? `target ${want.target}` : "", want.label !== undefined ? `label ${describeText(want.label)}` : ""].filter(Boolean);
      failures.push({
        expectation: Array.isArray(expect.screenPop) ? `expect.screenPop[${k}]` : "expect.screenPop",
        message: pops.length ? "no screen pop matched" : "there was no screen pop",
        expected: [`screen pop with ${parts.join(", ") || "anything"}`],
        actual: pops.length ? pops.map(({ e }) => describeEvent(e, ctx)) : ["(no screen pop)"],
        eventIndex: pops[0]?.i ?? lastIndex,
      });
    });
  }

  if (expect.endReason !== undefined) {
    const endedAt = events.findIndex((e) => e.type === "ended");
    const ended = endedAt >= 0 ? events[endedAt] : undefined;
    const reason = ended?.type === "ended" ? ended.reason : undefined;
    if (reason !== expect.endReason) {
      failures.push({
        expectation: "expect.endReason",
        message: `the call ended with ${reason ?? "(no end)"}, expected ${expect.endReason}`,
        expected: [expect.endReason],
        actual: [reason ?? "(the call did not end)"],
        eventIndex: endedAt >= 0 ? endedAt : lastIndex,
      });
    }
  }

  if (expect.http) {
    expect.http.forEach((want, k) => {
      const m = httpMatcher(want, ctx);
      const hits = events.map((e, i) => ({ e, i })).filter(({ e }) => m(e));
      const ok = want.count === undefined ? hits.length > 0 : hits.length === want.count;
      if (ok) return;
      const label = `${want.method ?? "any method"} ${want.path ? describePath(want.path) : "any path"}${want.status ? ` → ${want.status}` : ""}${want.connector ? ` via ${want.connector}` : ""}`;
      const all = events.map((e, i) => ({ e, i })).filter(({ e }) => e.type === "http");
      failures.push({
        expectation: `expect.http[${k}]`,
        message: `${hits.length} request${hits.length === 1 ? "" : "s"} ${label}, expected ${want.count === undefined ? "at least one" : want.count}`,
        expected: [`${want.count ?? "≥1"} × ${label}`],
        actual: all.length ? all.map(({ e }) => describeEvent(e, ctx)) : ["(no HTTP requests)"],
        eventIndex: hits[want.count ?? 0]?.i ?? all[0]?.i ?? lastIndex,
      });
    });
  }

  (expect.never ?? []).forEach((n: Never, k) => {
    const { before, ...what } = n;
    const o = occurrenceMatcher(what, ctx);
    let bound = events.length;
    let boundLabel = "";
    if (before) {
      const b = occurrenceMatcher(before, ctx);
      const at = events.findIndex((e) => b.match(e));
      if (at >= 0) bound = at;
      boundLabel = ` before ${b.label}`;
    }
    for (let i = 0; i < bound; i++) {
      if (o.match(events[i]!)) {
        failures.push({
          expectation: `expect.never[${k}]`,
          message: `${o.label} happened${boundLabel}${before && bound === events.length ? " (which never came)" : ""}, expected never: ${describeEvent(events[i]!, ctx)}`,
          eventIndex: i,
        });
        return;
      }
    }
  });

  return failures;
}

function findLast<T>(list: readonly T[], pred: (t: T) => boolean): number | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return i;
  return undefined;
}

/** ` (did you mean "X"?)` when a known name is close. */
export function suggest(name: string, known: Set<string>): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${JSON.stringify(best)}?)` : "";
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
