// The moderation queue from the keyboard, and live over a websocket. Every action is
// a plain form button too; this only adds shortcuts and the refresh.
//   j / k   next / previous item        a   approve (keep a comment)
//   r / c   reject / ask for changes: type the reason, then Enter (Escape leaves it)
//   h       hide                        x   tick for a bulk action    o  open the item
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("queue-config").textContent);
  var rowsBox = document.getElementById("queue-rows");
  var live = document.getElementById("queue-live");
  var current = 0;
  var staleRows = false;

  function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll(".queue-item")); }

  function select(index, focus) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      row.classList.toggle("queue-item--current", i === current);
      row.setAttribute("aria-current", i === current ? "true" : "false");
    });
    if (focus !== false) {
      all[current].focus();
      all[current].scrollIntoView({ block: "nearest" });
    }
  }

  function currentRow() { return rows()[current] || null; }

  function button(row, shortcut) {
    return row ? row.querySelector('button[data-shortcut="' + shortcut + '"]') : null;
  }

  // After an action the queue reloads focused on the item that followed.
  function submit(row, btn) {
    var all = rows();
    var next = all[all.indexOf(row) + 1] || all[all.indexOf(row) - 1];
    var form = btn.form;
    var nextField = form.querySelector('input[name="next"]');
    if (nextField && next) {
      nextField.value = nextField.value.split("#")[0] + "#" + next.id;
    }
    form.requestSubmit(btn);
  }

  function askReason(row, shortcut) {
    var input = row.querySelector(".queue-reason");
    if (!input || !button(row, shortcut)) { return; }
    input.dataset.pending = shortcut;
    input.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.classList && target.classList.contains("queue-reason")) {
      var row = target.closest(".queue-item");
      if (event.key === "Enter") {
        event.preventDefault();
        var btn = button(row, target.dataset.pending || "r");
        if (btn) { submit(row, btn); }
      } else if (event.key === "Escape") {
        event.preventDefault();
        delete target.dataset.pending;
        row.focus();
      }
      return;
    }
    if (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName) && target.type !== "checkbox") { return; }
    var row = currentRow();
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "a": if (button(row, "a")) { submit(row, button(row, "a")); } break;
      case "h": if (button(row, "h")) { submit(row, button(row, "h")); } break;
      case "r": askReason(row, "r"); break;
      case "c": askReason(row, "c"); break;
      case "x":
        if (row) { var box = row.querySelector('input[type="checkbox"]'); box.checked = !box.checked; }
        break;
      case "o": if (row) { row.querySelector(".queue-open").click(); } break;
      default: return;
    }
    event.preventDefault();
  });

  rowsBox.addEventListener("focusin", function (event) {
    var row = event.target.closest(".queue-item");
    if (row) { select(rows().indexOf(row), false); }
  });
  rowsBox.addEventListener("focusout", function () {
    if (staleRows) { window.setTimeout(refresh, 0); }
  });

  function typing() {
    var el = document.activeElement;
    return el && rowsBox.contains(el) && /^(INPUT|TEXTAREA)$/.test(el.tagName) && el.type !== "checkbox";
  }

  // New items arrive over the socket: reload the rows, keeping the selected item,
  // but never under a moderator typing a reason (then after they leave the field).
  function refresh() {
    if (typing()) { staleRows = true; return; }
    staleRows = false;
    var keep = currentRow() && currentRow().dataset.key;
    var hadFocus = rowsBox.contains(document.activeElement);
    fetch(config.rows, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || typing()) { return; }
      rowsBox.innerHTML = html;
      var all = rows();
      var index = all.findIndex(function (r) { return r.dataset.key === keep; });
      select(index < 0 ? 0 : index, hadFocus);
      live.textContent = rowsBox.querySelector("#queue-count, #queue-empty").textContent;
    });
  }

  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + config.socket);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "event" && data.kind === "moderation") { refresh(); }
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { return; }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  var start = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  select(start ? rows().indexOf(start) : 0);
  if (window.WebSocket) { connect(); }
})();
