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
  $("answer-form").hidden = phase !== "answering";
  $("review-pane").hidden = phase !== "review";
  $("time-left").textContent = "–";
  if (phase === "ready") {
    $("timer-label").textContent = "Time to answer";
    $("time-left").textContent = formatSeconds(state.answer_seconds);
    $("show-question").focus();
  } else if (phase === "preparing") {
    startClock(state.seconds_left, "Preparation time left", refresh);
    $("answer-now").focus();
  } else if (phase === "answering") {
    startClock(state.seconds_left, "Answer time left", () => step("answer", { text: $("answer").value }));
    $("answer").focus();
  } else if (phase === "review") {
    $("draft").textContent = state.draft || "";
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
