/* global localStorage, speechSynthesis, SpeechSynthesisUtterance, HTMLInputElement, HTMLSelectElement, CSS, setTimeout, setInterval, clearInterval, URL */
// The softphone: be the customer. Dial a number into a flow, hear (and read) its prompts, press
// keys, hang up. Prompts are spoken with the browser's speech synthesis where it has voices; the
// server then waits for each one to finish before the flow moves on. With "Real audio" on, the call
// carries sound over WebRTC instead: the server plays the prompts (TTS, files, hold music), the
// keypad sends RFC 4733 tones, an agent's headset is bridged in, and the transcript stays as subtitles.
import { connect, get, info, post } from "./api.js";
import { act, duration, endText, fill, h, priorityBadge, toast } from "./ui.js";
import { Sounds } from "./sounds.js";
import { openAudioLine } from "./audio-line.js";

const KEYS = [
  ["1", ""], ["2", "ABC"], ["3", "DEF"],
  ["4", "GHI"], ["5", "JKL"], ["6", "MNO"],
  ["7", "PQRS"], ["8", "TUV"], ["9", "WXYZ"],
  ["*", ""], ["0", "+"], ["#", ""],
];

/** Webex's event flows, as a caller would say what just happened. */
const EVENT_FLOW_WORDS = {
  AgentOfferContact: "Ringing an agent",
  AgentAnswered: "Agent answered",
  AgentContactAssigned: "Agent answered",
  AgentDisconnected: "Agent left the call",
  PhoneContactEnded: "Call ended",
  OnGlobalError: "Handling an error",
  GlobalErrorHandling: "Handling an error",
};
const PORT_WORDS = { default: "done", out: "done", true: "yes", false: "no", error: "failed", failure: "failed", timeout: "no answer in time", invalid: "not a valid choice" };

/** One line for the "what the flow is doing" strip, or undefined to keep the last one. */
export function describeEvent(e) {
  switch (e.type) {
    case "step": {
      const name = e.activity ?? e.activityType;
      if (e.flow && e.flow !== "main") return `${EVENT_FLOW_WORDS[e.flow] ?? `Event ${e.flow}`}: ${name}${e.port ? "" : " (done)"}`;
      return e.port ? `${name}: ${PORT_WORDS[e.port] ?? e.port}` : `${name} (end of the flow)`;
    }
    case "http": {
      let path = e.url;
      try {
        const u = new URL(e.url);
        path = decodeURIComponent(u.pathname.split("/").slice(-1)[0] + u.search);
      } catch {
        /* keep the raw URL */
      }
      return `HTTP ${e.method} ${path.length > 70 ? path.slice(0, 69) + "…" : path} → ${e.status ?? e.failure ?? "failed"} in ${Math.round(e.ms)} ms`;
    }
    case "input":
      return e.outcome === "digits" ? `${e.activity}: got ${e.digits}` : `${e.activity}: ${e.outcome}`;
    case "queued":
      return `Queued in ${e.queueName ?? e.queue} at priority P${e.priority}`;
    case "offered":
      return `Offered to ${e.agentName ?? e.agent}`;
    case "requeued":
      return e.reason === "transfer" ? `Transferred by ${e.agentName ?? e.agent} to ${e.toName ?? e.queueName ?? e.to ?? e.queue}` : `Back in queue (${e.reason === "rona" ? "no answer" : "declined"} by ${e.agentName ?? e.agent})`;
    case "control":
      return CONTROL_TEXT[e.action] ? `${CONTROL_TEXT[e.action]} (${e.agentName ?? e.agent})` : undefined;
    case "answered":
      return `Answered by ${e.agentName ?? e.agent}`;
    case "screen-pop":
      return `Screen pop to the agent: ${e.label ?? e.target}`;
    case "event":
      return `Event flow ${e.name}`;
    case "error":
      return `Error: ${e.message}`;
    case "ended":
      return `Call ended (${endText(e.reason)})`;
    default:
      return undefined;
  }
}

/** What the caller is told of the agent's call controls. */
const CONTROL_TEXT = { hold: "On hold", resume: "Off hold", transfer: "Transferred", consult: "On hold while the agent consults a colleague", "consult-transfer": "Handed to a colleague" };

export function mountSoftphone(root) {
  const sounds = new Sounds();
  let call; // { id, socket, startedAt, state }
  let speechOn = localStorage.getItem("ccflow.speech") !== "off";
  let audioOn = localStorage.getItem("ccflow.audio") === "on";
  let lastCallerBubble;

  const ani = h("input#ani", { type: "tel", placeholder: "+14806754110", autocomplete: "off", value: localStorage.getItem("ccflow.ani") ?? "", "aria-label": "Caller number" });
  const flowSelect = h("select#flow", { "aria-label": "Flow" });
  const callButton = h("button#call.btn.call", { type: "button" }, "Call");
  const hangupButton = h("button#hangup.btn.hangup", { type: "button", disabled: true, dataset: { stayDisabled: "1" } }, "Hang up");
  const statusLine = h("div#call-status.call-status", "Ready");
  const timer = h("span.timer", "");
  const doing = h("div#flow-doing.doing", { title: "What the flow is doing" }, "The flow's activity shows here during a call");
  const transcript = h("div#transcript.transcript", h("p.empty", "Prompts appear here as the flow plays them."));
  const callerList = h("div.demo-callers");
  const speechToggle = h("input#speech", { type: "checkbox", checked: speechOn });
  const audioToggle = h("input#real-audio", { type: "checkbox", checked: audioOn });
  const audioOut = h("audio#phone-audio", { autoplay: true });
  const keypad = h(
    "div#keypad.keypad",
    KEYS.map(([k, letters]) => h("button.key", { type: "button", dataset: { key: k }, onclick: () => press(k), "aria-label": `Key ${k}` }, h("span.digit", k), h("span.letters", letters))),
  );

  const view = h(
    "div.view.softphone-view",
    h(
      "section.card.phone",
      h("header.card-head", h("h2", "Softphone"), h("label.toggle", { title: "Microphone and speaker over WebRTC: the server plays the prompts, an agent hears you" }, audioToggle, h("span", "Real audio")), h("label.toggle", speechToggle, h("span", "Speak prompts"))),
      h("div.field", h("label", { for: "ani" }, "Caller number"), ani),
      h("div.field", h("label", { for: "flow" }, "Flow"), flowSelect),
      h("div.display", h("div.display-top", statusLine, timer), doing),
      keypad,
      h("div.call-buttons", callButton, hangupButton),
      audioOut,
    ),
    h("section.card.conversation", h("header.card-head", h("h2", "What the caller hears")), transcript),
    h("section.card.callers", h("header.card-head", h("h2", "Demo callers")), h("p.hint", "Pick one to fill in the number."), callerList),
  );
  root.append(view);

  speechToggle.addEventListener("change", () => {
    speechOn = speechToggle.checked;
    localStorage.setItem("ccflow.speech", speechOn ? "on" : "off");
    if (!speechOn) speechSynthesis?.cancel?.();
    announceSpeech();
  });

  audioToggle.addEventListener("change", () => {
    audioOn = audioToggle.checked;
    localStorage.setItem("ccflow.audio", audioOn ? "on" : "off");
  });

  function speechAvailable() {
    if (call?.line) return false;
    return speechOn && "speechSynthesis" in window && speechSynthesis.getVoices().length > 0;
  }

  function announceSpeech() {
    call?.socket.send({ type: "speech", enabled: speechAvailable() });
  }
  if ("speechSynthesis" in window) speechSynthesis.addEventListener?.("voiceschanged", announceSpeech);

  // ---- demo data

  info()
    .then((i) => {
      fill(
        callerList,
        i.demo.callers.length
          ? i.demo.callers.map((c) =>
              h(
                "button.demo-caller",
                { type: "button", dataset: { number: c.number }, onclick: () => ((ani.value = c.number), ani.focus()) },
                h("span.who", c.name, c.casePriority ? h(`span.case-prio.${c.casePriority.toLowerCase()}`, c.casePriority) : null),
                h("span.num", c.number),
                h("span.note", c.note),
              ),
            )
          : h("p.empty", "No demo callers (the embedded CRM is not running). Any number will do."),
      );
      if (!ani.value && i.demo.callers[0]) ani.value = i.demo.callers[0].number;
    })
    .catch((err) => toast(err.message, "error"));

  get("/api/flows")
    .then((flows) => {
      const saved = localStorage.getItem("ccflow.flow");
      fill(flowSelect, flows.map((f) => h("option", { value: f.id, selected: saved ? saved === f.id : f.default, title: f.description ?? "" }, `${f.name}${f.source === "seed" ? " (seed)" : f.source === "example" ? " (example)" : ""}`)));
    })
    .catch((err) => toast(err.message, "error"));

  // ---- the call

  callButton.addEventListener("click", () =>
    act(callButton, async () => {
      if (call) return;
      const number = ani.value.trim();
      if (!number) {
        ani.focus();
        throw new Error("Enter the caller's number first (+ and digits, or anonymous for a withheld number)");
      }
      localStorage.setItem("ccflow.ani", number);
      localStorage.setItem("ccflow.flow", flowSelect.value);
      sounds.unlock();
      const placed = await post("/api/calls", { ani: number, flow: flowSelect.value || undefined, ...(audioOn ? { audio: true } : {}) });
      startCall(placed);
    }),
  );

  hangupButton.addEventListener("click", () =>
    act(hangupButton, async () => {
      if (!call) return;
      call.socket.send({ type: "hangup" });
      await post(`/api/calls/${call.id}/hangup`).catch(() => undefined);
    }),
  );

  ani.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !call) callButton.click();
  });

  const onKey = (e) => {
    if (!call || !view.isConnected || view.closest("[hidden]")) return;
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if (/^[0-9*#]$/.test(e.key)) {
      e.preventDefault();
      press(e.key);
    }
  };
  document.addEventListener("keydown", onKey);

  function startCall(placed) {
    fill(transcript);
    lastCallerBubble = undefined;
    call = { id: placed.interactionId, startedAt: Date.now(), state: "ivr", speaking: new Map() };
    view.classList.add("in-call");
    setButtons(true);
    setStatus("Dialling…");
    note(`Calling ${placed.dnis} from ${placed.ani} — ${placed.flow.name}`);
    const me = call;
    if (placed.audio) {
      me.line = openAudioLine(placed.audio, {
        audio: audioOut,
        onState: (s) => (view.dataset.audio = s),
        onNotice: (m) => m.type === "error" && toast(m.error.message, "error"),
      });
      // For diagnostics (and the browser tests): the call's audio line.
      window.ccflowPhoneLine = me.line;
    }
    me.socket = connect(placed.socket, {
      reconnect: false,
      onStatus: (s) => {
        if (s === "open") announceSpeech();
        if (s === "closed" && call === me) endCall("connection closed");
      },
      onMessage: (m) => onMessage(me, m),
    });
    me.tick = setInterval(() => (timer.textContent = duration(Date.now() - me.startedAt)), 1000);
    timer.textContent = "0:00";
  }

  function onMessage(me, m) {
    if (call !== me) return;
    switch (m.type) {
      case "hello": {
        setStatus(stateText(m.call.state));
        // The flow starts as the call is placed; catch up with what happened before this socket.
        const prompts = m.events.filter((e) => e.type === "prompt");
        const current = m.playing ? prompts.at(-1) : undefined;
        for (const e of m.events) {
          const d = describeEvent(e);
          if (d) doing.textContent = d;
          if (e.type === "prompt" && e !== current) showPrompt(me, { promptId: `past-${e.at}`, text: e.text, file: e.file, music: e.music }, false, true);
          else onCallEvent(e);
        }
        // The flow starts as the call is placed: the first prompt may already be under way.
        if (m.playing) showPrompt(me, m.playing, true);
        break;
      }
      case "play":
        showPrompt(me, m, true);
        break;
      case "play-end":
        if (m.reason !== "finished" && "speechSynthesis" in window) speechSynthesis.cancel();
        if (me.music === m.promptId) {
          sounds.stopMusic();
          me.music = undefined;
        }
        transcript.querySelector(`[data-prompt="${m.promptId}"]`)?.classList.remove("playing");
        break;
      case "collect":
        setStatus(m.maxDigits > 1 ? `Enter up to ${m.maxDigits} digits${m.terminator ? `, then ${m.terminator}` : ""}` : "Press a key");
        keypad.classList.add("wanted");
        break;
      case "collect-end":
        keypad.classList.remove("wanted");
        lastCallerBubble = undefined;
        if (m.timedOut) note("No key pressed in time");
        setStatus(stateText(me.state));
        break;
      case "state":
        me.state = m.state;
        setStatus(stateText(m.state));
        break;
      case "event": {
        const d = describeEvent(m.event);
        if (d) doing.textContent = d;
        onCallEvent(m.event);
        break;
      }
      case "hangup":
        note("The flow hung up.");
        break;
      case "ended":
        endCall(m.reason);
        break;
      case "error":
        toast(m.error.message, "error");
        break;
    }
  }

  function onCallEvent(e) {
    switch (e.type) {
      case "queued":
        note(h("span", "Waiting in ", h("b", e.queueName ?? e.queue), " at ", priorityBadge(e.priority)));
        break;
      case "offered":
        note(`Ringing ${e.agentName ?? e.agent}…`);
        break;
      case "requeued":
        note(e.reason === "transfer" ? `${e.agentName ?? e.agent} transferred you to ${e.toName ?? e.queueName ?? e.to ?? e.queue}` : `${e.agentName ?? e.agent} ${e.reason === "rona" ? "did not answer" : "declined"}: back in the queue`);
        break;
      case "control":
        if (e.action === "hold") {
          note(h("span#on-hold", "On hold: ", h("b", e.agentName ?? e.agent), " will be back with you"));
          setStatus("On hold");
        } else if (e.action === "resume" || e.action === "consult-transfer") {
          note(h("span", "Back with ", h("b", e.action === "resume" ? (e.agentName ?? e.agent) : (e.detail ?? "the agent"))), "good");
          setStatus("Connected");
          sounds.stopMusic();
        }
        break;
      case "answered":
        note(h("span", "Connected to ", h("b", e.agentName ?? e.agent)), "good");
        sounds.stopMusic();
        break;
      case "disconnected":
        if (e.by === "agent") note("The agent ended the call.");
        break;
    }
  }

  function showPrompt(me, m, speak, past = false) {
    lastCallerBubble = undefined;
    transcript.querySelector(".empty")?.remove();
    let bubble;
    if (m.music) {
      bubble = h("div.bubble.ivr.music", { dataset: { prompt: m.promptId } }, h("span.icon", "♪"), ` Hold music${m.file ? ` (${m.file})` : ""}`);
      if (speak && speechOn && !me.line) {
        sounds.startMusic();
        me.music = m.promptId;
      }
    } else if (m.text !== undefined) {
      bubble = h("div.bubble.ivr", { dataset: { prompt: m.promptId } }, m.text);
      if (speak && speechAvailable()) {
        const u = new SpeechSynthesisUtterance(m.text);
        const lang = /^[a-z]{2}-[A-Z]{2}/.exec(m.voice ?? "")?.[0];
        if (lang) u.lang = lang;
        const done = () => me.socket.send({ type: "played", promptId: m.promptId });
        u.onend = done;
        u.onerror = done;
        speechSynthesis.speak(u);
      }
    } else {
      bubble = h("div.bubble.ivr.audio", { dataset: { prompt: m.promptId } }, h("span.icon", "🔈"), ` Recording ${m.file ?? ""}`);
    }
    if (m.interruptible) bubble.append(h("span.tag", { title: "A key press stops this prompt" }, "barge-in"));
    if (!past) bubble.classList.add("playing");
    transcript.append(bubble);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function press(key) {
    sounds.dtmf(key);
    const button = keypad.querySelector(`[data-key="${CSS.escape(key)}"]`);
    button?.classList.add("pressed");
    setTimeout(() => button?.classList.remove("pressed"), 150);
    if (!call) return;
    // On a call with audio the key is a tone in the call (RFC 4733), as on a phone.
    if (!call.line?.sendDtmf(key)) call.socket.send({ type: "dtmf", digits: key });
    if (!lastCallerBubble) {
      lastCallerBubble = h("div.bubble.caller", "");
      transcript.append(lastCallerBubble);
    }
    lastCallerBubble.textContent += key;
    transcript.scrollTop = transcript.scrollHeight;
  }

  function note(content, kind = "") {
    transcript.querySelector(".empty")?.remove();
    lastCallerBubble = undefined;
    transcript.append(h(`div.note${kind ? `.${kind}` : ""}`, content));
    transcript.scrollTop = transcript.scrollHeight;
  }

  function setButtons(inCall) {
    callButton.dataset.stayDisabled = inCall ? "1" : "0";
    hangupButton.dataset.stayDisabled = inCall ? "0" : "1";
    callButton.disabled = inCall;
    hangupButton.disabled = !inCall;
    ani.disabled = flowSelect.disabled = inCall;
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function stateText(state) {
    return { ivr: "In the IVR", queued: "Waiting for an agent", offered: "Ringing an agent", engaged: "Talking to an agent", ended: "Call ended" }[state] ?? state;
  }

  function endCall(reason) {
    if (!call) return;
    const me = call;
    call = undefined;
    clearInterval(me.tick);
    me.socket.close();
    me.line?.close();
    sounds.stopMusic();
    if ("speechSynthesis" in window) speechSynthesis.cancel();
    keypad.classList.remove("wanted");
    view.classList.remove("in-call");
    note(`Call ended (${reason})`, "end");
    setStatus("Call ended — ready for another");
    setButtons(false);
  }

  return {
    unmount() {
      document.removeEventListener("keydown", onKey);
      if (call) {
        call.socket.close(); // closing the phone's socket hangs up
        call.line?.close();
        clearInterval(call.tick);
        call = undefined;
      }
      sounds.stopMusic();
      view.remove();
    },
  };
}
