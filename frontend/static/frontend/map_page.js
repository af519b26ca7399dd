// Draws the filtered ideas and projects of the map page. The list under the map holds
// the same items (same filters, same data) and is the keyboard/no-JavaScript path;
// markers are focusable too (Tab, then Enter opens the details).
(function () {
  "use strict";
  window.justcityMapPageInit = function (map) {
    var node = document.getElementById("map-data");
    if (!node) { return; }
    var data = JSON.parse(node.textContent);
    var areas = window.justcityDistricts(map, data.neighbourhoods, function (feature) {
      var selected = data.selected && feature.properties.slug === data.selected;
      return { color: "#1f5f8b", weight: selected ? 4 : 2, fillOpacity: selected ? 0.15 : 0.05 };
    });
    var markers = [];
    data.items.forEach(function (item) {
      var label = document.createElement("span");
      label.textContent = item.label;
      var icon = L.divIcon({
        className: "pin pin--" + item.status + (item.kind === "idea" ? " pin--idea-kind" : " pin--project-kind"),
        html: label,
        iconSize: [28, 28],
        iconAnchor: [14, 14]
      });
      var marker = L.marker([item.lat, item.lng], {
        icon: icon,
        keyboard: true,
        // The accessible name of the focusable marker: kind, title and status in words.
        title: item.title + " (" + item.status_label + ")"
      });
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      var status = document.createElement("p");
      status.textContent = item.status_label + (item.neighbourhood ? " · " + item.neighbourhood : "");
      popup.appendChild(link);
      popup.appendChild(status);
      marker.bindPopup(popup);
      marker.addTo(map);
      markers.push(marker);
    });
    var chosen = areas.getLayers().filter(function (layer) {
      return data.selected && layer.feature.properties.slug === data.selected;
    });
    // A chosen neighbourhood fills the view; otherwise the whole city does.
    window.justcityFitCity(map, chosen.length ? [chosen[0]] : [areas, L.featureGroup(markers)]);
    if (window.justcityDeclutter) { window.justcityDeclutter(map, markers, 28); }
  };
})();
