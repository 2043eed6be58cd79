/* The drill form's running total and band, added up as qms/drills/scoring.py does (the total saved by the server
   is the one that counts). Each score select carries its criterion's data-weight, data-scale, data-max-points and
   data-critical; #drill-total carries the bands, the "failed" label and the texts, and is a polite live region.
   A blank score is still to score; any other value that is not a number is "not applicable" and counts nowhere.
   Without JavaScript the form works the same and the total appears once saved. */
(function () {
  "use strict";
  var box = document.getElementById("drill-total");
  if (!box) { return; }
  var form = box.closest("form");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-weight]"));
  var bands = JSON.parse(box.getAttribute("data-bands") || "[]");
  bands.sort(function (a, b) { return b.min - a.min; });
  // Totals are ratios of small numbers: a rounding error of the float arithmetic is far below this.
  var TOLERANCE = 1e-9;

  // The score as a fraction of the criterion (numerator and denominator), or null when unscored or not applicable.
  function fraction(select) {
    var value = Number(select.value);
    if (select.value === "" || !isFinite(value)) { return null; }
    var scale = select.getAttribute("data-scale");
    if (scale === "yes_no") { return {value: value, of: 1}; }
    if (scale === "one_to_five") { return {value: value, of: 5}; }
    return {value: value, of: Number(select.getAttribute("data-max-points"))};
  }

  // One decimal, half away from zero (totals are never negative).
  function oneDecimal(number) {
    return (Math.round(number * 10 + TOLERANCE) / 10).toFixed(1);
  }

  function band(total, failed) {
    if (failed) { return box.getAttribute("data-failed"); }
    for (var i = 0; i < bands.length; i += 1) {
      if (total + TOLERANCE >= bands[i].min) { return bands[i].label; }
    }
    return "—";
  }

  function update() {
    var scored = 0, possible = 0, left = 0, failed = false;
    selects.forEach(function (select) {
      var weight = Number(select.getAttribute("data-weight"));
      if (select.value === "") { left += 1; return; }
      var got = fraction(select);
      if (got === null) { return; }
      scored += weight * got.value / got.of;  // multiplied first, so whole weights and scores stay exact
      possible += weight;
      // Missed: below half; a missed critical criterion fails the drill whatever the total.
      if (select.getAttribute("data-critical") === "1" && got.value * 2 < got.of) { failed = true; }
    });
    var total = scored * 100 / possible;
    var summary = document.createElement("strong");
    summary.textContent = possible > 0
      ? box.getAttribute("data-total-text").replace("{total}", oneDecimal(total)).replace("{rating}", band(total, failed))
      : box.getAttribute("data-none-text");
    box.replaceChildren(summary);
    if (left > 0) {
      var rest = document.createElement("span");
      rest.className = "ms-3";
      rest.textContent = box.getAttribute("data-left-text").replace("{count}", String(left));
      box.append(" ", rest);
    }
  }

  selects.forEach(function (select) { select.addEventListener("change", update); });
  update();
}());
