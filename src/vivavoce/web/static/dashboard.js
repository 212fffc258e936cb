// vivavoce dashboard: small progressive enhancements. Every page works without this file;
// it adds copy buttons, live relative times, the running sum of dimension weights, citation
// jumps, confirmations and the live transcript (EventSource).

const RELATIVE_UNITS = [
  [86400 * 365, "year"], [86400 * 30, "month"], [86400, "day"], [3600, "hour"], [60, "minute"],
];

function relative(date) {
  const seconds = (Date.now() - date.getTime()) / 1000;
  const future = seconds < 0;
  const span = Math.abs(seconds);
  if (span < 45) return future ? "in a few seconds" : "just now";
  for (const [size, unit] of RELATIVE_UNITS) {
    if (span >= size * 0.95) {
      const count = Math.max(1, Math.round(span / size));
      const text = `${count} ${unit}${count === 1 ? "" : "s"}`;
      return future ? `in ${text}` : `${text} ago`;
    }
  }
  return "just now";
}

function refreshTimes(root = document) {
  for (const node of root.querySelectorAll("time[data-relative]")) {
    const date = new Date(node.getAttribute("datetime"));
    if (!Number.isNaN(date.getTime())) node.textContent = relative(date);
  }
}

function timeElement(iso) {
  const node = document.createElement("time");
  node.dateTime = iso;
  node.dataset.relative = "";
  const date = new Date(iso);
  node.title = date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  node.textContent = relative(date);
  return node;
}

async function copy(button) {
  const value = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    const scratch = document.createElement("textarea");
    scratch.value = value;
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = "Copied";
  button.classList.add("copied");
  setTimeout(() => { button.textContent = label; button.classList.remove("copied"); }, 2000);
}

function weights() {
  for (const fieldset of document.querySelectorAll("[data-weights]")) {
    const out = fieldset.querySelector("[data-weight-sum]");
    const total = fieldset.querySelector("[data-weight-total]");
    const update = () => {
      let sum = 0;
      for (const input of fieldset.querySelectorAll("input[data-weight]")) {
        const value = parseFloat(input.value);
        if (!Number.isNaN(value)) sum += value;
      }
      const rounded = Math.round(sum * 100) / 100;
      total.textContent = String(rounded);
      const ok = Math.abs(rounded - 100) < 0.01;
      out.classList.toggle("ok", ok);
      out.dataset.ok = ok ? "yes" : "no";
      out.lastChild.textContent = ok ? " of 100. ✓" : " of 100: they must add up to exactly 100.";
      out.hidden = false;
    };
    fieldset.addEventListener("input", update);
    update();
  }
}

// On a phone the navigation folds behind a Menu button (without JavaScript it wraps).
function menu() {
  document.documentElement.classList.add("js");
  const button = document.querySelector(".menu-toggle");
  const bar = button?.closest(".topbar");
  if (!button || !bar) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = !bar.hasAttribute("data-open");
    bar.toggleAttribute("data-open", open);
    button.setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.hasAttribute("data-open")) {
      bar.removeAttribute("data-open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
}

// Dimension rows: add one (a copy of the last row, emptied, with the next free number) or
// remove one; the weight total follows. Without JavaScript the form has blank rows and an
// emptied row is dropped by the server.
function dimensionRows() {
  const body = document.querySelector("[data-dim-rows]");
  if (!body) return;
  const table = body.closest("table");
  const fieldset = body.closest("[data-weights]");
  const add = document.querySelector("[data-add-dim]");
  const max = parseInt(table.dataset.maxRows, 10) || 20;
  const numberOf = (row) => parseInt(row.querySelector("input").name.split("-")[1], 10);
  const changed = () => {
    const rows = body.querySelectorAll("tr");
    add.hidden = rows.length >= max;
    rows.forEach((row, place) => {
      const button = row.querySelector("[data-remove-dim]");
      button.hidden = false;
      button.setAttribute("aria-label", `Remove dimension ${place + 1}`);
      for (const hidden of row.querySelectorAll(".cell-label .visually-hidden")) {
        hidden.textContent = `Dimension ${place + 1} `;
      }
    });
    fieldset.dispatchEvent(new Event("input"));
  };
  add.addEventListener("click", () => {
    const rows = [...body.querySelectorAll("tr")];
    const used = new Set(rows.map(numberOf));
    let next = 0;
    while (used.has(next)) next += 1;
    if (next >= max) return;
    const row = rows[rows.length - 1].cloneNode(true);
    for (const node of row.querySelectorAll("[id], [for], [name], [aria-describedby]")) {
      for (const attribute of ["id", "for", "name", "aria-describedby"]) {
        const value = node.getAttribute(attribute);
        if (value) node.setAttribute(attribute, value.replace(/dim-\d+-/g, `dim-${next}-`));
      }
    }
    for (const input of row.querySelectorAll("input")) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    }
    for (const error of row.querySelectorAll(".field-error")) error.remove();
    for (const cell of row.querySelectorAll("td.invalid")) cell.classList.remove("invalid");
    body.append(row);
    changed();
    row.querySelector("input").focus();
  });
  body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-dim]");
    if (!button) return;
    const row = button.closest("tr");
    if (body.querySelectorAll("tr").length > 1) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      next?.querySelector("input")?.focus();
    } else {
      for (const input of row.querySelectorAll("input")) input.value = "";
    }
    changed();
  });
  changed();
}

function highlight(index) {
  const turn = document.getElementById(`turn-${index}`);
  if (!turn) return false;
  for (const other of document.querySelectorAll(".turn.highlight")) other.classList.remove("highlight");
  turn.classList.add("highlight");
  turn.tabIndex = -1;
  turn.scrollIntoView({ block: "center" });
  turn.focus({ preventScroll: true });
  return true;
}

function citations() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.citation[data-turn]");
    if (!link) return;
    if (highlight(link.dataset.turn)) {
      event.preventDefault();
      history.replaceState(null, "", `#turn-${link.dataset.turn}`);
    }
  });
  const match = location.hash.match(/^#turn-(\d+)$/);
  if (match) highlight(match[1]);
}

function confirmations() {
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

function renderTurn(list, turn, name) {
  if (document.getElementById(`turn-${turn.index}`)) return;
  // measured before the turn is added: was the reader following the end of the pane?
  const following = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  const item = document.createElement("li");
  item.className = `turn turn-${turn.speaker === "ai" ? "ai" : "participant"} fresh`;
  item.id = `turn-${turn.index}`;
  item.dataset.index = String(turn.index);
  const meta = document.createElement("div");
  meta.className = "turn-meta";
  const speaker = document.createElement("span");
  speaker.className = "speaker";
  speaker.textContent = turn.speaker === "ai" ? turn.character || "Interviewer" : name;
  const number = document.createElement("span");
  number.className = "turn-no";
  number.textContent = `#${turn.index}`;
  meta.append(speaker, " ", number, " ", timeElement(turn.started_at));
  const text = document.createElement("p");
  text.textContent = turn.text;
  item.append(meta, text);
  list.append(item);
  // no smooth scrolling here: a turn arriving mid-animation would read as "scrolled away"
  if (following) list.scrollTo({ top: list.scrollHeight, behavior: "instant" });
}

const LIVE_REGIONS = ["session-lede", "facts", "scorecard", "signals"];

// The parts of the page the stream says are out of date, re-rendered by the server: the
// page is fetched again and its status line, times, scorecard and signals swapped in (the
// transcript and the player stay as they are).
async function refreshRegions() {
  const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of LIVE_REGIONS) {
    const next = fresh.getElementById(id);
    const now = document.getElementById(id);
    if (next && now) now.replaceWith(document.importNode(next, true));
  }
  refreshTimes();
}

function sameState(a, b) {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

function liveTranscript() {
  const list = document.getElementById("transcript");
  if (!list || !("live" in list.dataset) || !window.EventSource) return;
  const name = document.querySelector(".page-head h1")?.firstChild?.textContent?.trim() || "Candidate";
  const url = `${list.dataset.stream}?after=${encodeURIComponent(list.dataset.after)}`;
  const source = new EventSource(url);
  const live = document.getElementById("live");
  const empty = document.getElementById("no-turns");
  let refreshing = Promise.resolve();
  source.addEventListener("turn", (event) => {
    const turn = JSON.parse(event.data);
    renderTurn(list, turn, name);
    list.dataset.after = String(turn.index);
    if (empty) empty.hidden = true;
  });
  source.addEventListener("session", (event) => {
    if (sameState(event.data, list.dataset.shown)) return;
    list.dataset.shown = event.data;
    if (live) live.hidden = JSON.parse(event.data).status !== "in_progress";
    refreshing = refreshing.then(refreshRegions).catch(() => {});
  });
  source.addEventListener("end", () => {
    source.close();
    if (live) live.hidden = true;
    list.dataset.ended = "";
  });
  window.addEventListener("pagehide", () => source.close());
}

function turnAt(list, seconds) {
  for (const turn of list.querySelectorAll(".turn[data-audio-start]")) {
    const start = parseFloat(turn.dataset.audioStart);
    const end = "audioEnd" in turn.dataset ? parseFloat(turn.dataset.audioEnd) : Infinity;
    if (seconds >= start && seconds < end) return turn;
  }
  return null;
}

// The recording follows the transcript: the turn being played is highlighted (and scrolled
// into view inside the pane), and a turn's "play from here" button, or a click on the turn,
// seeks the player to it.
function playback() {
  const audio = document.getElementById("recording");
  const list = document.getElementById("transcript");
  if (!audio || !list) return;
  let current = null;
  const follow = () => {
    const found = turnAt(list, audio.currentTime);
    if (found === current) return;
    if (current) { current.classList.remove("playing"); current.removeAttribute("aria-current"); }
    current = found;
    if (!found) return;
    found.classList.add("playing");
    found.setAttribute("aria-current", "true");
    const top = found.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top + found.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);
    }
  };
  audio.addEventListener("timeupdate", follow);
  audio.addEventListener("seeked", follow);
  list.addEventListener("click", (event) => {
    const turn = event.target.closest(".turn[data-audio-start]");
    if (!turn || event.target.closest("a")) return;
    const button = event.target.closest("button.seek");
    if (!button && String(window.getSelection() || "")) return; // selecting text, not seeking
    audio.currentTime = parseFloat(turn.dataset.audioStart);
    audio.play().catch(() => {});
  });
}

// A fresh schedule form starts in the browser's own time zone when the server knows it.
function browserZone() {
  const input = document.querySelector("input[data-browser-zone]");
  if (!input) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const known = [...document.querySelectorAll(`#${input.getAttribute("list")} option`)].some(
    (option) => option.value === zone,
  );
  if (zone && known && input.value === "UTC") input.value = zone;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (button) copy(button);
});
menu();
dimensionRows();
weights();
citations();
confirmations();
liveTranscript();
playback();
browserZone();
setInterval(refreshTimes, 30_000);
