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
  // Zoom on scanned pages (mail room): the pages get wider inside their scrolling box.
  var ZOOM_LEVELS = [1, 1.5, 2, 3];
  document.querySelectorAll("[data-zoom-for]").forEach(function (bar) {
    var box = document.getElementById(bar.dataset.zoomFor);
    if (!box) return;
    var level = 0;
    var output = bar.querySelector("output");
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) return;
      level = Math.max(0, Math.min(ZOOM_LEVELS.length - 1, level + Number(button.dataset.zoom)));
      var factor = ZOOM_LEVELS[level];
      box.querySelectorAll("img").forEach(function (img) { img.style.width = factor === 1 ? "" : (factor * 100) + "%"; });
      if (factor === 1) { delete box.dataset.zoom; } else { box.dataset.zoom = String(factor); }
      output.textContent = Math.round(factor * 100) + " %";
    });
  });
  // Bring keyboard and screen-reader users straight to the error summary.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("erreurs");
    if (summary) summary.focus();
  });
})();
