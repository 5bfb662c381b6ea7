/* global sessionStorage */
// The agent's headset: a WebRTC line to the server (GET /api/agents/{id}/audio) that stays up
// between calls. When the agent answers a phone call, the server bridges the caller to it; a
// caller on hold hears music. Remembered per tab: a reload reconnects it.
import { openAudioLine } from "./audio-line.js";
import { h, toast } from "./ui.js";

const STATUS = {
  off: "Off — connect to talk with callers",
  connecting: "Connecting…",
  connected: "Connected — callers you answer are heard here",
  failed: "The audio connection failed",
  closed: "Disconnected",
  bridged: "On a call — you and the caller hear each other",
  held: "The caller is on hold (hearing music)",
  muted: "On a call, muted — the caller does not hear you",
  consulting: "Consult — you and the other agent hear each other; the caller hears music",
  conference: "Conference — you, the other agent and the caller hear each other",
};

export function mountHeadset(container, agentId) {
  const audio = h("audio#headset-audio", { autoplay: true });
  const status = h("span.sub#headset-status", STATUS.off);
  const toggle = h("button#headset-toggle.btn.small", { type: "button" }, "Connect headset");
  const card = h("section.card.headset#headset", h("header.card-head", h("h2", "Headset"), status), h("div.row", toggle), audio);
  container.prepend(card);
  let line;
  const key = `ccflow.headset.${agentId}`;

  const show = (s) => {
    status.textContent = STATUS[s] ?? s;
    card.dataset.state = s;
  };

  function on() {
    sessionStorage.setItem(key, "on");
    toggle.textContent = "Disconnect headset";
    line = openAudioLine(`/api/agents/${encodeURIComponent(agentId)}/audio`, {
      audio,
      onState: (s) => show(s),
      onNotice: (m) => {
        if (m.type === "bridged" || m.type === "resumed" || m.type === "unmuted") show("bridged");
        else if (m.type === "held" || m.type === "muted" || m.type === "consulting" || m.type === "conference") show(m.type);
        else if (m.type === "unbridged") show("connected");
        else if (m.type === "error") toast(m.error.message, "error");
      },
    });
    // For diagnostics (and the browser tests): the line's current RTCPeerConnection.
    window.ccflowHeadset = line;
  }

  function off() {
    sessionStorage.removeItem(key);
    line?.close();
    line = undefined;
    window.ccflowHeadset = undefined;
    toggle.textContent = "Connect headset";
    show("off");
  }

  toggle.addEventListener("click", () => (line ? off() : on()));
  if (sessionStorage.getItem(key) === "on") on();

  return {
    close() {
      line?.close();
      line = undefined;
      card.remove();
    },
  };
}
