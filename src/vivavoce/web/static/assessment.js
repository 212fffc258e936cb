// The one-way assessment page: every step is a small JSON request to
// /join/{token}/assessment/…; the server keeps the questions, the clock and the progress, so
// a reload, a dropped connection or a second tab continues exactly where the candidate is.
const root = document.getElementById("assessment");
const base = `/join/${root.dataset.token}/assessment`;
const $ = (id) => document.getElementById(id);
let state = null;
let ticking = null;
let deadline = null;
let busy = false;
let shownAt = null;
const kinds = (root.dataset.kinds || "text").split(" ");
const typed = kinds.includes("text");
const records = kinds.includes("audio") || kinds.includes("video");
let recorder = null; // the MediaRecorder while a recording runs
let spokenAt = null; // the question last read aloud on this page

function show(section) {
  for (const id of ["notice", "question-view", "done"]) $(id).hidden = id !== section;
}

function problem(text) {
  $("problem").textContent = text || "";
}

async function call(path, body) {
  const options = body === undefined
    ? { method: "GET", headers: { Accept: "application/json" } }
    : { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(base + path, options);
  const payload = await response.json().catch(() => ({}));
  if (response.ok) return payload.data;
  if (payload.state) {
    // the assessment moved on (another tab, or the time ran out): show where it is now
    problem(payload.code === "assessment_moved_on" ? "This question was already answered; here is where you are now." : payload.error || "");
    return payload.state;
  }
  throw new Error(payload.error || `the request failed (${response.status})`);
}

async function step(action, extra = {}) {
  if (busy || !state) return;
  busy = true;
  try {
    problem("");
    render(await call("/step", { action, position: state.position, attempt: state.attempt, ...extra }));
  } catch (error) {
    problem(`${error.message}. Please try again.`);
  } finally {
    busy = false;
  }
}

function formatSeconds(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function stopClock() {
  if (ticking) clearInterval(ticking);
  ticking = null;
  deadline = null;
}

function startClock(seconds, label, onZero) {
  stopClock();
  $("timer-label").textContent = label;
  deadline = performance.now() + seconds * 1000;
  const tick = () => {
    const left = (deadline - performance.now()) / 1000;
    $("time-left").textContent = formatSeconds(left);
    if (left <= 0) {
      stopClock();
      onZero();
    }
  };
  tick();
  ticking = setInterval(tick, 250);
}

function render(next) {
  state = next;
  stopClock();
  if (state.status === "completed" || state.phase === "done") {
    show("done");
    $("done-title").focus();
    return;
  }
  if (state.phase === "not_started") {
    show("notice");
    return;
  }
  show("question-view");
  const at = `${state.position}/${state.attempt}`;
  if (at !== shownAt) {
    shownAt = at;
    $("answer").value = "";
    restoreDraft();
  }
  $("question-number").textContent = `Question ${state.position + 1} of ${state.total}`;
  const phase = state.phase;
  $("ready-pane").hidden = phase !== "ready";
  $("question-text").hidden = phase === "ready";
  $("question-text").textContent = state.question || "";
  $("preparing-pane").hidden = phase !== "preparing";
  $("answer-form").hidden = phase !== "answering" || !typed;
  if (records) $("record-pane").hidden = phase !== "answering";
  $("review-pane").hidden = phase !== "review";
  if (phase !== "answering") stopRecording(false);
  if (root.dataset.speak !== undefined) speakQuestion(phase, at);
  $("time-left").textContent = "–";
  if (phase === "ready") {
    $("timer-label").textContent = "Time to answer";
    $("time-left").textContent = formatSeconds(state.answer_seconds);
    $("show-question").focus();
  } else if (phase === "preparing") {
    startClock(state.seconds_left, "Preparation time left", refresh);
    $("answer-now").focus();
  } else if (phase === "answering") {
    startClock(state.seconds_left, "Answer time left", timeUp);
    if (typed) $("answer").focus();
    else if (records) (document.querySelector("[data-kind]") || $("record-stop")).focus();
  } else if (phase === "review") {
    $("draft").textContent = state.draft || "";
    showRecording(state.recording, at);
    $("retake").hidden = state.retakes_left < 1;
    $("retakes-left").textContent = state.retakes_left
      ? `You can redo this answer ${state.retakes_left} more time${state.retakes_left === 1 ? "" : "s"}.`
      : "";
    $("submit-answer").focus();
  }
}

async function refresh() {
  try {
    render(await call(""));
  } catch (error) {
    problem(`${error.message}. Reload the page to try again.`);
  }
}

$("consent").addEventListener("click", async () => {
  $("consent").disabled = true;
  try {
    render(await call("/start", {}));
  } catch (error) {
    $("consent").disabled = false;
    show("question-view");
    problem(`${error.message}. Please try again.`);
  }
});
$("show-question").addEventListener("click", () => step("show"));
$("answer-now").addEventListener("click", () => step("answer_now"));
$("answer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!$("answer").value.trim()) {
    problem("Write your answer first.");
    return;
  }
  step("answer", { text: $("answer").value });
});
$("submit-answer").addEventListener("click", () => step("submit"));
$("retake").addEventListener("click", () => {
  $("answer").value = "";
  step("retake");
});
// A typed answer in progress survives a reload of this page (kept on this device only).
const DRAFT_KEY = `vivavoce-assessment-${root.dataset.token}`;
$("answer").addEventListener("input", () => {
  if (state) sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ at: `${state.position}/${state.attempt}`, text: $("answer").value }));
});
function restoreDraft() {
  const saved = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
  if (saved && state && saved.at === `${state.position}/${state.attempt}`) {
    $("answer").value = saved.text;
  }
}

if (root.dataset.resume === "yes") refresh();

// --- recorded answers ---------------------------------------------------------------------
// The browser records with MediaRecorder while the answer time runs; stopping (or the time
// running out) uploads the file as it is. The server measures it, stores it and transcribes
// it; a dropped connection is retried with the same recording, and the page shows whatever
// state the server answers (another tab may have answered first).

function timeUp() {
  if (recorder) {
    stopRecording(true);
  } else {
    // what was typed, or nothing: the server then closes the question as unanswered
    step("answer", { text: typed ? $("answer").value : "" });
  }
}

function recordStatus(text) {
  if (records) $("record-status").textContent = text;
}

function mimeFor(kind) {
  const wanted = kind === "video"
    ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
    : ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
  return wanted.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type)) || "";
}

async function startRecording(kind) {
  if (recorder || busy || !state || state.phase !== "answering") return;
  if (!window.MediaRecorder || !navigator.mediaDevices) {
    problem("This browser cannot record. Please use a recent Chrome, Edge, Firefox or Safari.");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: kind === "video" });
  } catch (error) {
    problem(`The ${kind === "video" ? "camera" : "microphone"} could not be used (${error.name}). Check the browser's permission and try again.`);
    return;
  }
  const at = { position: state.position, attempt: state.attempt };
  const chunks = [];
  const mimeType = mimeFor(kind);
  const current = new MediaRecorder(stream, mimeType ? { mimeType } : {});
  recorder = { current, stream, kind, at, send: true };
  current.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
  current.addEventListener("stop", () => {
    stream.getTracks().forEach((track) => track.stop());
    const send = recorder && recorder.current === current ? recorder.send : false;
    recorder = null;
    showRecordingControls(false);
    if (send) upload(new Blob(chunks, { type: current.mimeType || mimeType }), kind, at);
  });
  if (kind === "video") {
    $("camera-preview").srcObject = stream;
    $("camera-preview").hidden = false;
    $("camera-preview").play().catch(() => {});
  }
  current.start(1000);
  showRecordingControls(true);
  recordStatus("Recording… press “Stop and save” when you are done.");
  $("record-stop").focus();
}

function showRecordingControls(running) {
  if (!records) return;
  for (const button of document.querySelectorAll("[data-kind]")) button.hidden = running;
  $("record-stop").hidden = !running;
  if (!running) {
    $("camera-preview").hidden = true;
    $("camera-preview").srcObject = null;
  }
}

function stopRecording(send) {
  if (!recorder) return;
  recorder.send = send;
  if (recorder.current.state !== "inactive") recorder.current.stop();
}

async function upload(blob, kind, at) {
  const query = `position=${at.position}&attempt=${at.attempt}&kind=${kind}`;
  const type = (blob.type || (kind === "video" ? "video/webm" : "audio/webm")).split(";")[0];
  busy = true;
  try {
    for (let tries = 0; ; tries += 1) {
      recordStatus(tries ? "The connection dropped; sending your recording again…" : "Sending your recording…");
      let response;
      try {
        response = await fetch(`${base}/recording?${query}`, { method: "POST", headers: { "Content-Type": type, Accept: "application/json" }, body: blob });
      } catch (error) {
        if (tries >= 4) throw new Error("your recording could not be sent");
        await new Promise((done) => setTimeout(done, 1000 * 2 ** tries));
        continue;
      }
      const payload = await response.json().catch(() => ({}));
      recordStatus("");
      if (response.ok) return render(payload.data);
      if (payload.state) {
        problem(payload.code === "assessment_moved_on" ? "This question was already answered; here is where you are now." : payload.error || "");
        return render(payload.state);
      }
      throw new Error(payload.error || `the recording was refused (${response.status})`);
    }
  } catch (error) {
    recordStatus("");
    problem(`${error.message}. Please try again.`);
  } finally {
    busy = false;
  }
}

function showRecording(recording, at) {
  const audio = $("review-audio");
  const video = $("review-video");
  audio.hidden = !recording || recording.kind !== "audio";
  video.hidden = !recording || recording.kind !== "video";
  const player = recording ? (recording.kind === "video" ? video : audio) : null;
  if (player && player.dataset.at !== at) {
    player.dataset.at = at;
    player.src = `${base}/recording?at=${encodeURIComponent(at)}`;
  }
  if (recording) $("draft").textContent = `Your recording (${Math.round(recording.seconds)} s). Play it back, then submit it or record it again.`;
}

for (const button of document.querySelectorAll("[data-kind]")) {
  button.addEventListener("click", () => startRecording(button.dataset.kind));
}
if (records) $("record-stop").addEventListener("click", () => stopRecording(true));

// --- spoken questions -------------------------------------------------------------------
// The server's voice reads the question when it appears; without one, the browser's own.
function speakQuestion(phase, at) {
  const shown = phase === "preparing" || phase === "answering";
  if ($("listen-pane")) $("listen-pane").hidden = !shown;
  if (!shown || spokenAt === at) return;
  spokenAt = at;
  playQuestion();
}

function playQuestion() {
  if (!state || !state.question) return;
  const text = state.question;
  const voice = new Audio(`${base}/question.wav?at=${encodeURIComponent(spokenAt || "")}`);
  voice.play().catch(() => {
    if (window.speechSynthesis) speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  });
}
if ($("replay-question")) $("replay-question").addEventListener("click", playQuestion);
