// Pin picker of the idea form: a click (or the "centre" button, for keyboards) puts a
// pin and fills the hidden lat/lng fields; the server finds the neighbourhood from it.
// Without JavaScript the picker stays hidden and the neighbourhood select is used.
(function () {
  "use strict";
  window.justcityProposeMapInit = function (map) {
    var lat = document.getElementById("lat");
    var lng = document.getElementById("lng");
    var picker = document.getElementById("pin-picker");
    var status = document.getElementById("pin-status");
    var node = document.getElementById("propose-map-data");
    if (!lat || !lng || !picker || !node) { return; }
    var data = JSON.parse(node.textContent);
    var areas = window.justcityDistricts(map, data.neighbourhoods);
    window.justcityFitCity(map, [areas]);
    var marker = null;
    var remove = document.getElementById("pin-clear");
    var asked = 0;

    function say(text) { if (status) { status.textContent = text; } }

    function fill(name, values) {
      var text = picker.getAttribute("data-text-" + name) || "";
      Object.keys(values).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
      return text;
    }

    // Name the neighbourhood of the pin, asking the server the same question it asks
    // when the idea is sent (maps/locate), so the two never disagree.
    function name(la, ln) {
      var url = picker.getAttribute("data-locate-url");
      if (!url || !window.fetch) { return; }
      var ticket = ++asked;
      fetch(url + "?lat=" + encodeURIComponent(la) + "&lng=" + encodeURIComponent(ln), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (ticket !== asked || !marker) { return null; }
        if (response.status === 404) { say(fill("outside", {})); return null; }
        return response.ok ? response.json() : null;
      }).then(function (found) {
        if (found && ticket === asked && marker) {
          say(fill("placed-in", { neighbourhood: String(found.name), lat: String(la), lng: String(ln) }));
        }
      }).catch(function () { /* the placed text stays; the server decides on sending */ });
    }

    function place(latlng) {
      var wrapped = latlng.wrap();
      var la = Math.round(wrapped.lat * 1e6) / 1e6;
      var ln = Math.round(wrapped.lng * 1e6) / 1e6;
      lat.value = String(la);
      lng.value = String(ln);
      if (marker) { marker.setLatLng([la, ln]); } else {
        marker = L.marker([la, ln], { keyboard: false, icon: L.divIcon({ className: "pin pin--new", html: "", iconSize: [24, 24] }) }).addTo(map);
      }
      say(fill("placed", { lat: String(la), lng: String(ln) }));
      if (remove) { remove.disabled = false; }
      name(la, ln);
    }

    function clear() {
      lat.value = "";
      lng.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      asked++;
      say(fill("none", {}));
      if (remove) {
        // The button goes disabled: keep the keyboard user's place on the next control.
        var refocus = document.activeElement === remove;
        remove.disabled = true;
        var centre = document.getElementById("pin-centre");
        if (refocus && centre) { centre.focus(); }
      }
    }

    if (lat.value && lng.value && !isNaN(parseFloat(lat.value)) && !isNaN(parseFloat(lng.value))) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
    }
    map.on("click", function (event) { place(event.latlng); });
    var centre = document.getElementById("pin-centre");
    if (centre) { centre.addEventListener("click", function () { place(map.getCenter()); }); }
    if (remove) { remove.addEventListener("click", clear); }
  };
})();
