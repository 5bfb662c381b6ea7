/* global location */
// The web UI's entry: a hash router over the views (softphone, agent desktop, supervisor, and
// the first two side by side). Views talk to the server only through the API (api.js).
import { info, session, signInAgain, signOut } from "./api.js";
import { mountAgent } from "./agent.js";
import { mountSoftphone } from "./softphone.js";
import { mountSupervisor } from "./supervisor.js";
import { h } from "./ui.js";

const MOUNT = { phone: mountSoftphone, agent: mountAgent, supervisor: mountSupervisor };
/** Which panes each route shows; "both" puts the softphone beside the agent desktop. */
const LAYOUTS = { phone: ["phone"], agent: ["agent"], supervisor: ["supervisor"], both: ["phone", "agent"] };

// Each view is mounted once, the first time it is shown, and then only hidden: switching views
// must not hang up the softphone's call or sign the agent's desktop out of its socket.
const root = document.getElementById("app");
const panes = Object.fromEntries(Object.keys(MOUNT).map((name) => [name, h(`div.pane.pane-${name}`, { hidden: true })]));
root.append(...Object.values(panes));
const mounted = new Set();

function route() {
  const name = (location.hash.replace(/^#\/?/, "") || "phone").split("?")[0];
  const view = LAYOUTS[name] ? name : "phone";
  root.className = `view-${view}`;
  for (const [pane, el] of Object.entries(panes)) {
    const shown = LAYOUTS[view].includes(pane);
    el.hidden = !shown;
    if (shown && !mounted.has(pane)) {
      mounted.add(pane);
      MOUNT[pane](el);
    }
  }
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.view === view);
  document.title = `ccflow — ${document.querySelector(`#nav a[data-view="${view}"]`)?.textContent ?? "contact center"}`;
}

/** Everything needs a signed-in person: the page signs in first, then shows who is signed in. */
async function start() {
  let me;
  try {
    me = await session();
  } catch {
    document.getElementById("app").textContent = "The server cannot be reached. Is ccflow still running?";
    return;
  }
  if (!me.signedIn) return signInAgain();
  const roles = new Set(me.user.roles);
  const who = document.getElementById("who");
  who.textContent = `${me.user.name}`;
  who.title = `${me.user.subject} · roles: ${me.user.roles.join(", ") || "none"}`;
  who.hidden = false;
  const out = document.getElementById("sign-out");
  out.hidden = me.via !== "session";
  out.addEventListener("click", () => signOut().catch(() => location.assign("/")));
  // Views the person's roles do not open stay out of the menu (the server refuses them anyway).
  const canSupervise = roles.has("supervisor") || roles.has("administrator");
  const hide = { supervisor: !canSupervise, agent: !me.user.agentId && !canSupervise, phone: !roles.has("caller"), both: !roles.has("caller") || (!me.user.agentId && !canSupervise) };
  for (const a of document.querySelectorAll("#nav a")) a.hidden = Boolean(hide[a.dataset.view]);
  window.addEventListener("hashchange", route);
  route();
}

void start();

info()
  .then((i) => {
    const link = document.getElementById("crm-link");
    if (i.urls.crm) {
      link.href = `${i.urls.crm}/main.aspx`;
      link.hidden = false;
    }
  })
  .catch(() => undefined);
