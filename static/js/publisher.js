// Publisher pages: copy the connection string (shown once) with one press. Without
// JavaScript the string sits in a read-only field to select and copy by hand.
function copyFrom(button) {
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  const done = () => {
    button.textContent = "Copied";
    const note = button.closest("section")?.querySelector("[data-copied]");
    if (note) note.hidden = false;
  };
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => {
      if (document.execCommand("copy")) done();
    });
  } else if (document.execCommand("copy")) {
    done();
  }
}

document.addEventListener("click", (e) => {
  const button = e.target.closest("button[data-copy]");
  if (button) copyFrom(button);
});
document.addEventListener("focusin", (e) => {
  if (e.target.matches("input[data-select-on-focus]")) e.target.select();
});
