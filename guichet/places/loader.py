"""Loading a département's BAN file (adresses-XX.csv, ``;``-separated, optionally .gz) into the offline index.

Streams the file row by row and writes batches (upsert on the BAN identifier): constant memory, and loading
the same file twice leaves the same rows.
"""

import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from guichet.places.index import fold_words
from guichet.places.models import BanAddress

BATCH = 2000
REQUIRED = ("id", "numero", "nom_voie", "code_insee", "nom_commune", "lon", "lat")
UPDATED = ["housenumber", "street", "postcode", "citycode", "city", "label", "street_search", "latitude", "longitude"]


@dataclass
class LoadReport:
    loaded: int = 0
    skipped: int = 0


class BanFileError(Exception):
    """The file is not a BAN addresses file (missing columns)."""


def _open(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by the caller's with


def _address(row: dict[str, str]) -> BanAddress | None:
    try:
        latitude, longitude = float(row["lat"]), float(row["lon"])
    except (TypeError, ValueError):
        return None
    street = (row.get("nom_voie") or "").strip()
    ban_id = (row.get("id") or "").strip()
    citycode = (row.get("code_insee") or "").strip()
    if not (street and ban_id and len(citycode) == 5) or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    number = ((row.get("numero") or "").strip() + (row.get("rep") or "").strip())[:20]
    if number == "99999":  # the BAN's "no number" for a street's own point (lieux-dits)
        number = ""
    postcode = (row.get("code_postal") or "").strip()[:5]
    city = (row.get("nom_commune") or "").strip()[:100]
    label = " ".join(part for part in (number, street, postcode, city) if part)[:300]
    return BanAddress(
        ban_id=ban_id[:60],
        housenumber=number,
        street=street[:200],
        postcode=postcode,
        citycode=citycode,
        city=city,
        label=label,
        street_search=fold_words(street)[:200],
        latitude=latitude,
        longitude=longitude,
    )


def _batches(rows: Iterable[BanAddress], size: int) -> Iterator[list[BanAddress]]:
    batch: list[BanAddress] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ban_file_load(path: Path, *, citycodes: Iterable[str] = (), batch_size: int = BATCH) -> LoadReport:
    """Upsert every address of the file (only the given INSEE codes' when some are given)."""
    wanted = set(citycodes)
    report = LoadReport()
    with _open(path) as handle:
        reader = csv.DictReader(handle, delimiter=";")
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise BanFileError(f"missing columns: {', '.join(missing)}")

        def addresses() -> Iterator[BanAddress]:
            for row in reader:
                if wanted and row.get("code_insee") not in wanted:
                    continue
                address = _address(row)
                if address is None:
                    report.skipped += 1
                    continue
                yield address

        for batch in _batches(addresses(), batch_size):
            # One BAN id twice in a batch would make the upsert fail on PostgreSQL: keep its last line.
            unique = list({address.ban_id: address for address in batch}.values())
            BanAddress.objects.bulk_create(
                unique, update_conflicts=True, unique_fields=["ban_id"], update_fields=UPDATED
            )
            report.loaded += len(unique)
    return report
