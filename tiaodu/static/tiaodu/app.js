// Behaviour that would otherwise need inline scripts (forbidden by our Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Language switcher, a list's page size: submit on change (delegated: lists are swapped by htmx).
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.matches("form[data-autosubmit] select")) {
      select.form.submit();
    }
  });
  // Destructive actions ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Formsets (e.g. the difficulties of a visit): "添加一行" appends a copy of the empty row.
  document.querySelectorAll("[data-formset-add]").forEach((button) => {
    const box = button.closest("[data-formset]");
    const prefix = button.dataset.formsetAdd;
    button.addEventListener("click", () => {
      const total = box.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
      const max = box.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`);
      const index = Number(total.value);
      if (max && index >= Number(max.value)) return;
      const template = box.querySelector("template.td-formset-template");
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      box.querySelector(".td-formset-rows").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  });
});
