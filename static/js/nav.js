// The sidebar behind the Menu button on narrow screens: the button opens and closes it (aria-expanded, which the
// stylesheet follows), Escape closes it and gives the focus back to the button. Without this script the button
// stays hidden and the sidebar open.
(function () {
  "use strict";
  function toggles() {
    return document.querySelectorAll("[data-sidebar-toggle]");
  }
  function setOpen(button, open) {
    button.setAttribute("aria-expanded", String(open));
  }
  toggles().forEach(function (button) { button.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sidebar-toggle]");
    if (button) setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    toggles().forEach(function (button) {
      if (button.getAttribute("aria-expanded") !== "true") return;
      setOpen(button, false);
      var sidebar = document.getElementById(button.getAttribute("aria-controls"));
      if (sidebar && sidebar.contains(document.activeElement)) button.focus();
    });
  });
})();
