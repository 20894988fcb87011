"""Writes duplicate_pairs.json, the labelled duplicate-detection set (docs/DUPLICATES.md). Run once, by hand:

    .venv/bin/python tests/tickets/data/make_duplicate_pairs.py

Deterministic (seeded). Each pair: an existing request, a new one at some distance, and whether the new one
reports the same problem. Truth: the same object (a street light, a hole, a heap) of the same kind, still open.
"""

import json
import math
import random
from pathlib import Path

BASE = (45.7640, 4.8357)
SERVICES = {"voirie": 1, "proprete": 2, "police": 3, "espaces_verts": 4}
# type id: (service, wordings of the same problem)
KINDS = {
    1: (
        "voirie",
        [
            "Lampadaire éteint devant le numéro 12",
            "L'éclairage public ne fonctionne plus depuis trois jours",
            "Réverbère en panne, la rue est dans le noir",
            "Le lampadaire au coin ne s'allume plus le soir",
            "Plus de lumière sur le trottoir la nuit, lampe grillée",
            "lampadaire HS",
        ],
    ),
    2: (
        "voirie",
        [
            "Nid-de-poule profond sur la chaussée",
            "Un gros trou dans la route, dangereux pour les vélos",
            "Chaussée abîmée : trou de 30 cm",
            "Nid de poule devant l'école",
            "Le revêtement s'est effondré, il y a un trou",
            "trou dans la rue",
        ],
    ),
    3: (
        "proprete",
        [
            "Dépôt sauvage de gravats sur le trottoir",
            "Des sacs poubelles abandonnés au pied de l'arbre",
            "Un matelas et un canapé déposés sur le trottoir",
            "Encombrants laissés dans la rue depuis une semaine",
            "Décharge sauvage : cartons et déchets",
            "dépôt d'ordures",
        ],
    ),
    4: (
        "police",
        [
            "Voiture abandonnée depuis un mois, pneus crevés",
            "Véhicule ventouse stationné sans bouger",
            "Une épave de voiture sur le parking",
            "Voiture sans plaques garée depuis des semaines",
            "Véhicule abandonné, vitres cassées",
            "voiture épave",
        ],
    ),
    5: (
        "proprete",
        [
            "Tags sur le mur de l'école",
            "Graffitis sur la façade",
            "Des inscriptions à la bombe sur le mur",
            "Mur tagué près de l'arrêt de bus",
            "Graffiti injurieux sur la porte",
            "tags",
        ],
    ),
    6: (
        "espaces_verts",
        [
            "Branche tombée sur le trottoir après l'orage",
            "Un arbre menace de tomber",
            "Grosse branche cassée qui bloque le passage",
            "Arbre déraciné dans le square",
            "Branches mortes au-dessus de l'aire de jeux",
            "branche tombée",
        ],
    ),
}
# Another kind of the same service, for "same place, other kind".
SAME_SERVICE_OTHER = {1: 2, 2: 1, 3: 5, 5: 3, 4: None, 6: None}


def offset(point, distance, rng):
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111_195.0
    dlon = distance * math.sin(bearing) / (111_195.0 * math.cos(math.radians(point[0])))
    return round(point[0] + dlat, 7), round(point[1] + dlon, 7)


def request(kind, text, point, age_days=0.0, status="received"):
    service, _wordings = KINDS[kind]
    return {
        "request_type": kind,
        "service": SERVICES[service],
        "text": text,
        "latitude": point[0],
        "longitude": point[1],
        "age_days": round(age_days, 2),
        "status": status,
    }


def pair(case, duplicate, existing, new):
    return {"case": case, "duplicate": duplicate, "existing": existing, "new": new}


def main():
    rng = random.Random(17)
    pairs = []

    def spot():
        return offset(BASE, rng.uniform(0, 2000), rng)

    def two_wordings(kind):
        return rng.sample(KINDS[kind][1], 2)

    def similar(text):
        # The same words, reordered, with a small addition or a typo-free variant.
        words = text.split()
        rng.shuffle(words)
        return " ".join(words[: max(2, len(words) - 1)]) + rng.choice(["", " svp", " encore", " toujours"])

    kinds = list(KINDS)
    for i in range(60):
        kind, place = kinds[i % 6], spot()
        a, b = two_wordings(kind)
        existing = request(kind, a, place, rng.uniform(0, 20))
        pairs.append(
            pair(
                "same place, same kind, other words",
                True,
                existing,
                request(kind, b, offset(place, rng.uniform(0, 20), rng)),
            )
        )
    for i in range(25):
        kind, place = kinds[i % 6], spot()
        a = rng.choice(KINDS[kind][1])
        existing = request(kind, a, place, rng.uniform(0, 30))
        pairs.append(
            pair(
                "same place, same kind, same words",
                True,
                existing,
                request(kind, similar(a), offset(place, rng.uniform(0, 25), rng)),
            )
        )
    for i in range(20):
        kind, place = kinds[i % 6], spot()
        a = rng.choice(KINDS[kind][1])
        existing = request(kind, a, place, rng.uniform(0, 15))
        pairs.append(
            pair(
                "same kind 25-45 m, same words",
                True,
                existing,
                request(kind, similar(a), offset(place, rng.uniform(25, 45), rng)),
            )
        )
    for i in range(10):
        kind, place = kinds[i % 6], spot()
        a, b = two_wordings(kind)
        existing = request(kind, a, place, rng.uniform(120, 300), rng.choice(["received", "in_progress"]))
        pairs.append(
            pair(
                "same place, same kind, old and still open",
                True,
                existing,
                request(kind, b, offset(place, rng.uniform(0, 15), rng)),
            )
        )
    for i in range(20):
        kind, place = kinds[i % 6], spot()
        a, b = two_wordings(kind)
        existing = request(kind, a, place, rng.uniform(0, 60))
        pairs.append(
            pair(
                "same kind 35-48 m, other words (a neighbouring object)",
                False,
                existing,
                request(kind, b, offset(place, rng.uniform(38, 48), rng)),
            )
        )
    for i in range(25):
        kind = [1, 2, 3, 5][i % 4]
        other, place = SAME_SERVICE_OTHER[kind], spot()
        existing = request(other, rng.choice(KINDS[other][1]), place, rng.uniform(0, 20))
        pairs.append(
            pair(
                "same place, other kind of the same service",
                False,
                existing,
                request(kind, rng.choice(KINDS[kind][1]), offset(place, rng.uniform(0, 10), rng)),
            )
        )
    for i in range(20):
        kind, place = kinds[i % 6], spot()
        other = rng.choice([k for k in kinds if KINDS[k][0] != KINDS[kind][0]])
        existing = request(other, rng.choice(KINDS[other][1]), place, rng.uniform(0, 20))
        pairs.append(
            pair(
                "same place, other service",
                False,
                existing,
                request(kind, rng.choice(KINDS[kind][1]), offset(place, rng.uniform(0, 10), rng)),
            )
        )
    for i in range(25):
        kind, place = kinds[i % 6], spot()
        a = rng.choice(KINDS[kind][1])
        existing = request(kind, a, place, rng.uniform(0, 20))
        pairs.append(
            pair(
                "same kind 90-150 m",
                False,
                existing,
                request(kind, rng.choice([a, similar(a)]), offset(place, rng.uniform(90, 150), rng)),
            )
        )
    for i in range(25):
        kind, place = kinds[i % 6], spot()
        a = rng.choice(KINDS[kind][1])
        existing = request(kind, a, place, rng.uniform(30, 400), "closed")
        pairs.append(
            pair(
                "same place, same kind, closed",
                False,
                existing,
                request(kind, similar(a), offset(place, rng.uniform(0, 15), rng)),
            )
        )
    for i in range(10):
        kind, place = kinds[i % 6], spot()
        a = rng.choice(KINDS[kind][1])
        existing = request(kind, a, place, rng.uniform(0, 20))
        pairs.append(
            pair(
                "same kind 55-80 m, same words (outside the radius)",
                False,
                existing,
                request(kind, a, offset(place, rng.uniform(55, 80), rng)),
            )
        )
    Path(__file__).with_name("duplicate_pairs.json").write_text(json.dumps(pairs, ensure_ascii=False, indent=1) + "\n")
    print(len(pairs), "pairs")


if __name__ == "__main__":
    main()
