// Inbox enhancements (the page works without them): drop files on the upload area, send files as soon as
// they are chosen, and "select all on this page" with a selected count. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function dropzone(target) {
    return target && target.closest ? target.closest("[data-dropzone]") : null;
  }

  function send(form) {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  document.addEventListener("dragover", function (event) {
    var zone = dropzone(event.target);
    if (!zone) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("is-dragover");
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropzone(event.target);
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("is-dragover"); }
  });

  document.addEventListener("drop", function (event) {
    var zone = dropzone(event.target);
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("is-dragover");
    if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
    zone.querySelector("input[type=file]").files = event.dataTransfer.files;
    send(zone);
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-dropzone] input[type=file]") && target.files.length) {
      send(dropzone(target));
    } else if (target.matches("[data-select-all]")) {
      var table = target.closest("table");
      table.querySelectorAll("[data-select-item]").forEach(function (box) { box.checked = target.checked; });
      updateCount(table);
    } else if (target.matches("[data-select-item]")) {
      updateCount(target.closest("table"));
    }
  });

  function updateCount(table) {
    var region = table.closest("#items-table");
    var boxes = table.querySelectorAll("[data-select-item]");
    var chosen = table.querySelectorAll("[data-select-item]:checked").length;
    var all = table.querySelector("[data-select-all]");
    all.checked = chosen > 0 && chosen === boxes.length;
    all.indeterminate = chosen > 0 && chosen < boxes.length;
    var count = region && region.querySelector("[data-selected-count]");
    if (count) { count.textContent = chosen ? chosen + " selected" : "None selected"; }
    var bar = region && region.querySelector("[data-bulk-bar]");
    if (bar) { bar.classList.toggle("has-selection", chosen > 0); }
  }
})();

// A look at an image document while the pointer or the focus is on its row's type link (fetched when first shown;
// PDFs are marked "PDF" in the row instead). Pointer devices only: a phone opens the item.
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(hover: hover)").matches) { return; }
  var peek = null;

  function show(link) {
    if (!peek) {
      peek = document.createElement("img");
      peek.className = "document-peek";
      peek.alt = "";
      document.body.appendChild(peek);
    }
    var box = link.getBoundingClientRect();
    peek.src = link.getAttribute("data-peek");
    peek.style.left = Math.round(box.right + 8) + "px";
    peek.style.top = Math.round(Math.max(8, Math.min(box.top, window.innerHeight - 270))) + "px";
    peek.hidden = false;
  }

  function follow(event) {
    var link = event.target.closest ? event.target.closest("[data-peek]") : null;
    if (link) { show(link); } else if (peek) { peek.hidden = true; }
  }

  document.addEventListener("mouseover", follow);
  document.addEventListener("focusin", follow);
  document.addEventListener("scroll", function () { if (peek) { peek.hidden = true; } }, true);
  document.addEventListener("htmx:beforeSwap", function () { if (peek) { peek.hidden = true; } });
  // htmx keeps a copy of the page for Back: its inline position would be refused by the CSP when put back.
  document.addEventListener("htmx:beforeHistorySave", function () {
    if (peek) { peek.remove(); peek = null; }
  });
})();
