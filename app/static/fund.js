/* The fund request form: a cost row added or removed without a round trip, and each row's amount in
   yuan (amount × rate, rounded half up to the fen, in whole numbers: never a float) shown as it is
   typed, with the total. Without script the form still works: "Add another cost" asks the server for
   a row more, and the server works every amount out. */
(function () {
  "use strict";
  var form = document.getElementById("fund-request-form");
  if (!form) { return; }
  var rows = document.getElementById("cost-rows");
  var template = document.getElementById("cost-row-template");
  var lang = document.documentElement.lang || "zh-CN";

  // "12,345.6" → [digits as BigInt, number of decimals], or null when it is not a plain number.
  function parse(text, places) {
    var t = (text || "").replace(/[,，\s]/g, "").replace(/[０-９．]/g, function (c) {
      return c === "．" ? "." : String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
    var m = /^(\d{1,15})(?:\.(\d+))?$/.exec(t);
    if (!m || (m[2] && m[2].length > places)) { return null; }
    var frac = (m[2] || "").padEnd(places, "0");
    return BigInt(m[1] + frac);
  }

  function yuanText(fen) {
    var whole = fen / 100n, cents = fen % 100n;
    return "¥" + Number(whole).toLocaleString(lang) + "." + String(cents).padStart(2, "0");
  }

  function rowFen(row) {
    var currency = row.querySelector(".cost-currency");
    var amount = parse(row.querySelector(".cost-amount").value, 2);
    var rateText = row.querySelector(".cost-rate").value;
    if (currency && currency.value === "CNY" && !rateText.trim()) { rateText = "1"; }
    var rate = parse(rateText, 6);
    if (amount === null || rate === null || amount === 0n || rate === 0n) { return null; }
    return (amount * rate + 500000n) / 1000000n;  // cents × millionths → fen, half up
  }

  function update() {
    var total = 0n, all = true, any = false;
    var list = rows.querySelectorAll(".cost-row");
    list.forEach(function (row, n) {
      var number = row.querySelector(".cost-number");
      if (number) { number.textContent = String(n + 1); }
      var remove = row.querySelector(".cost-remove");
      if (remove) { remove.hidden = list.length < 2; }
      var fen = rowFen(row);
      row.querySelector(".cost-yuan").textContent = fen === null ? "—" : yuanText(fen);
      if (fen === null) { all = false; } else { total += fen; any = true; }
    });
    var out = document.getElementById("costs-total");
    if (out) { out.textContent = any ? yuanText(total) + (all ? "" : " …") : "—"; }
  }

  function nextIndex() {
    var max = -1;
    rows.querySelectorAll(".cost-row").forEach(function (row) {
      var i = parseInt(row.getAttribute("data-index"), 10);
      if (i > max) { max = i; }
    });
    return max + 1;
  }

  var add = document.getElementById("add-cost");
  if (add && template && typeof BigInt === "function") {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var i = String(nextIndex());
      var html = template.innerHTML.replace(/__i__/g, i);
      rows.insertAdjacentHTML("beforeend", html);
      update();
      var added = rows.lastElementChild.querySelector("select, input");
      if (added) { added.focus(); }
    });
  }

  rows.addEventListener("click", function (event) {
    var button = event.target.closest(".cost-remove");
    if (!button) { return; }
    var row = button.closest(".cost-row");
    if (row && rows.querySelectorAll(".cost-row").length > 1) { row.remove(); update(); }
  });

  rows.addEventListener("change", function (event) {
    if (event.target.classList.contains("cost-currency") && event.target.value === "CNY") {
      var rate = event.target.closest(".cost-row").querySelector(".cost-rate");
      if (rate && !rate.value.trim()) { rate.value = "1"; }
    }
    update();
  });
  rows.addEventListener("input", update);
  if (typeof BigInt === "function") { update(); }
})();
