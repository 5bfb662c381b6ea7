/**
 * The picture for `ccflow graph --diff A B`: the newer flow as the designer lays it out, with
 * the older flow's removed activities and links put back where they were, and marks saying what
 * was added, removed or changed (activities) and added, removed or rewired (links).
 */
import { diffFlows, matchActivities } from "../flow/diff/index.js";
import type { ActivityDef, FlowDefinition, LinkDef, ProcessDef } from "../flow/types.js";

export type ActivityMark = "added" | "removed" | "changed";
export type LinkMark = "added" | "removed" | "rewired";

export interface DiffMarks {
  activities: Map<string, ActivityMark>;
  links: Map<string, LinkMark>;
  /** `A → B`, for the title. */
  title: string;
}

function overlay(a: ProcessDef, b: ProcessDef, match: Map<string, string>, marks: DiffMarks): ProcessDef {
  const aToB = new Map([...match].map(([bid, aid]) => [aid, bid]));
  const activities = new Map(b.activities);
  const links: LinkDef[] = [...b.links];
  const next = new Map([...b.next].map(([k, v]) => [k, new Map(v)]));
  for (const [id, act] of a.activities) {
    if (aToB.has(id) || act.type === "event") continue;
    activities.set(id, act);
    marks.activities.set(id, "removed");
  }
  const key = (from: string, port: string) => `${from}\u0000${port}`;
  const oldLinks = new Map(a.links.map((l) => [key(aToB.get(l.source) ?? l.source, l.port), l]));
  const newLinks = new Map(b.links.map((l) => [key(l.source, l.port), l]));
  for (const l of b.links) {
    const old = oldLinks.get(key(l.source, l.port));
    const oldTarget = old ? (aToB.get(old.target) ?? old.target) : undefined;
    if (!old) marks.links.set(l.id, "added");
    else if (oldTarget !== l.target) marks.links.set(l.id, "rewired");
  }
  for (const [k, l] of oldLinks) {
    const now = newLinks.get(k);
    const source = aToB.get(l.source) ?? l.source;
    const target = aToB.get(l.target) ?? l.target;
    if (now && now.target === target) continue;
    const id = `removed:${l.id}`;
    links.push({ ...l, id, source, target });
    marks.links.set(id, "removed");
    if (!next.has(source)) next.set(source, new Map());
    if (!next.get(source)!.has(l.port)) next.get(source)!.set(l.port, target);
  }
  return { activities, links, next };
}

/** The newer flow with the older one's removed parts put back, and the marks to draw. */
export function diffPicture(a: FlowDefinition, b: FlowDefinition, title?: string): { flow: FlowDefinition; marks: DiffMarks } {
  const d = diffFlows(a, b);
  const match = matchActivities(a, b);
  const marks: DiffMarks = { activities: new Map(), links: new Map(), title: title ?? `${a.name} → ${b.name}` };
  for (const x of d.added) marks.activities.set(x.id, "added");
  for (const c of d.changed) marks.activities.set(c.activity.id, "changed");
  const main = overlay(a.main, b.main, match, marks);
  const events = overlay(a.events, b.events, match, marks);
  const layout = new Map(b.layout);
  const eventLayout = new Map(b.eventLayout);
  // A removed activity goes back where it was, unless something new stands there now: then it
  // moves below everything, in the same column, so neither hides the other.
  const bottom = (m: Map<string, { x: number; y: number }>) => Math.max(0, ...[...m.values()].map((p) => p.y));
  const below = { main: bottom(layout) + 260, event: bottom(eventLayout) + 260 };
  for (const [id, m] of marks.activities) {
    if (m !== "removed") continue;
    const act: ActivityDef | undefined = a.main.activities.get(id) ?? a.events.activities.get(id);
    const kind = act?.process === "event" ? "event" : "main";
    const target = kind === "event" ? eventLayout : layout;
    const at = kind === "event" ? a.eventLayout.get(id) : a.layout.get(id);
    if (!at) continue;
    const taken = [...target.values()].some((p) => Math.abs(p.x - at.x) < 190 && Math.abs(p.y - at.y) < 160);
    if (!taken) target.set(id, at);
    else {
      target.set(id, { x: at.x, y: below[kind] });
      below[kind] += 200;
    }
  }
  return { flow: { ...b, main, events, layout, eventLayout }, marks };
}
