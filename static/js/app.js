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
// Suggest a workspace address from its name until the person types one themselves, and say
// whether the address is available (the server answers yes or no, nothing more).
document.addEventListener("DOMContentLoaded", () => {
  const name = document.querySelector("input[name=workspace_name]");
  const slug = document.querySelector("input[name=workspace_slug]");
  if (!name || !slug || slug.type === "hidden") return;
  const status = document.createElement("div");
  status.className = "help";
  status.id = "slug-status";
  status.setAttribute("aria-live", "polite");
  slug.insertAdjacentElement("afterend", status);
  const described = slug.getAttribute("aria-describedby");
  slug.setAttribute("aria-describedby", described ? `slug-status ${described}` : "slug-status");
  let touched = slug.value !== "";
  let timer;
  const check = (params) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const r = await fetch("/workspaces/suggest-slug/?" + new URLSearchParams(params));
      if (r.status === 429) { status.textContent = (await r.json()).error; return; }
      if (!r.ok) return;
      const answer = await r.json();
      if (params.name !== undefined) { if (touched) return; slug.value = answer.slug; }
      if (answer.slug !== slug.value.trim()) return;  // typed on since: a newer answer comes
      status.textContent = !answer.slug ? "" : answer.available
        ? `“${answer.slug}” is available.`
        : `“${answer.slug}” is not available. Add a word (your city, your team) or choose another.`;
    }, 300);
  };
  slug.addEventListener("input", () => { touched = true; check({ slug: slug.value.trim() }); });
  name.addEventListener("input", () => { if (!touched) check({ name: name.value }); });
  setTimeout(() => document.querySelectorAll(".flash-success").forEach((f) => f.remove()), 8000);
});
