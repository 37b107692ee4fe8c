// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Forms that ask for confirmation: <form data-confirm="...">
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Focus the first invalid field so keyboard and screen-reader users land on the error.
  const invalid = document.querySelector(".is-invalid");
  if (invalid) invalid.focus();
});
