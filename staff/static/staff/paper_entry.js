// The poll-worker screen's running total: as project numbers are typed, the cost per
// budget (against its cap) and the count are shown. The server computes the same sums
// when the form is sent, so the screen works without this script; the rules are
// checked only by the server (ballot_cast), whose messages are shown after Enter.
(function () {
  "use strict";
  var input = document.getElementById("entry-projects");
  var out = document.getElementById("running-total");
  var dataNode = document.getElementById("paper-screen-data");
  var wordsNode = document.getElementById("paper-total-words");
  if (!input || !out || !dataNode || !wordsNode) return;
  var data = JSON.parse(dataNode.textContent);
  var words = {};
  wordsNode.content.querySelectorAll("[data-key]").forEach(function (node) {
    words[node.getAttribute("data-key")] = node.textContent;
  });
  // The same CLDR formats as core/l10n.py renders on the server ("1.500 US$" in Spanish).
  var lang = document.documentElement.lang || undefined;
  var format;
  try {
    format = new Intl.NumberFormat(lang, {
      style: "currency", currency: words.currency, minimumFractionDigits: 0, maximumFractionDigits: 2,
    });
  } catch (e) {
    var plain = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    format = { format: function (n) { return plain.format(n) + " " + words.currency; } };
  }

  function render() {
    var sums = {};
    var order = [];
    var unknown = [];
    input.value.split(/\s+/).forEach(function (token) {
      if (!token) return;
      var match = /^#?(\d{1,6})(?::(\d{1,4}))?$/.exec(token);
      var project = match && data.projects[String(Number(match[1]))];
      if (!project) {
        unknown.push(token);
        return;
      }
      if (!sums[project.pot]) {
        sums[project.pot] = { n: 0, cost: 0 };
        order.push(project.pot);
      }
      sums[project.pot].n += 1;
      sums[project.pot].cost += Number(project.cost);
    });
    out.textContent = "";
    order.forEach(function (potId) {
      var pot = data.pots[String(potId)];
      var sum = sums[potId];
      var line = document.createElement("p");
      line.className = "pot-total";
      var text = pot.name + ": " + sum.n + " " + (sum.n === 1 ? words.project : words.projects) +
        ", " + format.format(sum.cost);
      if (pot.cap !== null) {
        text += " " + words.of + " " + format.format(Number(pot.cap));
        if (sum.cost > Number(pot.cap)) {
          line.className += " over";
          text += " — " + words.over;
        }
      }
      line.textContent = text;
      out.appendChild(line);
    });
    if (unknown.length) {
      var warn = document.createElement("p");
      warn.className = "pot-total over";
      warn.textContent = unknown.join(" ") + ": " + words.unknown;
      out.appendChild(warn);
    }
  }

  input.addEventListener("input", render);
  if (input.value) render();
})();
