// Automation settings: show the day field the chosen frequency uses (weekday for weekly, day
// of the month for monthly). Without JavaScript both stay visible; the server ignores the one
// the frequency does not use.
function automationWhen(root) {
  root.querySelectorAll("#automation-settings form").forEach((form) => {
    const frequency = form.querySelector("select[name=frequency]");
    if (!frequency) return;
    const show = () => {
      form.querySelectorAll("[data-when]").forEach((box) => {
        box.hidden = box.dataset.when !== frequency.value;
      });
    };
    if (!frequency.dataset.whenBound) {
      frequency.dataset.whenBound = "1";
      frequency.addEventListener("change", show);
    }
    show();
  });
}

document.addEventListener("DOMContentLoaded", () => automationWhen(document));
// The settings come back as a partial after a refused save: bind the new form too.
document.addEventListener("htmx:afterSettle", () => automationWhen(document));
