// Keeps map markers apart: co-located ideas and projects would overlap and be hard to
// hit (WCAG 2.5.8 target size). At each zoom, a marker that would cover one already
// placed is drawn a little way off along a spiral (only its icon moves; its position,
// popup and the list below stay exact).
(function () {
  "use strict";
  window.justcityDeclutter = function (map, markers, size) {
    var gap = size + 4;
    function layout() {
      var placed = [];
      markers.forEach(function (marker) {
        var at = map.latLngToContainerPoint(marker.getLatLng());
        var offset = L.point(0, 0);
        var clash = function (q) { return q.distanceTo(at.add(offset)) < gap; };
        for (var step = 1; step < 60 && placed.some(clash); step++) {
          var angle = step * 2.39996;  // golden angle: an even spiral
          var radius = gap * 0.6 * Math.sqrt(step);
          offset = L.point(Math.round(Math.cos(angle) * radius), Math.round(Math.sin(angle) * radius));
        }
        placed.push(at.add(offset));
        var icon = marker.options.icon;
        var anchor = L.point(size / 2 - offset.x, size / 2 - offset.y);
        if (!icon.options.iconAnchor || !L.point(icon.options.iconAnchor).equals(anchor)) {
          marker.setIcon(L.divIcon(L.extend({}, icon.options, { iconAnchor: anchor })));
        }
      });
    }
    map.on("zoomend", layout);
    layout();
  };
})();
