// Drill-down in the region lists: the arrow loads a place's children in place with htmx,
// and a second click folds them away again instead of loading them twice.
document.addEventListener("htmx:confirm", (event) => {
  const trigger = event.detail.elt;
  if (!trigger.matches || !trigger.matches("[data-drill]")) return;
  const slot = document.getElementById(trigger.dataset.drill);
  if (slot && slot.childElementCount > 0) {
    event.preventDefault();
    slot.replaceChildren();
    trigger.setAttribute("aria-expanded", "false");
  } else {
    trigger.setAttribute("aria-expanded", "true");
  }
});
