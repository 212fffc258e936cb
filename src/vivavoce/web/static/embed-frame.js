// The interview's side of the embeddable widget (docs/embed.md): tells the host page what
// happens, by postMessage to the one origin this page may be framed by (the server put it in
// the page and in its frame-ancestors), and answers only that origin's window.
const frame = document.getElementById("embed-frame");
const hostOrigin = frame.dataset.origin;
const sessionId = frame.dataset.session;
const embedded = window.parent !== window;
let state = frame.dataset.state;
let started = false;

function post(type, extra) {
  if (!embedded) return;
  const message = { source: "vivavoce", version: 1, type, session_id: sessionId, ...extra };
  window.parent.postMessage(message, hostOrigin);
}

function ended(status, reason) {
  state = status === "completed" ? "completed" : "failed";
  post(state, { status, reason });
}

document.addEventListener("vivavoce:status", (event) => {
  const detail = event.detail || {};
  if (detail.state === "live" && !started) {
    started = true;
    state = "started";
    post("started", { resumed: Boolean(detail.resumed) });
  } else if (detail.state === "ended") {
    ended(detail.status || "failed", detail.reason || null);
  }
});

window.addEventListener("message", (event) => {
  if (event.origin !== hostOrigin || event.source !== window.parent) return;
  const data = event.data;
  if (data && data.source === "vivavoce-host" && data.type === "status") post("status", { state });
});

let lastHeight = 0;
function reportHeight() {
  const height = Math.ceil(document.documentElement.scrollHeight);
  if (height === lastHeight) return;
  lastHeight = height;
  post("resize", { height });
}
if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);

// A page with no interview to show says why at once: the session is over, or the token was
// spent or has expired (the host page should fetch a new one). A page that follows an end
// the host was already told of (a practice's feedback) says nothing new.
const quiet = frame.dataset.announce === "no";
if (quiet) reportHeight();
else if (state === "completed") ended("completed", null);
else if (state === "cancelled" || state === "failed") ended(state, null);
else if (state === "token_used" || state === "token_expired") post("error", { reason: state });
else if (state === "not_joinable") post("error", { reason: state });
else post("ready", {});
reportHeight();
