// git lead board: the filters of the index, and times relative to the reader's clock.
// Plain script, no network, nothing stored.
(function () {
  "use strict";
  function ago(seconds) {
    var s = Math.max(0, seconds), n, unit;
    if (s < 60) { n = s; unit = "second"; }
    else if (s < 3600) { n = Math.floor(s / 60); unit = "minute"; }
    else if (s < 86400) { n = Math.floor(s / 3600); unit = "hour"; }
    else if (s < 2592000) { n = Math.floor(s / 86400); unit = "day"; }
    else if (s < 31536000) { n = Math.floor(s / 2592000); unit = "month"; }
    else { n = Math.floor(s / 31536000); unit = "year"; }
    return "(" + n + " " + unit + (n === 1 ? "" : "s") + " ago)";
  }
  var now = Math.floor(Date.now() / 1000);
  document.querySelectorAll(".ago[data-t]").forEach(function (el) {
    el.textContent = ago(now - Number(el.getAttribute("data-t")));
  });
  var form = document.querySelector("form.filters");
  if (!form) { return; }
  var selects = form.querySelectorAll("select[data-filter]");
  var cards = document.querySelectorAll(".card");
  var shown = document.querySelector(".shown");
  function apply() {
    var visible = 0;
    cards.forEach(function (card) {
      var ok = true;
      selects.forEach(function (sel) {
        var want = sel.value, key = sel.getAttribute("data-filter");
        if (!want) { return; }
        var have = card.getAttribute("data-" + key) || "";
        if (key === "stakeholder") { ok = ok && have.indexOf(" " + want + " ") >= 0; }
        else { ok = ok && have === want; }
      });
      card.hidden = !ok;
      if (ok) { visible += 1; }
    });
    document.querySelectorAll(".column").forEach(function (col) {
      var n = col.querySelectorAll(".card:not([hidden])").length;
      col.querySelector(".count").textContent = String(n);
    });
    if (shown) {
      shown.textContent = "Showing " + visible + " of " + shown.getAttribute("data-total") + ".";
    }
  }
  selects.forEach(function (sel) { sel.addEventListener("change", apply); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
}());
