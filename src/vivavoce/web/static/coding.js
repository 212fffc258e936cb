// The interview room's coding pane: shown beside the conversation when the session's stage
// has a problem pool. The editor is CodeMirror 5, served from /vendor/codemirror/ (installed
// by `make sandbox` from the pinned vendor/package-lock.json, never a CDN). "Run" runs the
// visible tests, "Submit" the hidden ones too; every run is kept by the server. Pastes into
// the editor are reported as authenticity signals (their size only, never the text).
const root = document.getElementById("join");
const pane = document.getElementById("code-pane");
const token = root ? root.dataset.token : null;
const BASE = token ? `/join/${encodeURIComponent(token)}` : null;
const MODES = { python: "python", javascript: "javascript", typescript: "text/typescript" };
const LABELS = { python: "Python", javascript: "JavaScript", typescript: "TypeScript" };
const STATUS = { passed: "passed", failed: "failed", error: "error", timeout: "timed out" };

let problem = null;
let editor = null;
let language = null;
let busy = false;
const drafts = {};

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = el("script", { src });
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function loadEditor() {
  document.head.append(el("link", { rel: "stylesheet", href: "/vendor/codemirror/lib/codemirror.css" }));
  await loadScript("/vendor/codemirror/lib/codemirror.js");
  await Promise.all(
    ["mode/python/python.js", "mode/javascript/javascript.js", "addon/edit/matchbrackets.js", "addon/edit/closebrackets.js"].map(
      (path) => loadScript(`/vendor/codemirror/${path}`),
    ),
  );
  return window.CodeMirror;
}

function draftKey(lang) {
  return `vivavoce-code-${token}-${lang}`;
}

function startingCode(lang, runs) {
  const saved = window.localStorage ? localStorage.getItem(draftKey(lang)) : null;
  if (saved !== null) return saved;
  const last = [...runs].reverse().find((run) => run.language === lang);
  if (last) return last.source;
  return (problem.starter_code || {})[lang] || "";
}

function describeArgs(args) {
  return `${problem.entry}(${args.map((a) => JSON.stringify(a)).join(", ")})`;
}

function buildPane(runs) {
  pane.replaceChildren();
  pane.append(el("h2", { id: "code-title" }, problem.title));
  pane.append(el("p", { class: "code-statement" }, problem.statement));
  const tests = el("ul", { class: "code-tests", "aria-label": "Example tests" });
  for (const test of problem.visible_tests) {
    const item = el("li");
    item.append(el("code", {}, `${describeArgs(test.args)} → ${JSON.stringify(test.expected)}`));
    tests.append(item);
  }
  pane.append(tests);
  if (problem.hidden_test_count) {
    pane.append(el("p", { class: "hint" }, `Submit also runs ${problem.hidden_test_count} hidden tests.`));
  }
  const toolbar = el("div", { class: "code-toolbar" });
  const label = el("label", { for: "code-language" }, "Language");
  const picker = el("select", { id: "code-language" });
  for (const lang of problem.languages) picker.append(el("option", { value: lang }, LABELS[lang] || lang));
  toolbar.append(label, picker);
  pane.append(toolbar);
  const holder = el("div", { class: "code-editor" });
  const area = el("textarea", { id: "code-source", "aria-label": "Your code", spellcheck: "false" });
  holder.append(area);
  pane.append(holder);
  const actions = el("div", { class: "code-toolbar" });
  const run = el("button", { class: "button", type: "button", id: "code-run" }, "Run");
  const submit = el("button", { class: "link-button", type: "button", id: "code-submit" }, "Submit");
  const state = el("span", { id: "code-state", role: "status", "aria-live": "polite" });
  actions.append(run, submit, state);
  pane.append(actions);
  pane.append(el("div", { id: "code-results", "aria-live": "polite" }));
  language = problem.languages[0];
  picker.value = language;
  area.value = startingCode(language, runs);
  return { picker, area, run, submit, runs };
}

function attachEditor(CodeMirror, parts) {
  editor = CodeMirror.fromTextArea(parts.area, {
    mode: MODES[language],
    lineNumbers: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    matchBrackets: true,
    autoCloseBrackets: true,
    extraKeys: { Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab") },
  });
  editor.on("change", (_cm, change) => {
    if (localStorage) localStorage.setItem(draftKey(language), editor.getValue());
    if (change.origin === "paste") {
      reportPaste(change.text.join("\n").length);
    }
  });
  parts.picker.addEventListener("change", () => {
    drafts[language] = editor.getValue();
    language = parts.picker.value;
    editor.setOption("mode", MODES[language]);
    editor.setValue(drafts[language] ?? startingCode(language, parts.runs));
  });
}

function turnsShown() {
  return document.querySelectorAll("#conversation li.turn[data-index]").length;
}

function reportPaste(characters) {
  const body = JSON.stringify({
    events: [{ kind: "code_paste", age_ms: 0, turn_index: turnsShown(), data: { characters } }],
  });
  fetch(`${BASE}/signals`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    credentials: "same-origin",
    keepalive: true,
  }).catch(() => {});
}

function resultLine(result, position) {
  const item = el("li", { class: `code-result code-result-${result.status}` });
  const title = result.hidden ? `Hidden test ${position}` : result.name || `Test ${position}`;
  let text = `${title}: ${STATUS[result.status] || result.status}`;
  if (!result.hidden) {
    if (result.status === "failed") {
      text += `\n  ${describeArgs(result.args)}\n  expected ${JSON.stringify(result.expected)}, got ${JSON.stringify(result.actual)}`;
    } else if (result.error) {
      text += `\n${result.error}`;
    }
  }
  item.textContent = text;
  return item;
}

function showRun(run) {
  const box = document.getElementById("code-results");
  box.replaceChildren();
  const kind = run.mode === "submit" ? "Submission" : "Run";
  let summary = `${kind}: ${run.passed ?? 0}/${run.total} tests passed`;
  if (run.hidden_total) summary += ` (hidden: ${run.hidden_passed ?? 0}/${run.hidden_total})`;
  if (run.status === "queued" || run.status === "running") summary = `${kind} is still running…`;
  if (run.status === "failed") summary = `${kind} could not run: ${run.error || "try again"}`;
  box.append(el("p", { class: "code-summary", id: "code-summary" }, summary));
  const list = el("ol", { class: "code-results" });
  let visible = 0;
  let hidden = 0;
  for (const result of run.results || []) {
    list.append(resultLine(result, result.hidden ? ++hidden : ++visible));
  }
  box.append(list);
  const output = [run.stdout, run.stderr].filter(Boolean).join("\n");
  if (output) {
    const details = el("details");
    details.append(el("summary", {}, run.output_truncated ? "Output (cut short)" : "Output"));
    details.append(el("pre", { class: "code-output" }, output));
    box.append(details);
  }
}

async function submitCode(mode, parts) {
  if (busy) return;
  busy = true;
  parts.run.disabled = parts.submit.disabled = true;
  const state = document.getElementById("code-state");
  state.textContent = mode === "submit" ? "Submitting…" : "Running…";
  try {
    const response = await fetch(`${BASE}/coding/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ language, source: editor.getValue(), mode }),
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      state.textContent = body.error || `The run failed (${response.status}). Try again.`;
      return;
    }
    parts.runs.push(body);
    showRun(body);
    state.textContent = "";
  } catch {
    state.textContent = "The run could not reach the server. Try again.";
  } finally {
    busy = false;
    parts.run.disabled = parts.submit.disabled = false;
  }
}

async function start() {
  if (!pane || !BASE) return;
  const response = await fetch(`${BASE}/coding`, { credentials: "same-origin" });
  if (!response.ok) return; // no coding problem for this stage: the room stays as it is
  const shown = await response.json();
  problem = shown.problem;
  const parts = buildPane(shown.runs);
  document.body.classList.add("coding");
  document.getElementById("room").classList.add("with-code");
  pane.hidden = false;
  try {
    attachEditor(await loadEditor(), parts);
  } catch {
    editor = { getValue: () => parts.area.value, setValue: (v) => (parts.area.value = v), setOption() {} };
  }
  parts.run.addEventListener("click", () => submitCode("run", parts));
  parts.submit.addEventListener("click", () => submitCode("submit", parts));
  if (shown.runs.length) showRun(shown.runs[shown.runs.length - 1]);
}

start();
