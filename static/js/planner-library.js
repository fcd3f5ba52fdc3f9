// Planner → Keyword library: tick a page, count the ticked keywords.
(() => {
  // "Select all on this page", and a count of the ticked rows. Works on every swap of the list.
  const update = (form) => {
    const boxes = [...form.querySelectorAll("input[name=seed]")];
    const ticked = boxes.filter((b) => b.checked).length;
    const all = form.querySelector("[data-select-page]");
    if (all) { all.checked = boxes.length > 0 && ticked === boxes.length; all.indeterminate = ticked > 0 && ticked < boxes.length; all.disabled = boxes.length === 0; }
    const count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = ticked ? `${ticked} selected` : "";
  };
  document.addEventListener("change", (e) => {
    const form = e.target.closest("#lib-add");
    if (!form) return;
    if (e.target.matches("[data-select-page]")) form.querySelectorAll("input[name=seed]").forEach((b) => { b.checked = e.target.checked; });
    update(form);
  });
  const init = () => { const form = document.getElementById("lib-add"); if (form) update(form); };
  document.addEventListener("htmx:afterSettle", init);
  document.addEventListener("DOMContentLoaded", init);
})();
