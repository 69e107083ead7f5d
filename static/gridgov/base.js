// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy needs no inline script.

// Small forms (the language choice, the place picker) submit as soon as a choice is made; their
// button, where they have one, stays for browsers without JavaScript.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
});

// A button with data-confirm asks before it submits.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-confirm]:not([hx-confirm])");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// Polling (the notification bell) skips a turn while its dropdown is open, so the menu being read
// is not replaced; a triggered refresh ("notifications-changed") still goes through.
document.addEventListener("htmx:confirm", (event) => {
  const element = event.detail.elt;
  if (!element.matches || !element.matches("[data-keep-while-open]") || event.detail.triggeringEvent) return;
  if (element.querySelector(".dropdown-menu.show")) event.preventDefault();
});
