/* global RTCPeerConnection, MediaStream, navigator, setTimeout, clearTimeout */
// A WebRTC audio line to the server: the microphone goes out, the server's audio comes back and
// plays. One offer (with every ICE candidate in it) and one answer over a WebSocket; the server
// answers with PCMU (G.711 µ-law). Shared by the agent's headset and the softphone.
import { connect } from "./api.js";

const GATHERING_MS = 3000;

/** Waits until the browser has gathered its ICE candidates (or a few seconds have passed). */
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHERING_MS);
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && done());
    function done() {
      clearTimeout(timer);
      resolve();
    }
  });
}

/**
 * Opens `path` (a WebSocket route taking {type:"offer"}) and keeps an audio line up over it.
 * `onNotice(m)` gets the server's other messages; `onState(s)` one of connecting, connected,
 * failed, closed. Returns {close(), pc (the current RTCPeerConnection), sendDtmf(keys)}.
 */
export function openAudioLine(path, { audio, onNotice, onState }) {
  let pc;
  let mic;
  let closed = false;
  const setState = (s) => onState?.(s, pc);

  async function start(socket) {
    pc?.close();
    setState("connecting");
    mic ??= await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false } });
    if (closed) return;
    const peer = new RTCPeerConnection();
    pc = peer;
    for (const track of mic.getAudioTracks()) peer.addTrack(track, mic);
    peer.addEventListener("track", (e) => {
      audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      audio.play().catch(() => undefined);
    });
    peer.addEventListener("connectionstatechange", () => {
      if (peer !== pc) return;
      if (peer.connectionState === "connected") setState("connected");
      else if (peer.connectionState === "failed") setState("failed");
    });
    await peer.setLocalDescription(await peer.createOffer());
    await gathered(peer);
    if (peer !== pc || closed) return;
    socket.send({ type: "offer", sdp: peer.localDescription.sdp });
  }

  const socket = connect(path, {
    onStatus: (s) => {
      if (s === "open") start(socket).catch((err) => onNotice?.({ type: "error", error: { code: "NO_MICROPHONE", message: `No audio: ${err.message}` } }));
      else if (s !== "open" && !closed) setState(s === "reconnecting" ? "connecting" : "closed");
    },
    onMessage: (m) => {
      if (m.type === "answer") pc?.setRemoteDescription({ type: "answer", sdp: m.sdp }).catch((err) => onNotice?.({ type: "error", error: { code: "BAD_ANSWER", message: err.message } }));
      else onNotice?.(m);
    },
  });

  return {
    get pc() {
      return pc;
    },
    /** Presses keys in the call: RFC 4733 telephone-events through RTCDTMFSender. */
    sendDtmf(keys) {
      const sender = pc?.getSenders().find((s) => s.track?.kind === "audio");
      if (!sender?.dtmf?.canInsertDTMF) return false;
      sender.dtmf.insertDTMF(keys, 100, 70);
      return true;
    },
    close() {
      closed = true;
      socket.close();
      pc?.close();
      for (const t of mic?.getTracks() ?? []) t.stop();
      audio.srcObject = null;
      setState("closed");
    },
  };
}
