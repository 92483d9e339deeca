// Xero's sign-in window opened from an embedded Docket: the frame opens it as a popup (a window a script opened may
// be closed by a script), and the "Signed in to Xero" page closes it again once the frame can carry on.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-sign-in-window]");
    if (!link) return;
    var popup = window.open(link.href, "docket-xero-sign-in", "popup,width=620,height=760");
    if (!popup) return; // blocked: the link opens a new tab as before
    popup.opener = null; // Xero's pages get no handle on Docket's frame
    event.preventDefault();
  });
  if (document.querySelector("[data-close-window]")) {
    window.setTimeout(function () { window.close(); }, 1500); // long enough to read "Signed in to Xero"
  }
})();
