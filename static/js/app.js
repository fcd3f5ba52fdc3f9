// Small progressive enhancements; every page works without them.
const PHONE = window.matchMedia("(max-width: 600px)");

// The header's "Menu" (below 1200px): opens and closes the panel of links, the balance and the
// site switcher. Escape, a click elsewhere or following a link closes it again.
function navSet(toggle, open) {
  const panel = document.getElementById(toggle.getAttribute("aria-controls"));
  if (!panel) return;
  panel.classList.toggle("open", open);
  toggle.setAttribute("aria-expanded", String(open));
}
function navCloseAll(except) {
  document.querySelectorAll("[data-nav-toggle][aria-expanded=true]").forEach((t) => {
    if (t !== except) navSet(t, false);
  });
}

document.addEventListener("click", (e) => {
  const dismiss = e.target.closest("[data-dismiss]");
  if (dismiss) dismiss.closest(".flash")?.remove();
  const toggle = e.target.closest("[data-nav-toggle]");
  if (toggle) {
    navSet(toggle, toggle.getAttribute("aria-expanded") !== "true");
    return;
  }
  if (!e.target.closest(".nav-panel") || e.target.closest(".nav-panel a")) navCloseAll();
  // One open account menu at a time, and a click elsewhere closes it.
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(e.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  const open = document.querySelector("[data-nav-toggle][aria-expanded=true]");
  if (open) { navSet(open, false); open.focus(); }
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    menu.querySelector("summary")?.focus();
  });
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
// A colour picker with its written value beside it (site content settings).
document.addEventListener("input", (e) => {
  if (!e.target.matches("input[type=color]")) return;
  const written = e.target.parentElement?.querySelector("[data-colour-value]");
  if (written) written.textContent = e.target.value;
});
// Forms that ask before they act (removing a team member): the question is the attribute.
document.addEventListener("submit", (e) => {
  const form = e.target.closest("form[data-confirm-message]");
  if (form && !window.confirm(form.dataset.confirmMessage)) e.preventDefault();
});

// The credit balance after every HTMX answer (apps/billing/live.py): every place that shows
// it follows, so a page never says 108 when 93 are left.
document.addEventListener("credits-changed", (e) => {
  const total = Number(e.detail?.total);
  if (!Number.isFinite(total)) return;
  const text = total.toLocaleString("en-US");
  document.querySelectorAll("[data-credits-total]").forEach((el) => {
    if (el.textContent !== text) el.textContent = text;
  });
});

// The bell's unread count after every HTMX answer (apps/workspace/notification_bell.py): a
// notification made while the page is open shows up with the next poll or action.
document.addEventListener("notifications-changed", (e) => {
  const unread = Number(e.detail?.unread);
  if (!Number.isInteger(unread) || unread < 0) return;
  document.querySelectorAll("[data-notifications-bell]").forEach((bell) => {
    bell.setAttribute("aria-label", `Notifications, ${unread} unread`);
    bell.classList.toggle("has-unread", unread > 0);
    const count = bell.querySelector("[data-unread-count]");
    if (count) {
      count.textContent = unread > 99 ? "99+" : String(unread);
      count.hidden = unread === 0;
    }
  });
  document.querySelectorAll("[data-unread-tab]").forEach((el) => {
    el.textContent = `Unread (${unread.toLocaleString("en-US")})`;
  });
});

// Messages (toasts): successes and notes leave on their own, errors stay until dismissed.
// Those arriving with an HTMX answer are timed from when they arrive.
function toastsTime(root) {
  root.querySelectorAll(".flash:not(.flash-error):not([data-timed])").forEach((flash) => {
    flash.dataset.timed = "1";
    setTimeout(() => flash.remove(), flash.matches(".flash-success") ? 6000 : 10000);
  });
}
document.addEventListener("htmx:oobAfterSwap", () => toastsTime(document));
document.addEventListener("htmx:afterSettle", () => toastsTime(document));

// Filters start folded on a phone (open on larger screens and without JavaScript), so the
// table is in sight; their summary says how many are applied.
function foldOnPhone(root) {
  if (!PHONE.matches) return;
  root.querySelectorAll("details[data-fold-on-phone][open]").forEach((d) => d.removeAttribute("open"));
}

// Suggest a workspace address from its name until the person types one themselves, and say
// whether the address is available (the server answers yes or no, nothing more). The hint
// under the field shows the address being typed, not a fixed example.
function slugHelper() {
  const name = document.querySelector("input[name=workspace_name]");
  const slug = document.querySelector("input[name=workspace_slug]");
  if (!name || !slug || slug.type === "hidden") return;
  const field = slug.closest(".field");
  const hint = field?.querySelector(".help");
  const host = window.location.hostname;
  const example = hint ? hint.textContent : "";
  const exampleAddress = new RegExp(`[a-z0-9-]*\\.${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
  const showAddress = () => {
    if (!hint) return;
    const value = slug.value.trim().toLowerCase().replace(/[^a-z0-9-]/g, "");
    hint.textContent = value ? example.replace(exampleAddress, `${value}.${host}`) : example;
  };
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
      if (params.name !== undefined) {
        if (touched) return;
        slug.value = answer.slug;
        showAddress();
      }
      if (answer.slug !== slug.value.trim()) return;  // typed on since: a newer answer comes
      status.textContent = !answer.slug ? "" : answer.available
        ? `“${answer.slug}” is available.`
        : `“${answer.slug}” is not available. Add a word (your city, your team) or choose another.`;
    }, 300);
  };
  slug.addEventListener("input", () => { touched = true; showAddress(); check({ slug: slug.value.trim() }); });
  name.addEventListener("input", () => { if (!touched) check({ name: name.value }); });
  showAddress();
}

// A new workspace starts in the browser's timezone (its automation runs on that clock); the
// workspace settings change it later. Without JavaScript the server picks UTC.
function browserTimezone() {
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[data-browser-timezone]").forEach((input) => {
    if (!input.value) input.value = zone;
  });
}

// Long work is announced at its milestones (started, each quarter, how it ended), not at every
// poll: the polled element carries the words in data-milestone (apps/workspace/milestones.py),
// and the page's one progress live region, which HTMX never replaces, takes them only when
// they change. What is on screen when the page loads is not read out again.
const milestonesSaid = new Map();
function milestonesAnnounce(speak) {
  const region = document.getElementById("progress-announcer");
  const news = [];
  document.querySelectorAll("[data-milestone]").forEach((el) => {
    const key = el.id || el.dataset.milestone;
    const words = el.dataset.milestone;
    if (!words || milestonesSaid.get(key) === words) return;
    milestonesSaid.set(key, words);
    news.push(words);
  });
  if (speak && region && news.length) region.textContent = news.join(" ");
}
document.addEventListener("htmx:afterSettle", () => milestonesAnnounce(true));

document.addEventListener("DOMContentLoaded", () => {
  milestonesAnnounce(false);
  foldOnPhone(document);
  toastsTime(document);
  slugHelper();
  browserTimezone();
});
