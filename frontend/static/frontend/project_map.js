// The small map of a project page: its neighbourhood and one marker. The place is
// also said in words above the map, which is all a resident without JavaScript gets.
(function () {
  "use strict";
  window.justcityProjectMapInit = function (map) {
    var node = document.getElementById("project-map-data");
    if (!node) { return; }
    var data = JSON.parse(node.textContent);
    var areas = window.justcityDistricts(map, data.neighbourhoods);
    var markers = L.featureGroup();
    if (data.project) {
      var label = document.createElement("span");
      label.textContent = String(data.project.code);
      L.marker([data.project.lat, data.project.lng], {
        icon: L.divIcon({ className: "pin pin--on_ballot pin--project-kind", html: label, iconSize: [28, 28], iconAnchor: [14, 14] }),
        keyboard: false,
        interactive: false
      }).addTo(markers);
      markers.addTo(map);
    }
    window.justcityFitCity(map, [areas, markers]);
  };
})();
