// The portal's side of embedding Docket: answer docket:ready with a launch token from this portal's server,
// size the frame from docket:height, and list every event. Messages count only from Docket's frame and origin.
(function () {
  "use strict";
  var frame = document.getElementById("docket-frame");
  if (!frame) return;
  var docketOrigin = new URL(frame.getAttribute("data-docket-origin")).origin;
  var events = document.getElementById("portal-events");

  function record(data) {
    var entry = document.createElement("li");
    var fields = Object.assign({}, data);
    delete fields.type;
    entry.textContent = data.type + " " + JSON.stringify(fields);
    entry.setAttribute("data-type", data.type);
    events.insertBefore(entry, events.firstChild);
    while (events.children.length > 50) events.removeChild(events.lastChild);
  }

  function launch() {
    fetch("/launch-token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ launch: Number(frame.getAttribute("data-launch")) })
    }).then(function (response) {
      if (!response.ok) throw new Error("the portal could not sign a launch token");
      return response.json();
    }).then(function (answer) {
      frame.contentWindow.postMessage({ type: "docket:launch", token: answer.token }, docketOrigin);
    }).catch(function (error) {
      record({ type: "portal:error", message: String(error.message || error) });
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== docketOrigin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data.type !== "string" || data.type.indexOf("docket:") !== 0) return;
    record(data);
    if (data.type === "docket:ready") launch();
    if (data.type === "docket:height" && typeof data.height === "number") {
      frame.style.height = Math.max(320, Math.min(data.height, 20000)) + "px";
    }
  });
})();
