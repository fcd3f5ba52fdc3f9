// Workspace settings: offer the browser's own timezone when it differs from the one saved.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("id_timezone");
  const offer = document.querySelector("[data-browser-zone]");
  if (!field || !offer) return;
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!zone || zone === field.value.trim()) return;
  offer.querySelector("[data-browser-zone-name]").textContent = zone;
  offer.hidden = false;
  offer.querySelector("button").addEventListener("click", () => {
    field.value = zone;
    offer.hidden = true;
    field.focus();
  });
});
