// Embedded in a practice portal: talk to the portal window only, at the origin Docket was configured with.
// Sends docket:ready (launch page), docket:height, docket:item-published, docket:publish-failed and
// docket:needs-reconnect; accepts docket:launch (launch page) and docket:request-height, and only from the
// parent window at that origin. Payloads are documented in README.md ("Embedding in a practice portal").
(function () {
  "use strict";
  var holder = document.getElementById("embed-start") || document.body;
  var portalOrigin = holder.getAttribute("data-portal-origin");
  if (!portalOrigin || window.parent === window) return;
  var portal = window.parent;

  function send(type, fields) {
    var message = { type: type };
    Object.keys(fields || {}).forEach(function (key) { message[key] = fields[key]; });
    portal.postMessage(message, portalOrigin); // never "*": only the configured portal may read it
  }

  function fromPortal(event) {
    return event.origin === portalOrigin && event.source === portal &&
      event.data !== null && typeof event.data === "object" && typeof event.data.type === "string";
  }

  var launch = document.querySelector("form[data-embed-launch]");
  if (launch) {
    var sent = false;
    window.addEventListener("message", function (event) {
      if (sent || !fromPortal(event) || event.data.type !== "docket:launch") return;
      var token = event.data.token;
      if (typeof token !== "string" || token.length === 0 || token.length > 4096) return;
      sent = true;
      launch.elements.token.value = token;
      launch.submit(); // a POST body: the token never appears in an address or a log
    });
    send("docket:ready");
    return;
  }

  var lastHeight = 0;
  function reportHeight(force) {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight || force) {
      lastHeight = height;
      send("docket:height", { height: height });
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(function () { reportHeight(false); }).observe(document.documentElement);
  }
  window.addEventListener("load", function () { reportHeight(false); });
  reportHeight(false);

  // Outcomes the server names in an HX-Trigger header ("docket-event"), passed on with only their known fields.
  var FIELDS = {
    "docket:item-published": ["itemId", "xeroUrl"],
    "docket:publish-failed": ["itemId", "message"]
  };
  document.body.addEventListener("docket-event", function (event) {
    var detail = event.detail || {};
    var fields = FIELDS[detail.type];
    if (!fields) return;
    var payload = {};
    fields.forEach(function (name) { payload[name] = detail[name]; });
    send(detail.type, payload);
  });

  // The banner region carries data-docket-needs-reconnect while the connection needs reconnecting.
  var reconnectShown = false;
  function checkReconnect() {
    var banner = document.querySelector("[data-docket-needs-reconnect]");
    if (banner && !reconnectShown) {
      send("docket:needs-reconnect", { businessId: Number(banner.getAttribute("data-docket-needs-reconnect")) });
    }
    reconnectShown = !!banner;
  }
  document.body.addEventListener("htmx:afterSettle", checkReconnect);
  checkReconnect();

  window.addEventListener("message", function (event) {
    if (fromPortal(event) && event.data.type === "docket:request-height") reportHeight(true);
  });
})();
