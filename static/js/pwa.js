// Docket as an installable app: registers the service worker (static/sw.js, served at the root so that it controls
// every page), which keeps the shell for offline use. Top-level pages only: base.html leaves this out in a frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) { return; }
  navigator.serviceWorker.register(script.getAttribute("data-worker")).catch(function () {
    // Not fatal: the app works without it, only not offline (a private window, or storage turned off).
  });
})();
