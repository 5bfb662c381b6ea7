/* global sessionStorage, location */
// The agent desktop: sign in as a demo agent, go Available or Idle, take offers (with the flow's
// call-associated data), see the screen pops the flow sends, end the call and wrap up.
import { connect, info, post, session } from "./api.js";
import { mountHeadset } from "./headset.js";
import { outdialCard, previewCard } from "./outdial.js";
import { act, clock, duration, endText, fill, h, idleText, pill, priorityBadge, stateText, ticker, toast } from "./ui.js";

const IDLE_REASONS = ["Break", "Lunch", "Meeting", "Training", "Admin"];
const TARGET_TEXT = { newBrowserTab: "New browser tab", sameBrowserTab: "Screen-pop tab", insideDesktop: "Inside the desktop" };

/**
 * Pops to the embedded CRM name the address the server gave itself (127.0.0.1); a desktop that
 * reached the server under another name (another machine, localhost) opens them under that one.
 */
let crmBase;
info()
  .then((i) => (crmBase = i.urls.crm))
  .catch(() => undefined);
function localize(url) {
  if (crmBase && url.startsWith(`${crmBase}/`) && location.origin !== crmBase) return location.origin + url.slice(crmBase.length);
  return url;
}

export function mountAgent(root) {
  let agentId = sessionStorage.getItem("ccflow.agent") ?? undefined;

  let socket;
  let headset;
  let desk;
  /** Pops received in this session, newest first: {url, target, label, at, interactionId, blocked} */
  const pops = [];
  let insidePop;

  const view = h("div.view.agent-view");
  const main = h("div.agent-main");
  const side = h(
    "div.agent-side",
    h("section.card.pop-pane#pop-pane", h("header.card-head", h("h2", "Screen pop"), h("span.sub#pop-pane-label", "")), h("div.pop-frame#pop-frame", h("p.empty", "Pops with target “Inside the desktop” open here."))),
    h("section.card.pops", h("header.card-head", h("h2", "Screen pops received")), h("ul#pop-list.pop-list", h("li.empty", "None yet."))),
  );
  view.append(main, side);
  root.append(view);

  session()
    .catch(() => ({}))
    .then((me) => {
      // Signed in as an agent: that agent's desk, whatever this tab remembered.
      const mine = me.user?.agentId;
      if (mine && agentId && agentId !== mine) {
        sessionStorage.removeItem("ccflow.agent");
        agentId = undefined;
      }
      if (agentId) signIn(agentId, false);
      else renderSignIn();
    });

  function renderSignIn() {
    const select = h("select#agent-select", { "aria-label": "Agent" });
    const button = h("button#sign-in.btn.primary", { type: "button" }, "Sign in");
    fill(
      main,
      h(
        "section.card.sign-in",
        h("header.card-head", h("h2", "Agent desktop")),
        h("p", "Sign in as one of the demo agents. Offers from their queues ring here; screen pops open when you accept."),
        h("div.field", h("label", { for: "agent-select" }, "Agent"), select),
        h("div.row", button),
      ),
    );
    Promise.all([info(), session()])
      .then(([i, me]) => {
        // A person who is an agent gets their own desktop; a supervisor may open anyone's.
        const mine = me.user?.agentId;
        const humans = i.demo.agents.filter((a) => !a.simulated && (!mine || a.id === mine));
        fill(select, humans.map((a) => h("option", { value: a.id }, `${a.name}${a.teamName ? ` — ${a.teamName}` : ""}${a.email ? ` (${a.email})` : ""}`)));
        if (humans.length === 0) fill(select, h("option", { value: "" }, "No agents in the environment file"));
      })
      .catch((err) => toast(err.message, "error"));
    button.addEventListener("click", () => act(button, () => signIn(select.value, true)));
  }

  async function signIn(id, fresh) {
    if (!id) throw new Error("Choose an agent");
    try {
      desk = await post(`/api/agents/${encodeURIComponent(id)}/login`);
    } catch (err) {
      sessionStorage.removeItem("ccflow.agent");
      if (!fresh) return renderSignIn();
      throw err;
    }
    agentId = id;
    sessionStorage.setItem("ccflow.agent", id);
    for (const p of desk.contact?.screenPops ?? []) remember(p, desk.contact.interactionId, false);
    renderPops();
    render();
    headset ??= mountHeadset(side, id);
    socket = connect(`/api/agents/${encodeURIComponent(id)}/ws`, {
      onMessage,
      onStatus: (s) => view.classList.toggle("offline", s !== "open"),
    });
  }

  async function signOut(button) {
    await act(button, async () => {
      await post(`/api/agents/${encodeURIComponent(agentId)}/logout`);
      socket?.close();
      socket = undefined;
      headset?.close();
      headset = undefined;
      sessionStorage.removeItem("ccflow.agent");
      agentId = undefined;
      desk = undefined;
      renderSignIn();
    });
  }

  function onMessage(m) {
    if (m.type === "desk") {
      desk = m.desk;
      render();
    } else if (m.type === "event") {
      const e = m.event;
      if (e.type === "screen-pop") onScreenPop(e);
      else if (e.type === "offer") toast(`Incoming call from ${e.ani}`, "info");
      else if (e.type === "offer-cancelled") toast(e.reason === "rona" ? "The offer rang out (RONA): you are Idle" : e.reason === "caller-hangup" ? "The caller hung up" : `Offer withdrawn (${e.reason})`, "warn");
      else if (e.type === "ended" && e.by !== "agent") toast(e.by === "caller" ? "The caller hung up" : `The call ended (${e.reason})`, "warn");
      else if (e.type === "contact-updated") toast(`The caller's number is now ${e.ani || "withheld"}`, "info");
      else if (e.type === "consult") toast(e.state === "started" ? "Consult started" : e.state === "transferred" ? "The caller was transferred" : "The consult ended", "info");
    } else if (m.type === "error") {
      toast(m.error.message, "error");
    }
  }

  // ---- screen pops

  function onScreenPop(e) {
    const pop = remember(e, e.interactionId, true);
    if (!pop.safe) {
      toast(`Screen pop refused: only http and https addresses open (${pop.url.slice(0, 60)})`, "error");
    } else if (e.target === "insideDesktop") {
      showInside(pop);
    } else {
      const name = e.target === "sameBrowserTab" ? "ccflow-screen-pop" : "_blank";
      const w = window.open(pop.url, name);
      if (!w) {
        pop.blocked = true;
        toast("The browser blocked the screen pop; open it from the list (or allow pop-ups for this site)", "warn");
      }
    }
    renderPops();
  }

  function remember(p, interactionId, live) {
    const known = pops.find((x) => x.url === localize(p.url) && x.at === p.at);
    if (known) return known;
    const url = localize(p.url);
    // A flow builds this address; never let it run script in the desktop (javascript:, data:...).
    const pop = { url, safe: /^https?:\/\//i.test(url), target: p.target, label: p.label, at: p.at, interactionId, live };
    pops.unshift(pop);
    if (pop.safe && pop.target === "insideDesktop" && !insidePop) showInside(pop);
    return pop;
  }

  function showInside(pop) {
    insidePop = pop;
    document.getElementById("pop-pane-label").textContent = pop.label ?? "";
    fill(document.getElementById("pop-frame"), h("iframe#pop-iframe", { src: pop.url, title: pop.label ?? "Screen pop" }));
  }

  function renderPops() {
    const list = document.getElementById("pop-list");
    if (!list) return;
    fill(
      list,
      pops.length === 0
        ? h("li.empty", "None yet.")
        : pops.map((p) =>
            h(
              "li.pop",
              h("div.pop-head", h("b", p.label || "Screen pop"), h("span.target", TARGET_TEXT[p.target] ?? p.target), h("span.time", clock(p.at))),
              p.safe ? h("a.pop-url", { href: p.url, target: p.target === "sameBrowserTab" ? "ccflow-screen-pop" : "_blank", rel: "opener" }, p.url) : h("span.pop-url.blocked", p.url),
              p.blocked ? h("span.blocked", "blocked by the browser — click the link to open") : null,
              p.safe && p.target === "insideDesktop" ? h("button.btn.small", { type: "button", onclick: () => showInside(p) }, "Show here") : null,
            ),
          ),
    );
  }

  // ---- the desk

  function render() {
    if (!desk) return;
    const a = desk.agent;
    const stateBar = h(
      "section.card.state-bar",
      h("div.who", h("div.avatar", initials(a.name)), h("div", h("div.name#agent-name", a.name), h("div.sub", [a.email, a.teamName ?? a.teamId].filter(Boolean).join(" · ")))),
      h("div.state", pill(a.state, stateText(a.state, a.state === "Idle" ? idleText(a.reason) : undefined)), ticker(h("span.since"), (el) => (el.textContent = duration(Date.now() - a.since)))),
      h("div.state-actions", ...stateButtons(a)),
    );
    const body = [];
    if (desk.offer) body.push(offerCard(desk.offer));
    else if (a.state === "Engaged" && desk.contact) body.push(callCard(desk.contact));
    else if (a.state === "WrapUp") body.push(wrapUpCard(desk.contact));
    else body.push(waitingCard(a), ...diallerCards(a));
    fill(main, stateBar, ...body);
  }

  function stateButtons(a) {
    const buttons = [];
    if (a.state === "LoggedOut" || a.state === "Idle") {
      const b = h("button#go-available.btn.primary", { type: "button" }, "Go Available");
      b.addEventListener("click", () => act(b, () => post(`/api/agents/${agentId}/state`, { state: "Available" }).then(update)));
      buttons.push(b);
    }
    if (a.state === "Available" || a.state === "Idle") {
      const reason = h("select#idle-reason", { "aria-label": "Idle reason" }, IDLE_REASONS.map((r) => h("option", { value: r, selected: a.reason === r }, r)));
      const b = h("button#go-idle.btn", { type: "button" }, a.state === "Idle" ? "Change reason" : "Go Idle");
      b.addEventListener("click", () => act(b, () => post(`/api/agents/${agentId}/state`, { state: "Idle", reason: reason.value }).then(update)));
      buttons.push(h("span.idle-group", reason, b));
    }
    const out = h("button#sign-out.btn.ghost", { type: "button", disabled: a.state === "Engaged" || a.state === "Reserved" }, "Sign out");
    out.addEventListener("click", () => signOut(out));
    buttons.push(out);
    return buttons;
  }

  function offerCard(o) {
    const accept = h("button#accept.btn.accept", { type: "button" }, "Accept");
    const decline = h("button#decline.btn.decline", { type: "button" }, "Decline");
    accept.addEventListener("click", () => act(accept, () => post(`/api/agents/${agentId}/accept`, { offerId: o.offerId }).then(update)));
    decline.addEventListener("click", () => act(decline, () => post(`/api/agents/${agentId}/decline`, { offerId: o.offerId }).then(update)));
    return h(
      "section.card.offer#offer",
      h("header.card-head", h("h2", h("span.ring-dot"), o.kind === "callback" ? "Callback to place" : "Incoming call"), ticker(h("span.countdown"), (el) => (el.textContent = `rings ${duration(o.offeredAt + o.ringTimeoutMs - Date.now())}`))),
      h("div.offer-main", h("div.ani#offer-ani", o.ani), h("div.meta", h("span", o.queue.name), priorityBadge(o.priority), o.via === "direct" ? h("span.tag", "for you") : null)),
      cadTable(o.callAssociatedData),
      h("div.row.offer-actions", accept, decline),
    );
  }

  function callCard(c) {
    const base = `/api/agents/${agentId}`;
    const run = (button, path, body) => act(button, () => post(`${base}/${path}`, body).then(update));
    const ctl = c.controls ?? { held: false, muted: false };
    const consult = desk.consult;
    const buttons = [];
    if (consult?.role === "consulted") {
      const leave = h("button#end-consult.btn.hangup", { type: "button" }, "End consult");
      leave.addEventListener("click", () => run(leave, "consult/end"));
      buttons.push(leave);
    } else {
      const hold = h(`button#${ctl.held ? "resume" : "hold"}.btn`, { type: "button" }, ctl.held ? "Resume" : "Hold");
      hold.addEventListener("click", () => run(hold, ctl.held ? "resume" : "hold"));
      const mute = h(`button#mute.btn${ctl.muted ? ".on" : ""}`, { type: "button", "aria-pressed": ctl.muted ? "true" : "false" }, ctl.muted ? "Unmute" : "Mute");
      mute.addEventListener("click", () => run(mute, "mute", { muted: !ctl.muted }));
      const end = h("button#end-call.btn.hangup", { type: "button" }, "End call");
      end.addEventListener("click", () => run(end, "end"));
      // The caller stays on hold while Ana consults (the server refuses a resume then).
      buttons.push(...(consult?.role === "asking" ? [] : [hold]), mute, end);
    }
    return h(
      "section.card.on-call#on-call",
      h(
        "header.card-head",
        h("h2", consult?.role === "consulted" ? `${consult.conference ? "Conference" : "Consult"} with ${consult.with.name}` : "On a call", ctl.held ? h("span.tag.held#held-tag", "on hold") : null, ctl.muted ? h("span.tag#muted-tag", "muted") : null),
        ticker(h("span.timer.big"), (el) => (el.textContent = duration(Date.now() - (c.answeredAt ?? Date.now())))),
      ),
      h("div.offer-main", h("div.ani", c.ani), h("div.meta", h("span", c.queue ? queueName(c.queue.id, c.queue.name) : ""), priorityBadge(c.priority))),
      cadTable(c.callAssociatedData, consult?.role === "consulted" ? undefined : (name, value, button) => run(button, "cad", { name, value })),
      h("div.row.call-controls", ...buttons),
      consult?.role === "consulted" ? null : transferBox(consult, run),
    );
  }

  /** Transfer (blind, to a queue or an agent) and consult, or the consult under way. */
  function transferBox(consult, run) {
    if (consult?.role === "asking") {
      const complete = h("button#consult-transfer.btn.primary", { type: "button" }, `Transfer to ${consult.with.name}`);
      const cancel = h("button#consult-end.btn", { type: "button" }, consult.conference ? `Let ${consult.with.name} go` : "End consult");
      complete.addEventListener("click", () => run(complete, "consult/transfer"));
      cancel.addEventListener("click", () => run(cancel, "consult/end"));
      if (consult.number) return h("div.transfer-box#consulting", h("p", "Consulting ", h("b", consult.number), " — the caller is on hold."), h("div.row", complete, cancel));
      if (consult.conference) return h("div.transfer-box#consulting", h("p", "Conference with ", h("b", consult.with.name), " and the caller — all three hear each other."), h("div.row", complete, cancel));
      const conference = h("button#consult-conference.btn", { type: "button" }, "Conference");
      conference.addEventListener("click", () => run(conference, "consult/conference"));
      return h("div.transfer-box#consulting", h("p", "Consulting ", h("b", consult.with.name), consult.queue ? ` of ${consult.queue.name}` : "", " — the caller is on hold."), h("div.row", complete, conference, cancel));
    }
    const queues = h("select#transfer-queue", { "aria-label": "Queue to transfer to" }, (desk.transferQueues ?? []).map((q) => h("option", { value: q.id }, q.name)));
    const agents = h("select#transfer-agent", { "aria-label": "Agent" });
    info()
      .then((i) => fill(agents, i.demo.agents.filter((a) => !a.simulated && a.id !== agentId).map((a) => h("option", { value: a.id }, a.name))))
      .catch(() => undefined);
    const toQueue = h("button#transfer-to-queue.btn", { type: "button" }, "Transfer");
    const askQueue = h("button#consult-queue.btn", { type: "button" }, "Consult");
    const toAgent = h("button#transfer-to-agent.btn", { type: "button" }, "Transfer");
    const ask = h("button#consult.btn", { type: "button" }, "Consult");
    toQueue.addEventListener("click", () => run(toQueue, "transfer", { queue: queues.value }));
    // The queue's agent Available the longest is brought in (refused when none is).
    askQueue.addEventListener("click", () => run(askQueue, "consult", { queue: queues.value }));
    toAgent.addEventListener("click", () => run(toAgent, "transfer", { agent: agents.value }));
    ask.addEventListener("click", () => run(ask, "consult", { agent: agents.value }));
    // An outside number from the environment's dial plan: the request returns once it answered (or failed).
    const number = h("input#transfer-number", { type: "tel", placeholder: "+15551234567", "aria-label": "Outside number", maxlength: 21 });
    const toNumber = h("button#transfer-to-number.btn", { type: "button" }, "Transfer");
    toNumber.addEventListener("click", () => run(toNumber, "transfer", { number: number.value.trim() }));
    // Talk to the number first (through the headset), the caller on hold; then transfer or end.
    const askNumber = h("button#consult-number.btn", { type: "button" }, "Consult");
    askNumber.addEventListener("click", () => run(askNumber, "consult", { number: number.value.trim() }));
    return h(
      "div.transfer-box",
      h("div.row", h("span.sub", "To a queue"), queues, toQueue, askQueue),
      h("div.row", h("span.sub", "To an agent"), agents, toAgent, ask),
      h("div.row", h("span.sub", "To a number"), number, toNumber, askNumber),
    );
  }

  function wrapUpCard(c) {
    const codes = desk.wrapUpCodes ?? [];
    const code = codes.length ? h("select#wrapup-code", { "aria-label": "Wrap-up code" }, h("option", { value: "" }, "Choose a wrap-up code…"), codes.map((x) => h("option", { value: x.id }, x.name))) : null;
    const notes = h("textarea#wrapup-notes", { rows: 3, maxlength: 2000, placeholder: "Notes (saved with the contact)", "aria-label": "Notes" });
    const body = (extra) => ({ ...extra, ...(code && code.value ? { code: code.value } : {}), ...(notes.value.trim() ? { notes: notes.value.trim() } : {}) });
    const available = h("button#wrapup-available.btn.primary", { type: "button" }, "Wrap-up done · Available");
    const idle = h("button#wrapup-idle.btn", { type: "button" }, "Wrap-up done · Idle");
    available.addEventListener("click", () => act(available, () => post(`/api/agents/${agentId}/wrapup`, body({ state: "Available" })).then(update)));
    idle.addEventListener("click", () => act(idle, () => post(`/api/agents/${agentId}/wrapup`, body({ state: "Idle", reason: "Admin" })).then(update)));
    return h(
      "section.card.wrap-up#wrap-up",
      h("header.card-head", h("h2", "Wrap-up")),
      c ? h("p", "Call with ", h("b", c.ani), c.endedReason ? ` ended (${endText(c.endedReason)}).` : " ended.") : h("p", "The call ended."),
      c ? cadTable(c.callAssociatedData) : null,
      code ? h("div.field", h("label", { for: "wrapup-code" }, "Wrap-up code"), code) : null,
      h("div.field", h("label", { for: "wrapup-notes" }, "Notes"), notes),
      h("div.row", available, idle),
    );
  }

  /** Outdial while Available or Idle; the contact a preview campaign holds the agent for. */
  function diallerCards(a) {
    if (a.state === "Idle" && a.reason?.startsWith("Campaign ")) return [previewCard(agentId, () => undefined)];
    return a.state === "Available" || a.state === "Idle" ? [outdialCard(agentId, a)] : [];
  }

  function waitingCard(a) {
    const text =
      a.state === "Available"
        ? "Waiting for a call. Offers from your queues ring here."
        : a.state === "LoggedOut"
          ? "Signed out."
          : "You are Idle: go Available to take calls.";
    return h("section.card.waiting", h("div.waiting-inner", h("div.big-icon", a.state === "Available" ? "☎" : "☕"), h("p", text), h("p.sub#agent-queues", `Queues: ${(desk.queues ?? []).map((q) => q.name).join(", ") || "none"}`)));
  }

  /** The desk view names the agent's queues; a contact's own queue name wins. */
  function queueName(id, name) {
    return name ?? desk?.queues?.find((q) => q.id === id)?.name ?? id;
  }

  function update(view) {
    desk = view;
    render();
  }

  return {
    unmount() {
      socket?.close();
      headset?.close();
      view.remove();
    },
  };
}

/** Call-associated data; items the flow marks isAgentEditable get a field when `save` is given. */
function cadTable(items, save) {
  if (!items || items.length === 0) return h("p.sub", "No call-associated data.");
  return h(
    "table.cad#cad",
    h(
      "tbody",
      items.map((i) => {
        if (!(i.editable && save)) return h("tr", h("th", i.label), h("td", { dataset: { name: i.name } }, i.value === "" ? "—" : i.value));
        const input = h("input.cad-input", { value: i.value, "aria-label": i.label, dataset: { edit: i.name }, maxlength: 1000 });
        const button = h("button.btn.small", { type: "button", dataset: { save: i.name } }, "Save");
        button.addEventListener("click", () => save(i.name, input.value, button));
        return h("tr", h("th", i.label), h("td", { dataset: { name: i.name } }, h("span.cad-edit", input, button)));
      }),
    ),
  );
}

function initials(name) {
  return name
    .split(/\s+/)
    .map((p) => p[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
}
