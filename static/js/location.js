// The location block of a located request form (issue 17), and the small read-only maps of ticket pages.
// Without this script the address is a plain text field, which the server accepts (flagged when outside the
// BAN). Every change of the place is announced on document.body as a "guichet:location-changed" event whose
// detail is {lat, lon, address}: the nearby-requests panel listens to it.
// Its words come from the template, translated there: data-msg-* attributes of the block, where "%(name)s"
// stands for a value (see templates/portal/_location.html).
(function () {
  "use strict";

  function tileLayer(element) {
    return L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 });
  }

  // Read-only maps (ticket pages): no dragging, no zoom, no keyboard; the coordinates are in the text beside.
  function staticMaps() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-static-map]").forEach(function (element) {
      var point = [Number(element.dataset.lat), Number(element.dataset.lon)];
      var map = L.map(element, {
        center: point, zoom: 17, dragging: false, zoomControl: false, scrollWheelZoom: false,
        doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false, tap: false
      });
      tileLayer(element).addTo(map);
      L.marker(point, { keyboard: false, interactive: false }).addTo(map);
      element.hidden = false;
    });
  }

  function locationBlock(block) {
    function msg(name, values) {
      var text = block.dataset["msg" + name] || "";
      return text.replace(/%\((\w+)\)s/g, function (whole, key) {
        return values && key in values ? String(values[key]) : whole;
      });
    }

    var input = document.getElementById("id_location_address");
    var lat = document.getElementById("id_location_lat");
    var lon = document.getElementById("id_location_lon");
    var list = document.getElementById("location-suggestions");
    var status = document.getElementById("location-status");
    if (!input || !lat || !lon || !list) return;
    var form = input.form;
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var results = [];
    var active = -1;
    var timer = null;
    var pending = null;
    // Where the current position came from: "suggestion", "pin", "device", "photo" or "" (typed address only).
    var source = lat.value ? "pin" : "";
    var marker = null;
    var map = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function announce() {
      document.body.dispatchEvent(new CustomEvent("guichet:location-changed", {
        detail: {
          lat: lat.value ? Number(lat.value) : null,
          lon: lon.value ? Number(lon.value) : null,
          address: input.value
        }
      }));
    }

    function setPosition(latitude, longitude, from) {
      lat.value = latitude === null ? "" : Number(latitude).toFixed(6);
      lon.value = longitude === null ? "" : Number(longitude).toFixed(6);
      source = latitude === null ? "" : from;
      if (map && latitude !== null) {
        var point = [Number(latitude), Number(longitude)];
        if (!marker) { addMarker(point); } else { marker.setLatLng(point); }
        // A pin the citizen placed stays where they look; a place found otherwise is brought into view.
        if (from !== "pin") map.setView(point, Math.max(map.getZoom(), 17));
      }
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var place = results[index];
      if (!place) return;
      input.value = place.label;
      setPosition(place.lat, place.lon, "suggestion");
      close();
      status.textContent = place.label;
      announce();
    }

    function show(places) {
      results = places;
      list.textContent = "";
      places.forEach(function (place, i) {
        var option = document.createElement("li");
        option.id = "location-suggestion-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = place.label;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      var open = places.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      active = -1;
      status.textContent = open
        ? msg(places.length > 1 ? "SuggestionsMany" : "SuggestionsOne", { count: places.length })
        : msg("NoSuggestion");
    }

    function suggest() {
      var query = input.value.trim();
      if (query.length < 3) { close(); return; }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(block.dataset.suggestUrl + "?q=" + encodeURIComponent(query), {
        signal: pending.signal, headers: { Accept: "application/json" }, credentials: "same-origin"
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (document.activeElement === input) show(body.results || []); })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      // A typed address no longer matches the point a suggestion gave; a pin the citizen set stays.
      if (source === "suggestion" || source === "photo") setPosition(null, null, "");
      clearTimeout(timer);
      timer = setTimeout(suggest, 250);
      announce();
    });
    input.addEventListener("keydown", function (event) {
      var count = list.hidden ? 0 : results.length;
      if (event.key === "ArrowDown") {
        if (!count) { suggest(); return; }
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter" && count && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && count) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });

    function reverse(latitude, longitude) {
      var url = block.dataset.reverseUrl + "?lat=" + latitude.toFixed(6) + "&lon=" + longitude.toFixed(6);
      return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { result: null }; })
        .then(function (body) { return body.result; })
        .catch(function () { return null; });
    }

    function pinned(latitude, longitude, from) {
      setPosition(latitude, longitude, from);
      reverse(latitude, longitude).then(function (place) {
        if (place && place.label) {
          input.value = place.label;
          status.textContent = msg("Pinned", { address: place.label });
        }
        announce();
      });
      announce();
    }

    function addMarker(point) {
      marker = L.marker(point, { draggable: true, autoPan: true, title: msg("Marker"), alt: msg("Marker") }).addTo(map);
      marker.on("dragend", function () {
        var where = marker.getLatLng();
        pinned(where.lat, where.lng, "pin");
      });
    }

    var mapBlock = document.getElementById("location-map-block");
    var mapElement = document.getElementById("location-map");
    if (block.dataset.mapMode && mapBlock && mapElement && typeof L !== "undefined") {
      mapBlock.hidden = false;
      var start = lat.value
        ? [Number(lat.value), Number(lon.value)]
        : [Number(mapElement.dataset.centerLat), Number(mapElement.dataset.centerLon)];
      map = L.map(mapElement, { center: start, zoom: lat.value ? 17 : 15 });
      tileLayer(mapElement).addTo(map);
      if (lat.value) addMarker(start);
      map.on("click", function (event) { pinned(event.latlng.lat, event.latlng.lng, "pin"); });
      var locate = document.getElementById("location-geolocate");
      if (locate && navigator.geolocation) {
        locate.hidden = false;
        locate.addEventListener("click", function () {
          status.textContent = msg("Locating");
          navigator.geolocation.getCurrentPosition(
            function (position) { pinned(position.coords.latitude, position.coords.longitude, "device"); },
            function () { status.textContent = msg("NoPosition"); },
            { enableHighAccuracy: true, timeout: 10000 }
          );
        });
      }
    }

    // A photo with a GPS position: offer its place (read by the server, the photo itself not kept by this call).
    var photoBox = document.getElementById("location-photo");
    var photoText = document.getElementById("location-photo-text");
    var photoUse = document.getElementById("location-photo-use");
    var offered = null;
    form.querySelectorAll("input[type=file]").forEach(function (fileInput) {
      fileInput.addEventListener("change", function () {
        var file = fileInput.files && fileInput.files[0];
        // iPhones' HEIC photos: some browsers give them no type, hence the name as well.
        if (!file || !(/^image\/(jpeg|png|webp|heic|heif)$/.test(file.type) || /\.(heic|heif)$/i.test(file.name))) return;
        var data = new FormData();
        data.append("photo", file);
        fetch(block.dataset.photoUrl, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" }
        })
          .then(function (response) { return response.ok ? response.json() : { result: null }; })
          .then(function (body) {
            offered = body.result;
            if (!offered) return;
            photoText.textContent = offered.label ? msg("PhotoPlace", { address: offered.label }) : msg("PhotoPlaceUnknown");
            photoBox.hidden = false;
          })
          .catch(function () {});
      });
    });
    if (photoUse) {
      photoUse.addEventListener("click", function () {
        if (!offered) return;
        if (offered.label) input.value = offered.label;
        setPosition(offered.lat, offered.lon, "photo");
        photoBox.hidden = true;
        status.textContent = offered.label ? msg("PhotoUsed", { address: offered.label }) : msg("PhotoUsedUnknown");
        announce();
      });
    }
  }

  function start() {
    staticMaps();
    document.querySelectorAll("[data-location]").forEach(locationBlock);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
