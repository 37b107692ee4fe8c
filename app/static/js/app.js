// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Forms that ask for confirmation: <form data-confirm="...">
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Focus the first invalid field so keyboard and screen-reader users land on the error.
  // Not when the user is already in a field: on a slow connection they may have started typing
  // before this script came, and moving the focus would send the rest of their typing elsewhere.
  const invalid = document.querySelector(".is-invalid");
  const active = document.activeElement;
  if (invalid && (!active || active === document.body)) invalid.focus();
});

// ==== forms helper (issue 9): one action form open at a time, kept files marked when removed ====
document.addEventListener("DOMContentLoaded", () => {
  // <details name> groups are exclusive in current browsers; this does the same in older ones.
  document.querySelectorAll("[data-exclusive] > details").forEach((item) => {
    const summary = item.querySelector(":scope > summary");
    if (summary) summary.addEventListener("click", () => { item.dataset.byUser = "1"; });
    item.addEventListener("toggle", () => {
      const byUser = item.dataset.byUser === "1";
      delete item.dataset.byUser;
      if (!item.open) return;
      item.parentElement.querySelectorAll(":scope > details[open]").forEach((other) => {
        if (other !== item) other.open = false;
      });
      // Opened by the user: their next keystroke goes to the form's first field, unless the focus has
      // left the summary already. The toggle event comes in a task of its own after the click; on a busy
      // page (still loading) a tap on a field and the first keys can come before it, and taking the focus
      // then would send the rest of the typing into the first field (a comment or a fine lost).
      const first = item.querySelector(".action-body textarea, .action-body select, .action-body input:not([type=hidden])");
      const active = document.activeElement;
      const stillOnSummary = !active || active === document.body || active === summary;
      if (byUser && first && stillOnSummary) first.focus({ preventScroll: true });
    });
  });
  // A refused action opened again: bring it into view.
  const refused = document.querySelector("[data-exclusive] > details[open] .alert-danger");
  if (refused) refused.closest("details").scrollIntoView({ block: "nearest" });
  // "Remove" on a kept file strikes it through (it is dropped when the form is sent).
  document.querySelectorAll(".staged-item input[name=unstage]").forEach((box) => {
    box.addEventListener("change", () => box.closest(".staged-item").classList.toggle("is-removed", box.checked));
  });
});

// ==== home helper (issue 9): the case list's column picker, filters folded on a phone, print time ====
document.addEventListener("DOMContentLoaded", () => {
  const phone = window.matchMedia("(max-width: 575.98px)");
  // Filters start folded on a phone (unless one of them needs correcting), and unfold on a wider screen.
  document.querySelectorAll("details[data-fold-on-phone]").forEach((details) => {
    if (phone.matches && !details.querySelector(".is-invalid")) details.open = false;
    phone.addEventListener("change", () => { if (!phone.matches) details.open = true; });
  });
  // Columns chosen in the picker are remembered in this browser, per user (data-columns-key).
  const table = document.querySelector("table[data-columns-key]");
  const picker = document.querySelector("[data-column-picker]");
  if (table && picker) {
    const key = table.dataset.columnsKey;
    const usual = (table.dataset.defaultHidden || "").split(" ").filter(Boolean);
    const boxes = [...picker.querySelectorAll("input[type=checkbox][data-col]")];
    const show = (hidden) => {
      boxes.forEach((box) => {
        const off = hidden.includes(box.dataset.col);
        table.classList.toggle(`hide-col-${box.dataset.col}`, off);
        box.checked = !off;
      });
    };
    let saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(key)); } catch (error) { saved = null; }
    show(Array.isArray(saved) ? saved : usual);
    boxes.forEach((box) => box.addEventListener("change", () => {
      const hidden = boxes.filter((b) => !b.checked).map((b) => b.dataset.col);
      show(hidden);
      try { window.localStorage.setItem(key, JSON.stringify(hidden)); } catch (error) { /* private mode */ }
    }));
    const reset = picker.querySelector("[data-columns-reset]");
    if (reset) reset.addEventListener("click", () => {
      show(usual);
      try { window.localStorage.removeItem(key); } catch (error) { /* private mode */ }
    });
    picker.hidden = false;
  }
  // A "Print" button (shown only where script runs).
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
    button.hidden = false;
  });
  // A printed page says when it was printed (<time data-printed-at>), in China time.
  const printed = document.querySelector("[data-printed-at]");
  if (printed) window.addEventListener("beforeprint", () => {
    const now = new Date();
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(now).reduce((acc, p) => ({ ...acc, [p.type]: p.value }), {});
    printed.textContent = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
    printed.setAttribute("datetime", now.toISOString());
  });
});
