// The join page's live channel: one WebSocket to /join/{token}/ws carrying JSON messages
// (and, in voice mode, microphone audio and the interviewer's speech: see voice.js).
import { VoiceClient, checkMicrophone } from "./voice.js";

const root = document.getElementById("join");
const token = root.dataset.token;
const $ = (id) => document.getElementById(id);
const conversation = $("conversation");
const answer = $("answer");
const ENDED_TEXT = {
  completed: "Thank you for taking part. Your interview is complete and the team will be in touch about next steps. You can close this window.",
  candidate_ended: "You ended the interview. Thank you for your time. You can close this window.",
  disconnected: "The connection was lost for too long, so the interview has ended.",
  technical_failure: "Something went wrong on our side, so the interview has ended. The team will be in touch.",
  cancelled: "This interview was cancelled.",
};
let socket = null;
let finished = false;
let retries = 0;
let pending = null;
let deadline = null;
const voiceAvailable = root.dataset.voice === "yes";
// the embedded page gets a new room key at every load, so it remembers the mode per session
const MODE_KEY = `vivavoce-mode-${root.dataset.modeKey || token}`;
let voice = null;
let micChecked = false;
let waitingShown = false;

// What the page is doing, for whoever embeds it (embed-frame.js relays it to the host page).
function announce(detail) {
  document.dispatchEvent(new CustomEvent("vivavoce:status", { detail }));
}

function show(section) {
  for (const id of ["notice", "room", "ended", "resume-voice"]) $(id).hidden = id !== section;
}

function speakerLabel(speaker) {
  // in a role-play the AI's lines are the character's (the page names them)
  return speaker === "ai" ? root.dataset.character || "Interviewer" : "You";
}

function bubble(speaker) {
  const item = document.createElement("li");
  item.className = `turn turn-${speaker}`;
  const who = document.createElement("span");
  who.className = "turn-speaker";
  who.textContent = speakerLabel(speaker);
  const text = document.createElement("span");
  text.className = "turn-text";
  item.append(who, text);
  conversation.append(item);
  return item;
}

function addTurn(message) {
  if (conversation.querySelector(`[data-index="${message.index}"]`)) return;
  let item = message.speaker === "ai" && pending ? pending : bubble(message.speaker);
  if (item === pending) pending = null;
  item.dataset.index = String(message.index);
  item.querySelector(".turn-text").textContent = message.text;
  conversation.scrollTop = conversation.scrollHeight;
}

function addDelta(text) {
  if (!pending) pending = bubble("ai");
  pending.querySelector(".turn-text").textContent += text;
  conversation.scrollTop = conversation.scrollHeight;
}

// The interviewer is working on its reply: a typing indicator (a polite live region), hidden
// as soon as its first words are shown.
function typingIndicator(shown) {
  if (shown) $("typing-text").textContent = voice ? "The interviewer is thinking…" : "The interviewer is typing…";
  $("typing").hidden = !shown;
}

// On a (re)start the turns arrive while the room is hidden: once it shows, the pane opens at
// the question on the table, not at the top of the conversation.
function showCurrentQuestion() {
  const asked = conversation.querySelectorAll("li.turn-ai");
  const current = asked.length ? asked[asked.length - 1] : null;
  if (!current) return;
  const offset = current.getBoundingClientRect().top - conversation.getBoundingClientRect().top;
  conversation.scrollTop += offset;
}

function retractDelta() {
  // the interviewer's reply broke off and is being asked again: its words so far are void
  if (pending) pending.remove();
  pending = null;
}

function tick() {
  if (deadline === null) return;
  const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  $("time-left").textContent = `${minutes}:${seconds}`;
}

function end(text) {
  finished = true;
  deadline = null;
  answer.disabled = true;
  $("send").disabled = true;
  $("ended-text").textContent = text;
  show("ended");
  $("ended-title").focus();
}

function voiceState(text) {
  $("voice-state").textContent = text;
}

function voiceCaption(text) {
  $("caption").textContent = text;
}

function startVoiceCapture() {
  $("voice-bar").hidden = false;
  voice.start().catch(() => {
    send({ type: "voice_off" });
    textMode("We could not use your microphone, so please type your answers below.");
  });
}

function textMode(notice) {
  if (voice) voice.stopListening();
  voiceState("Voice input is off: type your answers below.");
  $("voice-stop").hidden = true;
  if (notice) $("connection").textContent = notice;
  sessionStorage.setItem(MODE_KEY, "text");
}

function onMessage(event) {
  if (event.data instanceof ArrayBuffer) {
    if (voice) voice.onAudio(event.data);
    return;
  }
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (message.type === "voice" && message.state === "off") {
    textMode(message.message || "");
  } else if (message.type === "voice" && message.message) {
    $("connection").textContent = message.message;
  }
  if (voice && voice.onMessage(message)) return;
  if (message.type === "ai_status") {
    typingIndicator(message.state === "thinking");
    // "waiting": the interviewer is being retried after a failure; a calm notice, no error
    if (message.state === "waiting") {
      waitingShown = true;
      $("connection").textContent = message.message || "One moment…";
    }
    return;
  }
  if (waitingShown && (message.type === "turn" || message.type === "ai_delta")) {
    waitingShown = false;
    $("connection").textContent = "";
  }
  if (message.type === "ai_delta" || (message.type === "turn" && message.speaker === "ai")) {
    typingIndicator(false);
  }
  if (message.type === "turn") addTurn(message);
  else if (message.type === "ai_delta") addDelta(message.text);
  else if (message.type === "ai_retract") retractDelta();
  else if (message.type === "error") $("connection").textContent = message.message;
  else if (message.type === "status") {
    if (message.state === "live") {
      startSignals();
      retries = 0;
      $("connection").textContent = "";
      deadline = Date.now() + (message.duration_seconds - message.elapsed_seconds) * 1000;
      tick();
      show("room");
      showCurrentQuestion();
      announce({ state: "live", resumed: root.dataset.resume === "yes" });
      if (voice && voice.listening === false && sessionStorage.getItem(MODE_KEY) === "voice") {
        startVoiceCapture();
      } else {
        answer.focus();
      }
    } else if (message.state === "taken_over") {
      signal("taken_over");
      flushSignals();
      signalsLive = false;
      end(message.message || "This interview was opened in another window.");
    } else if (message.state === "ended") {
      typingIndicator(false);
      signalsLive = false;
      if (voice) voice.stop();
      end(ENDED_TEXT[message.reason] || "This interview has ended.");
      announce({ state: "ended", status: message.status || null, reason: message.reason || null });
    }
  }
}

function connect(first) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = voice ? "?mode=voice" : "";
  socket = new WebSocket(`${scheme}://${location.host}/join/${encodeURIComponent(token)}/ws${query}`);
  socket.binaryType = "arraybuffer";
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: first })));
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", () => {
    if (finished) return;
    $("connection").textContent = "Connection lost. Reconnecting…";
    retries += 1;
    setTimeout(() => connect("resume"), Math.min(10_000, 500 * 2 ** Math.min(retries, 5)));
  });
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function chosenMode() {
  const picked = document.querySelector('input[name="mode"]:checked');
  return voiceAvailable && picked ? picked.value : "text";
}

function makeVoice() {
  voice = new VoiceClient({
    sendBinary: (buffer) => {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(buffer);
    },
    sendJson: send,
    state: voiceState,
    caption: voiceCaption,
  });
}

async function micCheck() {
  $("mic-status").textContent = "Checking your microphone…";
  const result = await checkMicrophone((level) => {
    $("mic-level").value = level;
  });
  if (!result.ok) {
    $("mode-text").checked = true;
    $("mode-voice").disabled = true;
    $("mic-status").textContent = `${result.message} You can take the interview by typing instead.`;
    return false;
  }
  micChecked = true;
  $("mic-status").textContent = result.heard
    ? "Your microphone works: we can hear you."
    : "Your microphone is connected. If you spoke and the bar did not move, check it is not muted.";
  return true;
}

if (voiceAvailable) $("mic-test").addEventListener("click", () => micCheck());

$("consent").addEventListener("click", async () => {
  $("consent").disabled = true;
  if (chosenMode() === "voice") {
    if (!micChecked && !(await micCheck())) {
      $("consent").disabled = false;
      return;
    }
    makeVoice();
    sessionStorage.setItem(MODE_KEY, "voice");
  } else {
    sessionStorage.setItem(MODE_KEY, "text");
  }
  connect("consent");
});

$("voice-stop").addEventListener("click", () => {
  send({ type: "voice_off" });
  textMode("");
  answer.focus();
});

$("resume-speaking").addEventListener("click", () => {
  makeVoice();
  connect("resume");
});
$("resume-typing").addEventListener("click", () => {
  sessionStorage.setItem(MODE_KEY, "text");
  connect("resume");
});

$("answer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = answer.value.trim();
  if (!text || finished) return;
  answerSent(text);
  if (voice) voice.stopSpeaking(); // answered in writing: the rest of the question is moot
  // The answer carries the page's pending signals (its paste, its typing report), stored
  // with it in one transaction: kept even when this answer ends the interview.
  const { taken, events } = takeEvents();
  if (send({ type: "answer", text, signals: events })) {
    answer.value = "";
  } else {
    signals.unshift(...taken);
  }
});

let lastTyping = 0;
answer.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("answer-form").requestSubmit();
    return;
  }
  noteKeystroke(event);
  if (Date.now() - lastTyping > 3000) {
    lastTyping = Date.now();
    send({ type: "typing" });
  }
});

$("end").addEventListener("click", () => $("confirm-end").showModal());
$("confirm-no").addEventListener("click", () => $("confirm-end").close());
$("confirm-yes").addEventListener("click", () => {
  $("confirm-end").close();
  send({ type: "end" });
});

// --- authenticity signals ----------------------------------------------------------------
// Counts and durations only, never the text: posted in small batches to /join/{token}/signals
// (and with navigator.sendBeacon when the page goes away), each tagged with the number of
// turns shown. Reported verbatim to the recruiter, never turned into pass/fail.
const SIGNALS_URL = `/join/${encodeURIComponent(token)}/signals`;
const SIGNAL_BATCH = 40;
const SIGNAL_QUEUE = 200;
const signals = [];
let signalsLive = false;
let signalsStarted = false;
let flushTimer = null;
let hiddenSince = null;
let blurredSince = null;
let wasFullscreen = false;
let typingStarted = null;
let keystrokes = 0;
let bursts = 0;

function turnsShown() {
  return conversation.querySelectorAll("li.turn[data-index]").length;
}

function signal(kind, data, turnIndex) {
  if (!signalsLive || signals.length >= SIGNAL_QUEUE) return;
  signals.push({ kind, at: Date.now(), turn_index: turnIndex ?? turnsShown(), data: data || {} });
  if (signals.length >= SIGNAL_BATCH) flushSignals();
  else if (!flushTimer) flushTimer = setTimeout(flushSignals, 2000);
}

function takeEvents() {
  const taken = signals.splice(0, SIGNAL_BATCH);
  const now = Date.now();
  const events = taken.map(({ at, ...event }) => ({
    ...event,
    age_ms: Math.min(3_600_000, Math.max(0, now - at)),
  }));
  return { taken, events };
}

function takeBatch() {
  const { taken, events } = takeEvents();
  return { taken, body: JSON.stringify({ events }) };
}

function flushSignals() {
  clearTimeout(flushTimer);
  flushTimer = null;
  if (!signals.length) return;
  const { taken, body } = takeBatch();
  fetch(SIGNALS_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    credentials: "same-origin",
    keepalive: true,
  })
    .then((response) => {
      if (response.status === 429 || response.status >= 500) throw new Error("retry");
    })
    .catch(() => {
      signals.unshift(...taken.slice(0, SIGNAL_QUEUE - signals.length));
      if (!flushTimer && signalsLive) flushTimer = setTimeout(flushSignals, 5000);
    });
  if (signals.length && !flushTimer) flushTimer = setTimeout(flushSignals, 2000);
}

function beaconSignals() {
  while (signals.length && navigator.sendBeacon) {
    if (!navigator.sendBeacon(SIGNALS_URL, takeBatch().body)) break;
  }
}

function checkDisplays() {
  if (window.screen && window.screen.isExtended === true) signal("multiple_displays", { screens: 2 });
}

function startSignals() {
  signalsLive = true;
  if (signalsStarted) return;
  signalsStarted = true;
  wasFullscreen = Boolean(document.fullscreenElement);
  checkDisplays();
  if (window.screen && "onchange" in window.screen) window.screen.addEventListener("change", checkDisplays);
  const connection = navigator.connection;
  if (connection && connection.addEventListener) {
    connection.addEventListener("change", () =>
      signal("network_change", { state: "change", effective_type: String(connection.effectiveType || "").slice(0, 16) }),
    );
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) {
    hiddenSince = Date.now();
    signal("tab_hidden");
    flushSignals();
  } else if (hiddenSince !== null) {
    signal("tab_visible", { hidden_ms: Date.now() - hiddenSince });
    hiddenSince = null;
  }
});
window.addEventListener("blur", () => {
  blurredSince = Date.now();
  signal("focus_lost");
});
window.addEventListener("focus", () => {
  if (blurredSince === null) return;
  signal("focus_gained", { lost_ms: Date.now() - blurredSince });
  blurredSince = null;
});
answer.addEventListener("paste", (event) => {
  const text = event.clipboardData ? event.clipboardData.getData("text") : "";
  signal("paste", { characters: text.length });
});
document.addEventListener("copy", () => {
  signal("copy", { characters: String(document.getSelection() || "").length });
});
document.addEventListener("fullscreenchange", () => {
  const now = Boolean(document.fullscreenElement);
  if (wasFullscreen && !now) signal("fullscreen_exit");
  wasFullscreen = now;
});
window.addEventListener("online", () => signal("network_change", { state: "online" }));
window.addEventListener("offline", () => signal("network_change", { state: "offline" }));
window.addEventListener("pagehide", beaconSignals);
answer.addEventListener("input", (event) => {
  if (typingStarted === null) typingStarted = Date.now();
  // text arriving many characters at once without a paste: dictation, drag-and-drop, a tool
  if (event.inputType !== "insertFromPaste" && (event.data || "").length >= 20) bursts += 1;
});

function noteKeystroke(event) {
  if (typingStarted === null) typingStarted = Date.now();
  if (event.key && event.key.length === 1) keystrokes += 1;
}

function answerSent(text) {
  if (typingStarted !== null) {
    signal("answer_typing", {
      characters: text.length,
      typing_ms: Math.max(0, Date.now() - typingStarted),
      keystrokes,
      bursts,
    });
  }
  typingStarted = null;
  keystrokes = 0;
  bursts = 0;
}

setInterval(tick, 1000);
if (root.dataset.resume === "yes") {
  // Audio may only start after a click, so a voice interview resumes from a button.
  if (voiceAvailable && sessionStorage.getItem(MODE_KEY) === "voice") show("resume-voice");
  else connect("resume");
}
