// Searchable selects: every <select data-search-select> becomes a Tom Select (type to filter,
// picks shown as tags with a remove button, no Ctrl-click). The <select> itself stays in the form
// and is what gets submitted, so without JavaScript (or without Tom Select) it works as it is.
(() => {
  "use strict";

  function enhance(select) {
    if (typeof window.TomSelect !== "function" || select.tomselect || select.closest("template")) return;
    const multiple = select.multiple;
    const noResults = select.dataset.noResults || "";
    const settings = {
      maxOptions: null, // every option stays reachable by typing, however long the list
      // The options are all in the page: filter on each keystroke. (Tom Select's default waits
      // 300 ms, and a pick made meanwhile was followed by the late refresh re-opening the list.)
      refreshThrottle: 0,
      create: false,
      // A single select with a placeholder (e.g. the enterprise) starts empty; one without keeps
      // its empty option as a real choice (e.g. "按类别默认").
      allowEmptyOption: !multiple && !select.dataset.placeholder,
      // A multiple select keeps its search box after picks: hiding it on blur shrank the control
      // and moved everything below it between mousedown and mouseup (a click on 提交 then missed).
      // A single select shows its pick alone.
      hidePlaceholder: !multiple,
      plugins: multiple ? ["remove_button"] : [],
      render: {
        no_results: () => {
          const div = document.createElement("div");
          div.className = "no-results";
          div.textContent = noResults;
          return div;
        },
      },
      onItemAdd() {
        // After a pick, clear the typed text so the next one can be searched right away.
        if (multiple) this.setTextboxValue("");
      },
    };
    if (select.dataset.placeholder) settings.placeholder = select.dataset.placeholder;
    // eslint-disable-next-line no-new
    new window.TomSelect(select, settings);
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-search-select]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  // Content swapped in by htmx (list filters, partial forms).
  document.addEventListener("htmx:afterSwap", (event) => enhanceAll(event.target));
})();
