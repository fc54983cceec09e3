// Long work with progress (ADR 0031): a form whose submit button carries data-td-busy disables
// that button once submitted (no second upload while the first is on its way) and shows the
// busy text; the progress fragment itself is refreshed by htmx (hx-trigger="every 1s").
(() => {
  const busyButtons = () => document.querySelectorAll("button[data-td-busy]");

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    form.querySelectorAll("button[data-td-busy]").forEach((button) => {
      // Disabled after the submission has been built, so that a named button still counts.
      window.setTimeout(() => {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        button.dataset.tdIdleText = button.textContent;
        button.textContent = button.dataset.tdBusy;
      }, 0);
    });
  });

  // Coming back with the browser's back button restores the page as it was left: re-enable.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    busyButtons().forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (button.dataset.tdIdleText) button.textContent = button.dataset.tdIdleText;
    });
  });
})();
