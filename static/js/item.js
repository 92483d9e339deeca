// Item details: rotate and zoom the document image (view only; the stored file is never changed), and the
// keyboard shortcuts (j/k next and previous in the inbox tab's order, p Publish, e first field, ? the list).
(function () {
  "use strict";
  function typing(target) {
    return target.closest("input, select, textarea, [contenteditable]") !== null;
  }
  function toggleShortcuts() {
    var list = document.getElementById("item-shortcuts");
    var button = document.querySelector("[data-shortcuts-toggle]");
    if (!list || !button) return;
    list.hidden = !list.hidden;
    button.setAttribute("aria-expanded", String(!list.hidden));
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-toggle]")) toggleShortcuts();
  });
  // Publish, then the next item of the inbox tab this page was opened from (its view is this page's query string);
  // the "then open the next item" choice is remembered in this browser.
  function stored() {
    try { return window.localStorage; } catch (blocked) { return null; } // a portal's frame may have no storage
  }
  function prepare(root) {
    root.querySelectorAll("[data-queue-view]").forEach(function (input) { input.value = location.search.slice(1); });
    var storage = stored();
    if (!storage) return;
    root.querySelectorAll("input[data-remember]").forEach(function (box) {
      var kept = storage.getItem("docket:" + box.getAttribute("data-remember"));
      if (kept !== null) box.checked = kept === "yes";
    });
  }
  prepare(document);
  document.addEventListener("htmx:afterSettle", function () { prepare(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { prepare(document); });
  document.addEventListener("change", function (event) {
    var box = event.target.closest("input[data-remember]");
    var storage = stored();
    if (box && storage) storage.setItem("docket:" + box.getAttribute("data-remember"), box.checked ? "yes" : "no");
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var target = null;
    if (event.key === "j") target = document.querySelector("[data-queue=next]");
    else if (event.key === "k") target = document.querySelector("[data-queue=prev]");
    else if (event.key === "p") target = document.querySelector("#item-publish button.primary:not([disabled])");
    else if (event.key === "e") {
      var field = document.querySelector("#item-tab .item-field input:not([type=hidden]), #item-tab .item-field select");
      if (field) { event.preventDefault(); field.focus(); }
      return;
    } else if (event.key === "?") { toggleShortcuts(); return; }
    if (target) { event.preventDefault(); target.click(); }
  });
})();

(function () {
  "use strict";
  // The image is looked up at each use: the document view is redrawn in place once the reading is done.
  var turn = 0;
  var zoom = 1;
  function image() {
    return document.querySelector("[data-document-image]");
  }
  function apply() {
    var shown = image();
    if (shown) shown.style.transform = "rotate(" + turn + "deg) scale(" + zoom + ")";
  }
  // htmx keeps a copy of the page for Back (a tab pushes its address): without the inline transform, which the
  // CSP would refuse when the copy is put back; the view itself is kept.
  document.addEventListener("htmx:beforeHistorySave", function () {
    var shown = image();
    if (!shown || !shown.hasAttribute("style")) return;
    shown.removeAttribute("style");
    window.queueMicrotask(apply);
  });
  document.addEventListener("htmx:afterSettle", apply);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-image-rotate], [data-image-zoom]");
    if (!button) return;
    if (button.hasAttribute("data-image-rotate")) {
      turn = (turn + 90) % 360;
    } else {
      var step = button.getAttribute("data-image-zoom") === "in" ? 1.25 : 0.8;
      zoom = Math.min(4, Math.max(0.5, zoom * step));
    }
    apply();
  });
})();

// The regions the reading read each field from: a box over the page (data-box: left top right bottom, in
// ten-thousandths of the page), and the field's box highlighted while its input has the focus.
(function () {
  "use strict";
  // A region stays marked "check" only while its field still carries a Check mark (Confirm and edits clear it).
  function place(root) {
    root.querySelectorAll(".read-mark[data-box]").forEach(function (mark) {
      var field = mark.getAttribute("data-field");
      if (document.querySelector("#item-tab .item-field")) { // the Details tab, where the Check marks are
        mark.classList.toggle("read-mark-check", document.getElementById("check-" + field) !== null);
      }
      var box = mark.getAttribute("data-box").split(" ").map(Number);
      mark.style.left = box[0] / 100 + "%";
      mark.style.top = box[1] / 100 + "%";
      mark.style.width = Math.max(box[2] - box[0], 50) / 100 + "%";
      mark.style.height = Math.max(box[3] - box[1], 50) / 100 + "%";
    });
  }
  function fieldOf(target) {
    var input = target.closest && target.closest(".item-field input, .item-field select, .item-field textarea");
    return input && input.id.indexOf("input-") === 0 ? input.id.slice("input-".length) : null;
  }
  function highlight(name) {
    document.querySelectorAll(".read-mark").forEach(function (mark) {
      var on = mark.getAttribute("data-field") === name;
      mark.classList.toggle("is-active", on);
      if (on) mark.scrollIntoView({ block: "nearest", inline: "nearest" });
    });
  }
  place(document);
  document.addEventListener("htmx:afterSettle", function () { place(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { place(document); });
  // Put back as markup by a history restore, inline styles would break the CSP: the copy is saved without them.
  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll(".read-mark[style]").forEach(function (mark) { mark.removeAttribute("style"); });
    window.queueMicrotask(function () { place(document); });
  });
  document.addEventListener("focusin", function (event) {
    var name = fieldOf(event.target);
    if (name) highlight(name);
  });
  document.addEventListener("focusout", function (event) {
    if (fieldOf(event.target)) highlight(null);
  });
})();
