// Keep the consent button's "N organisations" count in step with the ticked boxes.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("consent-form");
  var button = document.getElementById("consent-allow");
  if (!form || !button) { return; }
  function update() {
    var n = form.querySelectorAll('input[name="tenant_id"]:checked').length;
    button.textContent = form.dataset.verb + " " + n + " organisation" + (n === 1 ? "" : "s");
    button.disabled = n === 0;
  }
  form.addEventListener("change", update);
  update();
});
