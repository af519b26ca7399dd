// Live budget meter of the ballot page. The form is a plain HTML form that works and is
// validated on the server without this file; this only shows the totals as you choose.
(function () {
  "use strict";
  var form = document.getElementById("ballot-form");
  if (!form) { return; }
  var type = form.getAttribute("data-ballot-type");
  var currency = form.getAttribute("data-currency") || "";
  var maxProjects = parseInt(form.getAttribute("data-max-projects"), 10);
  var maxPoints = parseInt(form.getAttribute("data-max-points"), 10);
  var numbers;
  try {
    numbers = new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 2 });
  } catch (e) {
    numbers = { format: function (n) { return String(Math.round(n * 100) / 100); } };
  }

  // The same CLDR formats as core/l10n.py on the server ("1.500 US$" in Spanish).
  var moneyFormat = null;
  try {
    moneyFormat = new Intl.NumberFormat(document.documentElement.lang || "en", {
      style: "currency", currency: currency, minimumFractionDigits: 0, maximumFractionDigits: 2
    });
  } catch (e) { moneyFormat = null; }
  function money(n) {
    if (moneyFormat) { return moneyFormat.format(n); }
    return numbers.format(n) + " " + currency;
  }

  function fill(name, values) {
    var text = form.getAttribute("data-text-" + name) || "";
    Object.keys(values).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  }

  function chosen(input) {
    if (input.type === "checkbox") { return input.checked ? 1 : 0; }
    var n = parseInt(input.value, 10);
    return isNaN(n) || n < 0 ? 0 : n;
  }

  // Ranked ballots: a rank given to two projects is flagged as it happens (the server
  // refuses it too), on the pot's live text and on the clashing fields themselves.
  function duplicateRanks(pot) {
    var selects = pot.querySelectorAll("select[data-code]");
    var byRank = {};
    var ranks = [];
    for (var i = 0; i < selects.length; i++) {
      var rank = selects[i].value;
      if (!rank) { continue; }
      if (!byRank[rank]) { byRank[rank] = []; ranks.push(rank); }
      byRank[rank].push(selects[i]);
    }
    var clashes = [];
    for (var k = 0; k < selects.length; k++) {
      var clashing = selects[k].value && byRank[selects[k].value].length > 1;
      if (clashing) { selects[k].setAttribute("aria-invalid", "true"); } else { selects[k].removeAttribute("aria-invalid"); }
    }
    ranks.sort(function (a, b) { return a - b; }).forEach(function (rank) {
      if (byRank[rank].length > 1) {
        clashes.push({
          rank: numbers.format(parseInt(rank, 10)),
          codes: byRank[rank].map(function (el) { return el.getAttribute("data-code"); }).join(", ")
        });
      }
    });
    return clashes;
  }

  function update() {
    var pots = form.querySelectorAll("fieldset.pot");
    for (var i = 0; i < pots.length; i++) {
      var pot = pots[i];
      var inputs = pot.querySelectorAll("[data-cost]");
      var total = 0, count = 0, points = 0;
      for (var j = 0; j < inputs.length; j++) {
        var value = chosen(inputs[j]);
        if (value > 0) {
          count += 1;
          points += value;
          total += parseFloat(inputs[j].getAttribute("data-cost")) || 0;
        }
      }
      var text = pot.querySelector(".meter-text");
      if (!text) { continue; }
      var message;
      if (type === "approval") {
        var cap = parseFloat(pot.getAttribute("data-cap"));
        var meter = pot.querySelector("meter");
        var over = total > cap;
        if (meter) {
          // The scale grows past the cap ("high") with the choices, so the part over
          // the budget is drawn red by the browser.
          meter.max = Math.max(cap, total);
          meter.value = total;
        }
        message = over
          ? fill("over", { total: money(total), over: money(total - cap), cap: money(cap) })
          : fill("budget", { total: money(total), cap: money(cap), left: money(cap - total) });
        text.classList.toggle("over", over);
        var box = pot.querySelector(".meter-box");
        if (box) { box.classList.toggle("over", over); }
      } else if (type === "cumulative") {
        message = isNaN(maxPoints)
          ? fill("points-nomax", { n: numbers.format(points) })
          : fill("points", { n: numbers.format(points), max: numbers.format(maxPoints) });
        text.classList.toggle("over", !isNaN(maxPoints) && points > maxPoints);
      } else if (type === "ranked") {
        message = fill("ranked", { n: numbers.format(count) });
        var clashes = duplicateRanks(pot);
        clashes.forEach(function (clash) { message += " " + fill("duplicate", clash); });
        text.classList.toggle("over", clashes.length > 0);
      } else {
        message = isNaN(maxProjects)
          ? fill("count-nomax", { n: numbers.format(count) })
          : fill("count", { n: numbers.format(count), max: numbers.format(maxProjects) });
        text.classList.toggle("over", !isNaN(maxProjects) && count > maxProjects);
      }
      if (text.textContent !== message) { text.textContent = message; }
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
