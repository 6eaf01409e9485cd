// OpenCIQ page behaviour. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function wire(root) {
    // "Select all" checkbox in list tables.
    root.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll('input[name="pk"][form="bulk-form"]').forEach(function (row) {
          row.checked = box.checked;
        });
      });
    });
    // Controls that submit their form when changed (language switch).
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // Buttons that ask before a destructive action.
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }
  onReady(function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
})();
