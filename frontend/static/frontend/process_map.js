// Draws neighbourhoods and projects on the process map. The same projects are in the
// HTML table below the map, which is the accessible and no-JavaScript alternative.
// Markers carry the project number as text and can be reached with the Tab key.
(function () {
  "use strict";
  window.justcityMapInit = function (map) {
    var dataNode = document.getElementById("map-data");
    if (!dataNode) { return; }
    var data = JSON.parse(dataNode.textContent);
    var areas = window.justcityDistricts(map, data.neighbourhoods, function () {
      return { color: "#1f5f8b", weight: 2, fillOpacity: 0.08 };
    });
    var markers = [];
    data.projects.forEach(function (p) {
      var label = document.createElement("span");
      label.textContent = String(p.code);
      var marker = L.marker([p.lat, p.lng], {
        icon: L.divIcon({
          className: "pin pin--on_ballot pin--project-kind",
          html: label,
          iconSize: [28, 28],
          iconAnchor: [14, 14]
        }),
        keyboard: true,
        title: p.code + ". " + p.title
      });
      var popup = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = p.code + ". " + p.title;
      var link = document.createElement("a");
      link.href = "#project-" + p.code;
      link.textContent = p.cost;
      popup.appendChild(title);
      popup.appendChild(document.createElement("br"));
      popup.appendChild(link);
      if (p.delivery) {
        var delivery = document.createElement("span");
        delivery.className = "map-delivery";
        delivery.textContent = p.delivery;
        popup.appendChild(document.createElement("br"));
        popup.appendChild(delivery);
      }
      marker.bindPopup(popup);
      marker.addTo(map);
      markers.push(marker);
    });
    window.justcityFitCity(map, [areas, L.featureGroup(markers)]);
    if (window.justcityDeclutter) { window.justcityDeclutter(map, markers, 28); }
  };
})();
