// The dialler on the agent's desk: dial a number (outdial) while Available or Idle, and the
// contact a preview campaign holds the agent for (accept to dial it, or skip it).
import { get, post } from "./api.js";
import { act, h, toast } from "./ui.js";

const OUTCOME_WORDS = { BUSY: "busy", NO_ANSWER: "no answer", RING_NO_ANSWER: "rang out, no answer", FAILED: "the call failed" };

/** The last outdial's result per agent, kept across re-renders of the desk. */
const lastResult = new Map();

/** The outdial card: a number field and a Call button; the last result under it. */
export function outdialCard(agentId, agent) {
  const ringing = agent.state === "Idle" && agent.reason === "Outdial";
  const number = h("input#outdial-number", { type: "tel", placeholder: "+15551234567", "aria-label": "Number to dial", maxlength: 21 });
  const call = h("button#outdial.btn.primary", { type: "button", disabled: ringing }, "Call");
  const result = h("p.sub#outdial-result", ringing ? "Calling…" : (lastResult.get(agentId) ?? ""));
  const dial = () =>
    act(call, async () => {
      const dialled = number.value.trim();
      result.textContent = `Calling ${dialled}…`;
      const r = await post(`/api/agents/${encodeURIComponent(agentId)}/outdial`, { number: dialled });
      const text =
        r.outcome === "ANSWERED"
          ? `${r.number} answered: connecting you`
          : `${r.number}: ${OUTCOME_WORDS[r.outcome] ?? r.outcome}${r.sipStatus ? ` (SIP ${r.sipStatus})` : ""}${r.reason ? ` — ${r.reason}` : ""}. Contact ${r.interactionId.slice(0, 8)} ended (${r.contact?.endReason ?? r.outcome.toLowerCase()}).`;
      lastResult.set(agentId, text);
      // The desk may have been drawn again meanwhile (the agent's state changed): write to the one shown.
      (document.getElementById("outdial-result") ?? result).textContent = text;
      toast(text, r.outcome === "ANSWERED" ? "info" : "warn");
    });
  call.addEventListener("click", dial);
  number.addEventListener("keydown", (e) => {
    if (e.key === "Enter") dial();
  });
  return h("section.card.outdial#outdial-card", h("header.card-head", h("h2", "Outdial")), h("div.row", number, call), result);
}

/** A preview campaign holds the agent (Idle, reason `Campaign …`): the contact to accept or skip. */
export function previewCard(agentId, onDone) {
  const body = h("div#preview-body", h("p.sub", "Loading the campaign contact…"));
  get(`/api/agents/${encodeURIComponent(agentId)}/preview`)
    .then((p) => {
      const accept = h("button#preview-accept.btn.accept", { type: "button" }, "Call");
      const skip = h("button#preview-skip.btn", { type: "button" }, "Skip");
      accept.addEventListener("click", () => act(accept, () => post(`/api/agents/${encodeURIComponent(agentId)}/preview/accept`).then(() => toast(`Calling ${p.number}…`, "info")).then(onDone)));
      skip.addEventListener("click", () => act(skip, () => post(`/api/agents/${encodeURIComponent(agentId)}/preview/skip`).then(onDone)));
      body.replaceChildren(
        h("p", "Campaign ", h("b", p.campaignName), ": call ", h("b#preview-number", p.number), p.attempts ? ` (attempt ${p.attempts + 1})` : ""),
        h("div.row", accept, skip),
      );
    })
    .catch(() => body.replaceChildren(h("p.sub", "No campaign contact is waiting for you.")));
  return h("section.card.preview#preview-card", h("header.card-head", h("h2", "Campaign preview")), body);
}
