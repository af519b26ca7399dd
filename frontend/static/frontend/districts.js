// The neighbourhood layer every map draws, and the view that fits the city.
//
// District names come from the database: the tooltip is a text node, never an HTML
// string (Leaflet would insert a string as HTML). Polygons are drawn for the eye only:
// they are kept out of the tab order, so keyboard users meet the markers and the list,
// never a row of unnamed stops; the name is on the path for assistive technology too.
(function () {
  "use strict";

  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = String(text);
    return span;
  }

  window.justcityTextNode = textNode;

  window.justcityDistricts = function (map, collection, style) {
    var layer = L.geoJSON(collection, {
      style: style || function () { return { color: "#1f5f8b", weight: 2, fillOpacity: 0.05 }; },
      onEachFeature: function (feature, path) {
        var name = feature.properties && feature.properties.name;
        if (name === undefined || name === null) { return; }
        path.bindTooltip(textNode(name), { sticky: true, className: "district-tooltip" });
        path.on("add", function () {
          var el = path.getElement && path.getElement();
          if (!el) { return; }
          el.setAttribute("tabindex", "-1");
          el.setAttribute("focusable", "false");
          // Named for assistive technology as a picture of the district, not a control.
          el.setAttribute("role", "img");
          el.setAttribute("aria-label", String(name));
        });
      }
    }).addTo(map);
    return layer;
  };

  // Fit the city: every district and marker in view (the whole city, not the world).
  window.justcityFitCity = function (map, layers) {
    var bounds = null;
    layers.forEach(function (layer) {
      if (!layer || !layer.getBounds) { return; }
      var b = layer.getBounds();
      if (!b.isValid()) { return; }
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    });
    map.invalidateSize();
    if (bounds) {
      map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
    } else {
      map.setView([0, 0], 2);
    }
  };
})();
