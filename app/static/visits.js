// The visit forms on a phone (no library): rows added one by one, staff and enterprises suggested as
// they are typed, photos checked before they are sent, and a draft kept on this device.
// Everything here is an extra: without script the form works with its fixed number of rows.
(() => {
  "use strict";
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

  // ---- rows: <div data-rows="problems"> holding <div data-row> items; a button adds one ----------------
  const rowIndex = /^([a-z_]+)-(\d+)(-|$)/;
  function renumber(row, group, n) {
    $$("[name], [id], [for], [aria-describedby], [list]", row).forEach((el) => {
      ["name", "id", "for", "aria-describedby"].forEach((attr) => {
        const value = el.getAttribute(attr);
        if (value && value.startsWith(group + "-")) {
          el.setAttribute(attr, value.split(" ").map((v) => v.replace(rowIndex, (m, g, i, tail) => (g === group ? `${g}-${n}${tail}` : m))).join(" "));
        }
      });
    });
    const number = row.querySelector("[data-row-number]");
    if (number) number.textContent = String(n + 1);
    // "Member of staff 2" becomes "Member of staff 3": the last number of a label and its placeholder
    const last = /\d+(?!.*\d)/;
    $$("label", row).forEach((label) => {
      const text = [...label.childNodes].find((node) => node.nodeType === 3 && /\d/.test(node.nodeValue));
      if (text) text.nodeValue = text.nodeValue.replace(last, String(n + 1));
    });
    $$("[data-placeholder-label]", row).forEach((el) => {
      el.dataset.placeholderLabel = el.dataset.placeholderLabel.replace(last, String(n + 1));
    });
  }
  function addRow(group) {
    const box = document.querySelector(`[data-rows="${group}"]`);
    const rows = $$(":scope > [data-row]", box);
    const max = Number(box.dataset.max || 30);
    if (rows.length >= max) return null;
    const copy = rows[rows.length - 1].cloneNode(true);
    $$(".is-invalid", copy).forEach((el) => { el.classList.remove("is-invalid"); el.removeAttribute("aria-invalid"); });
    $$(".invalid-feedback", copy).forEach((el) => el.remove());
    $$("input, textarea, select", copy).forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else el.value = "";
    });
    renumber(copy, group, rows.length);
    rows[rows.length - 1].after(copy);
    syncTargets();
    return copy;
  }
  function rowCount(group) {
    const box = document.querySelector(`[data-rows="${group}"]`);
    return box ? $$(":scope > [data-row]", box).length : 0;
  }

  // ---- a problem points at one of the enterprise rows: its options follow what was typed ------------
  function syncTargets() {
    const targets = [];
    $$("[data-rows=enterprises] > [data-row] input").forEach((input, i) => {
      targets.push([`e${i}`, input.value.split(" · ")[0] || input.dataset.placeholderLabel || `${i + 1}`]);
    });
    $$("[data-rows=new_enterprises] > [data-row]").forEach((row, i) => {
      const name = row.querySelector("input[name$='-name']");
      targets.push([`n${i}`, (name && name.value) || (name && name.dataset.placeholderLabel) || `${i + 1}`]);
    });
    $$("select[data-enterprise-target]").forEach((select) => {
      const chosen = select.value;
      select.replaceChildren(...targets.map(([value, label]) => {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = label;
        option.selected = value === chosen;
        return option;
      }));
    });
  }

  // ---- suggestions: <input list="x" data-search="/visits/search/enterprises"> -----------------------
  function suggest(input) {
    let timer = null;
    let last = "";
    input.addEventListener("input", () => {
      const q = input.value.trim();
      if (q.length < 2 || q === last || q.includes(" · ")) return;
      clearTimeout(timer);
      timer = setTimeout(async () => {
        last = q;
        try {
          const url = new URL(input.dataset.search, window.location.href);
          url.searchParams.set("q", q);
          const centre = document.getElementById("centre");
          if (centre && centre.value) url.searchParams.set("centre", centre.value);
          const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
          if (!response.ok) return;
          const items = await response.json();
          const list = document.getElementById(input.getAttribute("list"));
          if (!list) return;
          list.replaceChildren(...items.map((item) => {
            const option = document.createElement("option");
            option.value = item.value;
            return option;
          }));
        } catch (error) { /* offline: the list already there still helps */ }
      }, 250);
    });
  }

  // ---- photos: only images; the server checks again -------------------------------------------------
  function checkPhotos(input) {
    const message = document.getElementById(`${input.id}-check`);
    input.addEventListener("change", () => {
      const wrong = [...input.files].filter((f) => !f.type.startsWith("image/")).map((f) => f.name);
      if (message) {
        message.textContent = wrong.length ? `${input.dataset.notImage} ${wrong.join(", ")}` : "";
        message.hidden = !wrong.length;
      }
      input.setCustomValidity(wrong.length ? input.dataset.notImage : "");
      const count = document.getElementById(`${input.id}-count`);
      if (count) count.textContent = input.files.length ? input.dataset.chosen.replace("{n}", input.files.length) : "";
    });
  }

  // ---- the draft: every field of the form kept in this browser, per user and visit ------------------
  function fields(form) {
    return $$("input, textarea, select", form).filter(
      (el) => el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit" && el.type !== "button",
    );
  }
  function snapshot(form) {
    const values = {};
    fields(form).forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") {
        if (!values[el.name]) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    const rows = {};
    $$("[data-rows]", form).forEach((box) => { rows[box.dataset.rows] = rowCount(box.dataset.rows); });
    return { values, rows, at: new Date().toISOString() };
  }
  // A field changed since the page came (typed into before this script arrived, on a slow connection):
  // the draft must not overwrite it.
  function edited(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      const options = [...el.options];
      return options.some((o) => o.defaultSelected) ? options.some((o) => o.selected !== o.defaultSelected) : el.selectedIndex > 0;
    }
    return el.value !== el.defaultValue;
  }
  function restore(form, draft) {
    const typed = new Set(fields(form).filter(edited));
    Object.entries(draft.rows || {}).forEach(([group, n]) => {
      while (rowCount(group) < Math.min(n, 30)) if (!addRow(group)) break;
    });
    fields(form).forEach((el) => {
      if (!(el.name in draft.values) || typed.has(el)) return;
      const value = draft.values[el.name];
      if (el.type === "checkbox" || el.type === "radio") el.checked = Array.isArray(value) && value.includes(el.value);
      else el.value = value;
    });
    syncTargets();
  }
  function store() {
    try { return window.localStorage; } catch (error) { return null; }
  }
  function keepDrafts(form) {
    const key = form.dataset.draftKey;
    const storage = store();
    const notice = document.getElementById("draft-status");
    if (!key || !storage) return;
    const save = () => {
      try {
        storage.setItem(key, JSON.stringify(snapshot(form)));
        if (notice) notice.dataset.state = "saved";
      } catch (error) { /* storage full or refused: the form still works */ }
    };
    let saved = null;
    try { saved = JSON.parse(storage.getItem(key)); } catch (error) { saved = null; }
    if (form.dataset.draftRestore === "1" && saved && saved.values) {
      restore(form, saved);
      const restored = document.getElementById("draft-restored");
      if (restored) {
        const when = new Date(saved.at);
        const time = restored.querySelector("time");
        if (time && !Number.isNaN(when.getTime())) {
          time.textContent = when.toLocaleString(document.documentElement.lang || undefined);
          time.setAttribute("datetime", saved.at);
        }
        restored.hidden = false;
        const discard = restored.querySelector("[data-draft-discard]");
        if (discard) discard.addEventListener("click", () => {
          storage.removeItem(key);
          window.location.reload();
        });
      }
    } else {
      save(); // the page came back with the server's values (a refused form): they are the draft now
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", (event) => {
      save();
      if (navigator.onLine === false) {
        event.preventDefault();
        const offline = document.getElementById("offline");
        if (offline) { offline.hidden = false; offline.focus(); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    // A page after a successful save names the draft it replaces: it is cleared.
    $$("[data-draft-clear]").forEach((el) => {
      const storage = store();
      if (storage) storage.removeItem(el.dataset.draftClear);
    });
    $$("[data-add-row]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const row = addRow(button.dataset.addRow);
        if (!row) { button.disabled = true; return; }
        const first = row.querySelector("input:not([type=hidden]), textarea, select");
        if (first) first.focus();
        const form = button.closest("form");
        if (form) form.dispatchEvent(new Event("change"));
      });
    });
    $$("input[data-search]").forEach(suggest);
    $$("input[type=file][data-not-image]").forEach(checkPhotos);
    $$("[data-rows=enterprises], [data-rows=new_enterprises]").forEach((box) => box.addEventListener("input", syncTargets));
    $$("form[data-draft-key]").forEach(keepDrafts);
  });
})();
