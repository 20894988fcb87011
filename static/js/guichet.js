// Small enhancements only: every page works without JavaScript.
(function () {
  "use strict";
  // A second click on "Envoyer" must not send the form twice (the server also deduplicates).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = form.querySelector("button[data-once]");
    if (!button) return;
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    button.setAttribute("aria-disabled", "true");
    button.classList.add("button--busy");
  });
  // Coming back with the browser's "back" button restores the page as it was: allow sending again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      var button = form.querySelector("button[data-once]");
      if (button) { button.removeAttribute("aria-disabled"); button.classList.remove("button--busy"); }
    });
  });
  // Bring keyboard and screen-reader users straight to the error summary.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("erreurs");
    if (summary) summary.focus();
  });
})();
