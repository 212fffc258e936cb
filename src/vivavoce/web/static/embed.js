// vivavoce's embed loader (docs/embed.md), served at /embed.js by the vivavoce server itself.
// A host page includes it and mounts an interview from an embed token its own server asked
// for (POST /api/v1/sessions/{id}/embed-token: the API key never reaches the browser):
//
//   <div id="interview"></div>
//   <script src="https://interviews.example.com/embed.js"></script>
//   <script>Vivavoce.mount("#interview", { token, onEvent: (e) => console.log(e.type) });</script>
//
// or, without code: <script src=".../embed.js" data-token="…" data-target="#interview">.
// Events come from the iframe by postMessage; only messages from vivavoce's origin and from
// this iframe's window are taken, and the one message sent back goes to vivavoce's origin only.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src).origin;
  var MIN_HEIGHT = 360;
  var MAX_HEIGHT = 4000;

  function elementOf(target) {
    var element = typeof target === "string" ? document.querySelector(target) : target;
    if (!element) throw new Error("vivavoce: no element to mount the interview in");
    return element;
  }

  function mount(target, options) {
    options = options || {};
    if (!options.token) throw new Error("vivavoce: an embed token is required");
    var element = elementOf(target);
    var iframe = document.createElement("iframe");
    iframe.src = origin + "/embed/" + encodeURIComponent(options.token);
    // the microphone for voice interviews, and the interviewer's voice without a second click
    iframe.allow = "microphone; autoplay";
    iframe.title = options.title || "Interview";
    iframe.referrerPolicy = "no-referrer";
    iframe.style.border = "0";
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.height = (options.height || 640) + "px";
    var autoResize = options.autoResize !== false;

    function onMessage(event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var data = event.data;
      if (!data || data.source !== "vivavoce" || typeof data.type !== "string") return;
      if (data.type === "resize" && autoResize && typeof data.height === "number") {
        iframe.style.height = Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, data.height)) + "px";
      }
      element.dispatchEvent(new CustomEvent("vivavoce:" + data.type, { detail: data, bubbles: true }));
      if (typeof options.onEvent === "function") options.onEvent(data);
    }

    window.addEventListener("message", onMessage);
    element.appendChild(iframe);
    return {
      iframe: iframe,
      // asks the interview for a `status` event (its current state)
      requestStatus: function () {
        if (iframe.contentWindow) {
          iframe.contentWindow.postMessage({ source: "vivavoce-host", type: "status" }, origin);
        }
      },
      destroy: function () {
        window.removeEventListener("message", onMessage);
        iframe.remove();
      },
    };
  }

  window.Vivavoce = { mount: mount, origin: origin };

  var token = script.dataset.token;
  var target = script.dataset.target;
  if (token && target) {
    var start = function () {
      mount(target, { token: token, height: Number(script.dataset.height) || undefined });
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
