// Draws neighbourhoods and projects on the process map. The same projects are in the
// HTML table below the map, which is the accessible and no-JavaScript alternative.
(function () {
  "use strict";
  window.justcityMapInit = function (map) {
    var dataNode = document.getElementById("map-data");
    if (!dataNode) { return; }
    var data = JSON.parse(dataNode.textContent);
    var areas = L.geoJSON(data.neighbourhoods, {
      style: function () { return { color: "#1f5f8b", weight: 2, fillOpacity: 0.08 }; },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.name);
      }
    }).addTo(map);
    var markers = [];
    data.projects.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lng], {
        radius: 8, color: "#8b3a1f", weight: 2, fillColor: "#e07a3f", fillOpacity: 0.9
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
      marker.bindPopup(popup);
      marker.addTo(map);
      markers.push(marker);
    });
    if (areas.getLayers().length) {
      map.fitBounds(areas.getBounds(), { padding: [10, 10] });
    }
  };
})();
