/* The simulator's thread is a scroll box: keep the newest message in view (the page
   also links to #sms-latest, which does the same without JavaScript). */
(function () {
  "use strict";
  var thread = document.getElementById("sms-thread");
  if (!thread || document.getElementById("sms-newer")) { return; }
  thread.scrollTop = thread.scrollHeight;
})();
