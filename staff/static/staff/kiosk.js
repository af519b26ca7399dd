// Kiosk: offer full screen (browsers allow it only after a tap or key press).
(function () {
  "use strict";
  var button = document.getElementById("kiosk-fullscreen");
  if (!button || !document.documentElement.requestFullscreen || document.fullscreenElement) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    document.documentElement.requestFullscreen().catch(function () {});
  });
})();
