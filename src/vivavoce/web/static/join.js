// The join page's live channel: one WebSocket to /join/{token}/ws carrying JSON messages.
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

function show(section) {
  for (const id of ["notice", "room", "ended"]) $(id).hidden = id !== section;
}

function speakerLabel(speaker) {
  return speaker === "ai" ? "Interviewer" : "You";
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

function onMessage(event) {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (message.type === "turn") addTurn(message);
  else if (message.type === "ai_delta") addDelta(message.text);
  else if (message.type === "error") $("connection").textContent = message.message;
  else if (message.type === "status") {
    if (message.state === "live") {
      retries = 0;
      $("connection").textContent = "";
      deadline = Date.now() + (message.duration_seconds - message.elapsed_seconds) * 1000;
      tick();
      show("room");
      answer.focus();
    } else if (message.state === "taken_over") {
      end(message.message || "This interview was opened in another window.");
    } else if (message.state === "ended") {
      end(ENDED_TEXT[message.reason] || "This interview has ended.");
    }
  }
}

function connect(first) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/join/${encodeURIComponent(token)}/ws`);
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

$("consent").addEventListener("click", () => {
  $("consent").disabled = true;
  connect("consent");
});

$("answer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = answer.value.trim();
  if (!text || finished) return;
  if (send({ type: "answer", text })) answer.value = "";
});

let lastTyping = 0;
answer.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("answer-form").requestSubmit();
    return;
  }
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

setInterval(tick, 1000);
if (root.dataset.resume === "yes") connect("resume");
