"""Regenerate `data/countries.csv` from pycountry's copy of ISO 3166-1 (Debian iso-codes).

Run `python -m ipa.reference.build` with pycountry importable (e.g. `pip install pycountry` in a scratch venv),
or pass the path of an unpacked `pycountry/databases/iso3166-1.json`. pycountry is a build-time source only: the
project reads the committed CSV, so it never depends on the package at run time.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

DATA = Path(__file__).parent / "data"


def _iso_json(path: str | None) -> tuple[list[dict[str, str]], str]:
    if path is None:
        import pycountry

        path = str(Path(pycountry.__file__).parent / "databases" / "iso3166-1.json")
        version = metadata.version("pycountry")
    else:
        version = "unknown (file " + Path(path).name + ")"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["3166-1"], version


def write_countries(rows: list[dict[str, str]], version: str, out: Path = DATA / "countries.csv") -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("# dataset: ISO 3166-1 countries (alpha-2, alpha-3, numeric, short name)\n")
        fh.write(f"# version: pycountry {version}\n")
        fh.write(f"# as_of: {date.today().isoformat()}\n")
        fh.write(
            "# source: ISO 3166-1 via Debian iso-codes as packaged by pycountry (https://pypi.org/project/pycountry/)\n"
        )
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["alpha2", "alpha3", "numeric", "name"])
        for row in sorted(rows, key=lambda r: r["alpha_2"]):
            writer.writerow([row["alpha_2"], row["alpha_3"], row["numeric"], row["name"]])


def main(argv: list[str]) -> None:
    rows, version = _iso_json(argv[0] if argv else None)
    write_countries(rows, version)
    print(f"wrote {len(rows)} countries from pycountry {version}")


if __name__ == "__main__":
    main(sys.argv[1:])
