/**
 * Loop rules: loops a caller can go round with nothing counting the rounds (menus re-asked on a
 * timeout or a wrong key, self-loops), Play Music loops with no queue to wait on, a Queue Contact
 * with nothing played after it, and a Callback not followed by a Disconnect.
 */
import type { ActivityDef, FlowDefinition, ProcessDef } from "../types.js";
import type { FlowFacts } from "./facts.js";
import type { LintDiagnostic, LintRule } from "./types.js";

/** Strongly connected components of a process that hold a cycle (Tarjan, iterative). */
export function cycles(process: ProcessDef): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  const succ = (id: string) => [...(process.next.get(id)?.values() ?? [])].filter((t) => process.activities.has(t));
  for (const root of process.activities.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; i: number }> = [{ id: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      const next = succ(top.id);
      if (top.i < next.length) {
        const t = next[top.i++]!;
        if (!index.has(t)) {
          index.set(t, counter);
          low.set(t, counter++);
          stack.push(t);
          onStack.add(t);
          work.push({ id: t, i: 0 });
        } else if (onStack.has(t)) low.set(top.id, Math.min(low.get(top.id)!, index.get(t)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.id;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.id)!));
      }
      if (low.get(top.id) === index.get(top.id)) {
        const comp: string[] = [];
        let x: string;
        do {
          x = stack.pop()!;
          onStack.delete(x);
          comp.push(x);
        } while (x !== top.id);
        const selfLoop = comp.length === 1 && succ(comp[0]!).includes(comp[0]!);
        if (comp.length > 1 || selfLoop) out.push(comp);
      }
    }
  }
  return out;
}

/** Activities that keep a queued caller company. */
const TREATMENT = new Set(["play-music", "play-message", "ivr-menu", "ivr-collectdigits", "subflow-handoff", "subflow", "callback", "queue-lookup", "ivr-virtualassistantvoice", "ivr-virtualassistant"]);

/** Ids a caller can reach once queued: everything after some Queue Contact's `default` port. */
function afterQueue(flow: FlowDefinition, facts: FlowFacts): Set<string> {
  const out = new Set<string>();
  for (const a of flow.main.activities.values()) {
    if (a.type !== "queue-contact") continue;
    const next = flow.main.next.get(a.id)?.get("default");
    if (next) for (const id of facts.reachableFrom(next)) out.add(id);
  }
  return out;
}

/** A variable the loop changes from its own value (`{{ counter + 1 }}`) and that something in the loop tests. */
function counterOf(members: ActivityDef[], facts: FlowFacts): string | undefined {
  const ids = new Set(members.map((m) => m.id));
  for (const m of members) {
    if (m.type !== "set-variable") continue;
    for (const [name, writes] of facts.writes) {
      const w = writes.find((x) => x.activity.id === m.id);
      if (!w?.expr) continue;
      const selfRef = new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i").test(w.expr.replace(/^[^{]*/, ""));
      if (!selfRef) continue;
      const tested = (facts.readsOf.get(name) ?? []).some((t) => ids.has(t.activity.id) && t.activity.type !== "set-variable");
      if (tested) return name;
    }
  }
  return undefined;
}

function names(acts: ActivityDef[]): string {
  const shown = acts.slice(0, 4).map((a) => a.name);
  return acts.length > 4 ? `${shown.join(", ")} and ${acts.length - 4} more` : shown.join(", ");
}

const loopWithoutCounter: LintRule = {
  code: "loop-without-counter",
  summary: "self-loops and menus with no counter, whose only limit is the platform's",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    const queued = afterQueue(ctx.flow, ctx.facts);
    for (const comp of cycles(ctx.flow.main)) {
      const members = comp.map((id) => ctx.flow.main.activities.get(id)!).reverse();
      // Queue treatment loops end when an agent answers (a loop that plays nothing is no treatment).
      if (members.some((m) => m.type === "queue-contact" || (queued.has(m.id) && members.some((x) => TREATMENT.has(x.type))))) continue;
      if (counterOf(members, ctx.facts)) continue;
      const menu = members.find((m) => m.type === "ivr-menu" || m.type === "ivr-collectdigits");
      // Music with no queue has its own rule.
      if (!menu && members.some((m) => m.type === "play-music")) continue;
      const head = menu ?? members[0]!;
      const loop = members.length === 1 ? `${head.name} links back to itself` : `${names(members)} form a loop`;
      const selfPorts = members.length === 1 ? [...(ctx.flow.main.next.get(head.id) ?? [])].filter(([, t]) => t === head.id).map(([p]) => p) : [];
      const onFailure = selfPorts.length > 0 && selfPorts.every((p) => p === "error" || p === "failure");
      const message = menu
        ? `${loop} with nothing counting the rounds: a caller who keeps letting ${menu.name} time out or pressing a wrong key hears it again and again, until the platform's own limit (100 visits) takes the error path`
        : onFailure
          ? `Port "${selfPorts[0]}" of ${head.name} leads back to ${head.name}: what failed once fails again at once, round and round, until the platform's own limit stops it`
          : `${loop} with nothing counting the rounds: only the platform's own limit stops it`;
      out.push({
        severity: "warning",
        code: this.code,
        message,
        path: head.path,
        activity: { id: head.id, name: head.name },
        fix: onFailure
          ? `Wire "${selfPorts[0]}" of ${head.name} to something else, such as an apology and a Queue Contact, not back to ${head.name}.`
          : `Count the rounds in a variable (Set Variable {{ tries + 1 }}) and leave the loop with a Condition after two or three, to an agent or a goodbye.`,
      });
    }
    return out;
  },
};

const musicLoopWithoutQueue: LintRule = {
  code: "music-loop-without-queue",
  summary: "Play Music loops that are not waiting on a queue",
  check(ctx) {
    // A subflow's music may well be the treatment of the caller's queue, which is in the calling flow.
    if (ctx.flow.flowType === "SUBFLOW") return [];
    const out: LintDiagnostic[] = [];
    const queued = afterQueue(ctx.flow, ctx.facts);
    for (const comp of cycles(ctx.flow.main)) {
      const members = comp.map((id) => ctx.flow.main.activities.get(id)!);
      const music = members.find((m) => m.type === "play-music");
      if (!music || members.some((m) => m.type === "queue-contact" || queued.has(m.id))) continue;
      if (members.some((m) => m.type === "ivr-menu" || m.type === "ivr-collectdigits")) continue;
      out.push({
        severity: "warning",
        code: this.code,
        message: `${music.name} plays music in a loop, but no Queue Contact comes before it: the caller waits for an agent who is never asked for`,
        path: music.path,
        activity: { id: music.id, name: music.name },
        fix: `Put a Queue Contact before the music loop, or end the loop after a few rounds.`,
      });
    }
    return out;
  },
};

const queueWithoutTreatment: LintRule = {
  code: "queue-without-treatment",
  summary: "a Queue Contact with no treatment after it",
  check(ctx) {
    if (ctx.flow.flowType === "SUBFLOW") return [];
    const out: LintDiagnostic[] = [];
    for (const a of ctx.flow.main.activities.values()) {
      if (a.type !== "queue-contact") continue;
      const next = ctx.flow.main.next.get(a.id)?.get("default");
      // An unwired default port is the validator's `unwired-port` warning.
      if (!next) continue;
      const reach = [...ctx.facts.reachableFrom(next)].map((id) => ctx.flow.main.activities.get(id)).filter((x): x is ActivityDef => !!x);
      if (reach.some((r) => TREATMENT.has(r.type) || r.type === "queue-contact")) continue;
      const first = ctx.flow.main.activities.get(next);
      out.push({
        severity: "warning",
        code: this.code,
        message: `After ${a.name} queues the call, its default path goes to ${first?.name ?? next} with nothing to play: ${first?.type === "disconnect-contact" ? "the caller is cut off before an agent answers" : "the caller waits in silence"}`,
        path: a.path,
        activity: { id: a.id, name: a.name },
        fix: `Follow ${a.name}'s default port with a Play Music (looping on itself) or a queue treatment subflow.`,
      });
    }
    return out;
  },
};

const callbackWithoutDisconnect: LintRule = {
  code: "callback-without-disconnect",
  summary: "a Callback not followed by a Disconnect",
  check(ctx) {
    const out: LintDiagnostic[] = [];
    for (const a of ctx.flow.main.activities.values()) {
      if (a.type !== "callback") continue;
      const next = ctx.flow.main.next.get(a.id)?.get("default");
      if (!next) continue;
      // Every path from the default port should reach a Disconnect, through prompts and assignments only.
      const bad: ActivityDef[] = [];
      const seen = new Set<string>();
      const walk = (id: string) => {
        if (seen.has(id)) {
          bad.push(ctx.flow.main.activities.get(id)!);
          return;
        }
        seen.add(id);
        const act = ctx.flow.main.activities.get(id);
        if (!act) return;
        if (act.type === "disconnect-contact") return;
        const succ = ctx.flow.main.next.get(id);
        const onward = act.type === "play-message" || act.type === "set-variable" || act.type === "http-request-v2" || act.type === "condition-activity";
        if (!onward || !succ || succ.size === 0) {
          bad.push(act);
          return;
        }
        for (const [port, t] of succ) if (port !== "error") walk(t);
      };
      walk(next);
      if (bad.length === 0) continue;
      out.push({
        severity: "warning",
        code: this.code,
        message: `${a.name} registers a callback, but its default path goes on to ${names([...new Set(bad)])} instead of a Disconnect Contact: the caller stays on the line (and in the queue) after being promised a call back`,
        path: a.path,
        activity: { id: a.id, name: a.name },
        fix: `Follow ${a.name}'s default port with a goodbye message and a Disconnect Contact.`,
      });
    }
    return out;
  },
};

export const loopRules: LintRule[] = [loopWithoutCounter, musicLoopWithoutQueue, queueWithoutTreatment, callbackWithoutDisconnect];
