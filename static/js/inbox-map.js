// The inbox's « Carte » (issue 17): open located tickets, clustered; a grid of counts when there are too many.
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("carte-demandes");
    if (!element || !window.L || !L.markerClusterGroup) return;
    var status = document.getElementById("carte-etat");
    var center = (element.dataset.center || "46.6,2.4").split(",").map(Number);
    var map = L.map(element).setView(center, 14);
    L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    var clusters = L.markerClusterGroup();
    var cells = L.layerGroup();
    map.addLayer(clusters);
    map.addLayer(cells);
    var pending = null;
    var first = true;

    function ticketMarker(latlng, properties) {
      var marker = L.marker(latlng, { title: properties.reference + " — " + properties.type });
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = properties.reference + " — " + properties.type;
      popup.appendChild(link);
      popup.appendChild(document.createElement("br"));
      popup.appendChild(document.createTextNode(properties.status));
      marker.bindPopup(popup);
      return marker;
    }

    function cellMarker(latlng, count) {
      var label = String(Number(count));
      var icon = L.divIcon({ className: "map-cell", html: "<span>" + label + "</span>", iconSize: [40, 40] });
      var marker = L.marker(latlng, { icon: icon, title: label, keyboard: true });
      marker.on("click", function () { map.setView(latlng, map.getZoom() + 2); });
      return marker;
    }

    function load() {
      var bounds = map.getBounds();
      var url = new URL(element.dataset.points, window.location.href);
      if (!first) {
        url.searchParams.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
          .map(function (value) { return value.toFixed(6); }).join(","));
      }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url, { signal: pending.signal, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          clusters.clearLayers();
          cells.clearLayers();
          var markers = [];
          data.features.forEach(function (feature) {
            var coordinates = feature.geometry.coordinates;
            var latlng = L.latLng(coordinates[1], coordinates[0]);
            if (data.grid) cells.addLayer(cellMarker(latlng, feature.properties.count));
            else markers.push(ticketMarker(latlng, feature.properties));
          });
          clusters.addLayers(markers);
          status.textContent = data.grid ? element.dataset.labelGrid : markers.length + " " + element.dataset.labelPoints;
          if (first && data.features.length) {
            first = false;
            map.fitBounds(L.latLngBounds(data.features.map(function (feature) {
              return [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
            })), { maxZoom: 17 });
          }
          first = false;
        })
        .catch(function () {});
    }

    map.on("moveend", function () { if (!first) load(); });
    load();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
