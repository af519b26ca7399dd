// Kiosk: offer full screen (browsers allow it only after a tap or key press), and take
// the thank-you screen back to the start for the next voter, with a warning first.
(function () {
  "use strict";
  // A kiosk page shown again from the back/forward cache would show the last voter's
  // screen without asking the server: ask it (which signs out and shows the start).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });

  var timeout = document.getElementById("kiosk-timeout");
  var next = document.getElementById("kiosk-next");
  if (timeout && next) {
    var after = parseInt(timeout.getAttribute("data-after"), 10) * 1000;
    var warn = parseInt(timeout.getAttribute("data-warn"), 10) * 1000;
    var timer = null;
    var wait = function () {
      timeout.hidden = true;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        // Warn, and leave time to ask for more (WCAG 2.2.1: at least 20 seconds).
        timeout.hidden = false;
        timer = window.setTimeout(function () {
          window.location.replace(next.href);
        }, warn);
      }, after);
    };
    document.getElementById("kiosk-more-time").addEventListener("click", wait);
    wait();
  }

  var button = document.getElementById("kiosk-fullscreen");
  if (!button || !document.documentElement.requestFullscreen || document.fullscreenElement) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    document.documentElement.requestFullscreen().catch(function () {});
  });
})();
