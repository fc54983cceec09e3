// The mobile inspection form (safety/inspections/inspection_form.html), without inline scripts
// (Content-Security-Policy):
// - the device's location (navigator.geolocation) goes into the hidden longitude / latitude
//   fields; the page says whether it was found (the form works without it);
// - marking a checklist item "有隐患" adds a hazard block for that item (app.js's formset
//   "add" button appends the block) unless one is already there.
(() => {
  const form = document.getElementById("inspection-form");
  if (!form) return;

  const status = document.getElementById("geo-status");
  const lon = form.querySelector('input[data-geo="lon"]');
  const lat = form.querySelector('input[data-geo="lat"]');
  const say = (key) => {
    if (status && status.dataset[key]) status.textContent = status.dataset[key];
  };
  if (lon && lat && !(lon.value && lat.value) && "geolocation" in navigator) {
    say("waiting");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        lon.value = position.coords.longitude.toFixed(6);
        lat.value = position.coords.latitude.toFixed(6);
        say("done");
      },
      () => say("failed"),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  const hazardBlocks = () => [...form.querySelectorAll("#hazard-forms .td-hazard")];
  const itemSelect = (block) => block.querySelector("select[data-hazard-item]");
  const description = (block) => block.querySelector("textarea");
  const isEmpty = (block) => {
    const text = description(block);
    const select = itemSelect(block);
    return (!text || !text.value.trim()) && (!select || !select.value);
  };

  form.addEventListener("change", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.type !== "radio" || radio.value !== "hazard") return;
    const item = radio.dataset.item;
    if (!item || hazardBlocks().some((b) => itemSelect(b) && itemSelect(b).value === item)) return;
    let block = hazardBlocks().find(isEmpty);
    if (!block) {
      const add = document.getElementById("add-hazard");
      if (add) add.click();
      block = hazardBlocks().find(isEmpty);
    }
    if (!block) return;
    const select = itemSelect(block);
    if (select) select.value = item;
    const line = radio.closest("[data-text]");
    const text = description(block);
    if (text && line && !text.value) text.value = line.dataset.text;
    if (text) text.focus();
  });
})();
