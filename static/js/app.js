// Small progressive enhancements; every page works without them.
document.addEventListener("click", (e) => {
  const dismiss = e.target.closest("[data-dismiss]");
  if (dismiss) dismiss.closest(".flash")?.remove();
  const toggle = e.target.closest("[data-nav-toggle]");
  if (toggle) {
    const nav = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  }
});
document.addEventListener("change", (e) => {
  const form = e.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
  // A table's "tick every row" box: data-tick-all names the row boxes it ticks.
  const all = e.target.closest("input[data-tick-all]");
  if (all) {
    all.closest("table").querySelectorAll(`input[name="${all.dataset.tickAll}"]`)
      .forEach((box) => { box.checked = all.checked; });
  }
});
// Forms that ask before they act (removing a team member): the question is the attribute.
document.addEventListener("submit", (e) => {
  const form = e.target.closest("form[data-confirm-message]");
  if (form && !window.confirm(form.dataset.confirmMessage)) e.preventDefault();
});
// Suggest a workspace address from its name until the person types one themselves.
document.addEventListener("DOMContentLoaded", () => {
  const name = document.querySelector("input[name=workspace_name]");
  const slug = document.querySelector("input[name=workspace_slug]");
  if (!name || !slug || slug.type === "hidden") return;
  let touched = slug.value !== "";
  slug.addEventListener("input", () => { touched = true; });
  let timer;
  name.addEventListener("input", () => {
    if (touched) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const r = await fetch("/workspaces/suggest-slug/?name=" + encodeURIComponent(name.value));
      if (r.ok && !touched) slug.value = (await r.json()).slug;
    }, 250);
  });
  setTimeout(() => document.querySelectorAll(".flash-success").forEach((f) => f.remove()), 8000);
});
