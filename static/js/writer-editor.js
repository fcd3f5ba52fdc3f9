// Writer → the content editor: autosave feedback, counters, lazy panels, unsaved typing.
(() => {
  // Lazy panels (images, links) belong to other pages; when they cannot load, keep the link.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    const panel = elt && elt.matches && elt.matches("[data-lazy-panel]") ? elt : null;
    if (panel && e.detail.xhr.status >= 400) {
      e.detail.shouldSwap = false; e.detail.isError = false;
      panel.querySelector("[data-lazy-state]").textContent = "This panel could not load.";
    }
  });
  const form = document.getElementById("ed-form");
  const saved = document.getElementById("ed-saved");
  if (!form) return;
  let lastInput = 0, startedAt = 0, dirty = false, submitting = false;
  const fail = (text) => {
    const span = document.createElement("span");
    span.className = "save-error"; span.setAttribute("role", "alert"); span.dataset.saveError = "";
    span.innerHTML = "<strong>Not saved:</strong> ";
    span.append(text + " Your text is still here; it saves again when you type, or press Save.");
    saved.replaceChildren(span);
  };
  const count = (field) => {
    const out = field && document.querySelector(`[data-counter="${field.id}"]`);
    if (!out) return;
    const limit = Number(out.dataset.limit), n = field.value.length;
    out.textContent = `${n} / ${limit} characters` + (n > limit ? " — longer than search results show" : "");
    out.classList.toggle("over", n > limit);
  };
  form.querySelectorAll("[data-counter]").forEach((out) => count(document.getElementById(out.dataset.counter)));
  form.addEventListener("input", (e) => { lastInput = Date.now(); dirty = true; count(e.target); });
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("beforeunload", (e) => { if (dirty && !submitting) e.preventDefault(); });
  document.body.addEventListener("htmx:beforeRequest", (e) => { if (e.detail.elt === form) startedAt = Date.now(); });
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    if (!e.detail.requestConfig || e.detail.requestConfig.elt !== form) return;
    const mark = e.detail.xhr.getResponseHeader("X-Autosave");
    if (!mark) { e.detail.shouldSwap = false; e.detail.isError = false; fail(`the server answered with an error (${e.detail.xhr.status}).`); return; }
    e.detail.shouldSwap = true; e.detail.isError = false;
    if (mark === "ok" && lastInput <= startedAt) dirty = false;
  });
  // A panel changed the article itself (an accepted internal link, a picture placed, moved
  // or taken out makes a new version):
  // reload to edit the new text; with unsaved typing, say so instead of throwing it away.
  document.body.addEventListener("writer:content-changed", () => {
    if (!dirty) { window.location.reload(); return; }
    fail("the article changed meanwhile (a link or a picture was added). Copy your changes, then reload the page.");
  });
  ["htmx:sendError", "htmx:timeout"].forEach((name) => document.body.addEventListener(name, (e) => {
    if (e.detail.elt === form) fail("no connection to the server.");
  }));
})();
