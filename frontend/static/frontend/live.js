// Live updates of a process over its websocket: turnout while voting, notices of new
// comments, "results published". Purely additive: when the socket cannot open the page
// stays as it is; when the server says the channel layer is down ("status", live false)
// a short "live updates paused" line shows until it says they flow again. The socket is
// reopened forever, with capped, jittered backoff, so a restart or an outage of any
// length heals without a reload and thousands of pages do not reconnect in one burst.
(function () {
  "use strict";
  var configNode = document.getElementById("live-config");
  if (!configNode || !("WebSocket" in window)) { return; }
  var config;
  try { config = JSON.parse(configNode.textContent); } catch (e) { return; }
  var notices = document.getElementById("live-notices");
  var turnout = document.getElementById("live-turnout");
  var attempts = 0;
  var maxDelay = 30000;
  var paused = null;

  function setPaused(on) {
    if (!notices) { return; }
    if (on && !paused) {
      paused = document.createElement("p");
      paused.className = "live-notice live-paused";
      paused.textContent = config.text.paused;
      notices.appendChild(paused);
    } else if (!on && paused) {
      notices.removeChild(paused);
      paused = null;
    }
  }

  function delay() {
    // Full jitter: anywhere up to the capped exponential step (1 s, 2 s, 4 s ... 30 s).
    var ceiling = Math.min(maxDelay, 1000 * Math.pow(2, attempts));
    return Math.floor(Math.random() * ceiling) + 250;
  }

  function notice(text, href, linkText) {
    if (!notices) { return; }
    var p = document.createElement("p");
    p.className = "live-notice";
    p.textContent = text + " ";
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = linkText;
      p.appendChild(a);
    }
    notices.appendChild(p);
    // Keep the region short: the latest few notices only.
    while (notices.childNodes.length > 5) { notices.removeChild(notices.firstChild); }
  }

  function handle(message) {
    if (message && message.type === "status") { setPaused(message.live === false); return; }
    if (!message || message.type !== "event" || !message.data) { return; }
    if (message.kind === "turnout" && turnout && typeof message.data.ballots === "number") {
      try {
        turnout.textContent = new Intl.NumberFormat(document.documentElement.lang || "en").format(message.data.ballots);
      } catch (e) {
        turnout.textContent = String(message.data.ballots);
      }
    } else if (message.kind === "comment") {
      var only = notices && notices.getAttribute("data-proposal");
      var proposal = parseInt(message.data.proposal, 10);
      if (isNaN(proposal) || (only && String(proposal) !== only)) { return; }
      var url = config.proposalUrl.replace("/0/", "/" + proposal + "/");
      var comment = parseInt(message.data.comment, 10);
      notice(config.text.comment, isNaN(comment) ? url : url + "#comment-" + comment, config.text.commentLink);
    } else if (message.kind === "results") {
      notice(config.text.results, config.resultsUrl, config.text.resultsLink);
    }
  }

  function connect() {
    var socket;
    try {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + config.socket);
    } catch (e) { attempts = Math.min(attempts + 1, 16); window.setTimeout(connect, delay()); return; }
    socket.onopen = function () { attempts = 0; };
    socket.onmessage = function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
    };
    socket.onerror = function () { /* onclose follows; nothing to show */ };
    socket.onclose = function (event) {
      // 4404: no such process, nothing to wait for. Otherwise try again, for ever.
      if (event.code === 4404) { return; }
      attempts = Math.min(attempts + 1, 16);
      window.setTimeout(connect, delay());
    };
  }

  connect();
})();
