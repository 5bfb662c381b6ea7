/* global location */
// The web UI's entry: a hash router over the views. Each view mounts into #app and returns an
// unmount function; views talk to the server only through the API (api.js).
import { info } from "./api.js";
import { mountAgent } from "./agent.js";
import { mountSoftphone } from "./softphone.js";
import { mountSupervisor } from "./supervisor.js";
import { h } from "./ui.js";

const VIEWS = {
  phone: (root) => mountSoftphone(root),
  agent: (root) => mountAgent(root),
  supervisor: (root) => mountSupervisor(root),
  both: (root) => {
    const left = h("div.split-pane");
    const right = h("div.split-pane");
    root.append(h("div.split", left, right));
    const a = mountSoftphone(left);
    const b = mountAgent(right);
    return { unmount: () => (a.unmount(), b.unmount(), root.replaceChildren()) };
  },
};

let current;

function route() {
  const name = (location.hash.replace(/^#\/?/, "") || "phone").split("?")[0];
  const view = VIEWS[name] ? name : "phone";
  current?.unmount();
  const root = document.getElementById("app");
  root.replaceChildren();
  root.className = `view-${view}`;
  current = VIEWS[view](root);
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.view === view);
  document.title = `ccflow — ${document.querySelector(`#nav a[data-view="${view}"]`)?.textContent ?? "contact center"}`;
}

window.addEventListener("hashchange", route);
route();

info()
  .then((i) => {
    const link = document.getElementById("crm-link");
    if (i.urls.crm) {
      link.href = `${i.urls.crm}/main.aspx`;
      link.hidden = false;
    }
  })
  .catch(() => undefined);
