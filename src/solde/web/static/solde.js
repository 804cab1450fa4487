// solde back office: the action panel (a modal dialog filled by htmx), the CSRF header of
// htmx requests, and small helpers. Everything works without this file; it only makes the
// pages quicker to use.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  function dialog() { return document.getElementById("panel-dialog"); }
  function panel() { return document.getElementById("panel"); }

  function closePanel() {
    var d = dialog();
    if (d && d.open) { d.close(); }
  }

  function focusFirst(root) {
    var target = root.querySelector("[aria-invalid=true]") ||
      root.querySelector("input:not([type=hidden]):not([disabled]), select, textarea, button.primary");
    if (target) { target.focus(); }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var p = panel();
    if (!p || event.detail.target !== p) { return; }
    var d = dialog();
    if (p.children.length === 0 || p.textContent.trim() === "") {
      closePanel();
      return;
    }
    if (!d.open) { d.showModal(); }
    focusFirst(p);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-panel]");
    if (button) { event.preventDefault(); closePanel(); }
  });

  document.addEventListener("close", function (event) {
    if (event.target === dialog()) { panel().innerHTML = ""; }
  }, true);

  // Adding a line: the "when" follows the default of the type chosen (each option says it,
  // from the server's rule), until the user picks a mode or sends the form.
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form) { return; }
    if (field.name === "mode") { form.dataset.modeChosen = "1"; return; }
    if (field.name !== "line_type" || form.dataset.modeChosen || form.dataset.submitted) { return; }
    var option = field.options[field.selectedIndex];
    var radio = option && form.querySelector('input[name="mode"][value="' + option.dataset.mode + '"]');
    if (radio) { radio.checked = true; }
  });
})();
