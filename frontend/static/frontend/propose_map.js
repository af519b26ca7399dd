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
    var areas = L.geoJSON(data.neighbourhoods, {
      style: function () { return { color: "#1f5f8b", weight: 2, fillOpacity: 0.05 }; },
      onEachFeature: function (feature, layer) { layer.bindTooltip(String(feature.properties.name)); }
    }).addTo(map);
    if (areas.getLayers().length) {
      map.fitBounds(areas.getBounds(), { padding: [10, 10] });
    } else {
      map.setView([0, 0], 2);
    }
    var marker = null;

    function say(text) { if (status) { status.textContent = text; } }

    function place(latlng) {
      var wrapped = latlng.wrap();
      var la = Math.round(wrapped.lat * 1e6) / 1e6;
      var ln = Math.round(wrapped.lng * 1e6) / 1e6;
      lat.value = String(la);
      lng.value = String(ln);
      if (marker) { marker.setLatLng([la, ln]); } else {
        marker = L.marker([la, ln], { keyboard: false, icon: L.divIcon({ className: "pin pin--new", html: "", iconSize: [24, 24] }) }).addTo(map);
      }
      say((picker.getAttribute("data-text-placed") || "").split("{lat}").join(String(la)).split("{lng}").join(String(ln)));
    }

    function clear() {
      lat.value = "";
      lng.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      say(picker.getAttribute("data-text-none") || "");
    }

    if (lat.value && lng.value && !isNaN(parseFloat(lat.value)) && !isNaN(parseFloat(lng.value))) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
    }
    map.on("click", function (event) { place(event.latlng); });
    var centre = document.getElementById("pin-centre");
    if (centre) { centre.addEventListener("click", function () { place(map.getCenter()); }); }
    var remove = document.getElementById("pin-clear");
    if (remove) { remove.addEventListener("click", clear); }
  };
})();
