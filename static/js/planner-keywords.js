// Planner → Keywords: tick all, the selection count, bulk fields. (app.js folds the filters
// on a phone.)
(() => {
  const boxes = (form) => [...form.querySelectorAll("input[name=ids]")];
  function sync(form) {
    const all = form.querySelector("[data-all-matching]");
    const page = form.querySelector("[data-select-page]");
    const rows = boxes(form);
    const ticked = rows.filter((b) => b.checked).length;
    if (page) {
      page.checked = rows.length > 0 && ticked === rows.length;
      page.indeterminate = ticked > 0 && ticked < rows.length;
    }
    const out = form.querySelector("[data-selected-count]");
    if (out) {
      const total = Number(all?.dataset.total || 0).toLocaleString();
      out.textContent = all?.checked ? `All ${total} matching selected` : ticked ? `${ticked} selected` : "";
    }
  }
  function showFields() {
    const action = document.getElementById("bulk-action")?.value;
    document.querySelectorAll("[data-for-action]").forEach((el) => { el.hidden = el.dataset.forAction !== action; });
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches("#bulk-action")) showFields();
    const form = e.target.closest("#kw-bulk");
    if (!form) return;
    if (e.target.matches("[data-select-page]")) boxes(form).forEach((b) => { b.checked = e.target.checked; });
    if (e.target.matches("[data-select-page], input[name=ids]") && !e.target.checked) {
      const all = form.querySelector("[data-all-matching]");
      if (all) all.checked = false;
    }
    if (e.target.matches("[data-all-matching]") && e.target.checked) boxes(form).forEach((b) => { b.checked = true; });
    sync(form);
  });
  const init = () => { const form = document.getElementById("kw-bulk"); if (form) sync(form); };
  document.addEventListener("DOMContentLoaded", () => { showFields(); init(); });
  document.addEventListener("htmx:afterSettle", init);
})();
