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
