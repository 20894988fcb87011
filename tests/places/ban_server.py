"""A local stand-in of the BAN geocoding API (api-adresse.data.gouv.fr), served on a free port by a thread.

It answers ``/search/`` and ``/reverse/`` with GeoJSON FeatureCollections shaped like the documented ones
(properties label, score, housenumber, street, name, postcode, citycode, city, context, type, id, x, y; geometry
a Point [lon, lat]), computed from the BAN-format CSV committed beside it. ``mode`` makes it fail the ways the
real one can: "error" (HTTP 503), "bad_json", "not_geojson", "slow" (answers after the client's timeout).
"""

import csv
import json
import math
import re
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

CSV_PATH = Path(__file__).resolve().parent / "adresses-38-extrait.csv"


def _fold(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _features() -> list[dict]:
    features = []
    with open(CSV_PATH, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if not row["lat"]:
                continue
            number = "" if row["numero"] == "99999" else row["numero"] + row["rep"]
            label = " ".join(p for p in (number, row["nom_voie"], row["code_postal"], row["nom_commune"]) if p)
            name = f"{number} {row['nom_voie']}".strip()
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
                    "properties": {
                        "label": label,
                        "score": 0.0,
                        "housenumber": number or None,
                        "id": row["id"],
                        "name": name,
                        "postcode": row["code_postal"],
                        "citycode": row["code_insee"],
                        "x": float(row["x"]),
                        "y": float(row["y"]),
                        "city": row["nom_commune"],
                        "context": "38, Isère, Auvergne-Rhône-Alpes",
                        "type": "housenumber" if number else "locality",
                        "importance": 0.5,
                        "street": row["nom_voie"],
                    },
                }
            )
    return features


class StandInBan:
    def __init__(self) -> None:
        self.features = _features()
        self.mode = "ok"
        self.requests: list[str] = []
        self.delay = 0.0
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the serving loop's next poll: 50 ms rather than the default half second per test.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> "StandInBan":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def search(self, params: dict[str, str]) -> list[dict]:
        query = _fold(params.get("q", ""))
        limit = int(params.get("limit", "5"))
        citycode = params.get("citycode")
        words = query.split()
        found = []
        for feature in self.features:
            props = feature["properties"]
            if citycode and props["citycode"] != citycode:
                continue
            haystack = _fold(props["label"]).split()
            # autocomplete: every word typed is a prefix of a word of the label
            if words and all(any(word.startswith(w) for word in haystack) for w in words):
                score = len(words) / len(haystack)
                found.append({**feature, "properties": {**props, "score": round(score, 4)}})
        found.sort(key=lambda f: -f["properties"]["score"])
        return found[:limit]

    def reverse(self, params: dict[str, str]) -> list[dict]:
        lat, lon = float(params["lat"]), float(params["lon"])

        def distance(feature: dict) -> float:
            flon, flat = feature["geometry"]["coordinates"]
            return math.hypot(flat - lat, (flon - lon) * math.cos(math.radians(lat)))

        nearest = sorted(self.features, key=distance)[: int(params.get("limit", "1"))]
        return [{**f, "properties": {**f["properties"], "score": 0.99, "distance": 5}} for f in nearest]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                stand_in.requests.append(self.path)
                params = {key: values[0] for key, values in parse_qs(parts.query).items()}
                mode = stand_in.mode
                if mode == "slow":
                    time.sleep(stand_in.delay or 2.0)
                if mode == "error":
                    self._send(503, b"<html>Service Unavailable</html>", "text/html")
                    return
                if mode == "bad_json":
                    self._send(200, b'{"type": "FeatureCollection", "features": [', "application/json")
                    return
                if mode == "not_geojson":
                    self._send(200, b'{"features": [{"properties": {}}]}', "application/json")
                    return
                if parts.path == "/search/":
                    features = stand_in.search(params)
                elif parts.path == "/reverse/":
                    features = stand_in.reverse(params)
                else:
                    self._send(404, b"{}", "application/json")
                    return
                body = {
                    "type": "FeatureCollection",
                    "version": "draft",
                    "features": features,
                    "attribution": "BAN",
                    "licence": "ETALAB-2.0",
                    "query": params.get("q", ""),
                    "limit": int(params.get("limit", "5")),
                }
                self._send(200, json.dumps(body).encode(), "application/json; charset=utf-8")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
