// Kiosk: offer full screen (browsers allow it only after a tap or key press).
(function () {
  "use strict";
  // A kiosk page shown again from the back/forward cache would show the last voter's
  // screen without asking the server: ask it (which signs out and shows the start).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });
  var button = document.getElementById("kiosk-fullscreen");
  if (!button || !document.documentElement.requestFullscreen || document.fullscreenElement) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    document.documentElement.requestFullscreen().catch(function () {});
  });
})();
