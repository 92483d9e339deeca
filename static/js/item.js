// Item details: rotate and zoom the document image (view only; the stored file is never changed).
(function () {
  "use strict";
  var image = document.querySelector("[data-document-image]");
  if (!image) return;
  var turn = 0;
  var zoom = 1;
  function apply() {
    image.style.transform = "rotate(" + turn + "deg) scale(" + zoom + ")";
  }
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
