// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Person picker: a ticked search result joins the chosen list, so a new search
  // does not drop it; Enter in the search box searches instead of submitting the form.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "checkbox") return;
    var options = input.closest("[data-picker-options]");
    if (!options || !input.checked) return;
    var picker = options.closest("[data-picker]");
    var chosen = picker && picker.querySelector("[data-picker-selected]");
    var item = input.closest("li");
    if (!chosen || !item) return;
    chosen.appendChild(item);
    input.focus();
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !(input instanceof HTMLInputElement)) return;
    if (!input.closest("[data-picker]") || input.type !== "search") return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(input, "search");
  });

  // Character counter: a textarea with data-counter="ID" updates the [data-count] in #ID.
  function updateCounter(area) {
    var counter = document.getElementById(area.getAttribute("data-counter") || "");
    var count = counter && counter.querySelector("[data-count]");
    if (count) count.textContent = String(area.value.length);
  }
  document.addEventListener("input", function (event) {
    var area = event.target;
    if (area instanceof HTMLTextAreaElement && area.hasAttribute("data-counter")) {
      updateCounter(area);
    }
  });
  document.querySelectorAll("textarea[data-counter]").forEach(updateCounter);

  // Ctrl+Enter (or Cmd+Enter) anywhere in a form marked data-submit-shortcut saves it,
  // the summary's text area included (where a plain Enter is a new line).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var target = event.target;
    var form = target instanceof Element && target.closest("form[data-submit-shortcut]");
    if (!form) return;
    event.preventDefault();
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });

  // A filter form marked data-drop-empty sends (and pushes into the address bar) only
  // the filters the user set: "?q=marta", not "?q=marta&band=&owner=".
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    var form = detail.elt instanceof Element && detail.elt.closest("form[data-drop-empty]");
    if (!form || !detail.useUrlParams) return;
    Object.keys(detail.parameters).forEach(function (name) {
      if (detail.parameters[name] === "") delete detail.parameters[name];
    });
  });
})();
