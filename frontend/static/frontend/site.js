// Small enhancements shared by every page. Everything works without this file.
(function () {
  "use strict";
  try {
    // Move focus to the error summary so keyboard and screen-reader users start there.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Controls that need JavaScript (map pin buttons) stay hidden without it.
    var jsOnly = document.querySelectorAll(".js-only[hidden]");
    for (var i = 0; i < jsOnly.length; i++) { jsOnly[i].hidden = false; }
  } catch (e) { /* an enhancement must never break the page */ }
})();
