"""Reading the versioned data files: CSVs whose leading `# key: value` lines carry their provenance."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Provenance:
    """Where a data file came from and how old it is; shown beside anything derived from it."""

    file: str
    dataset: str
    version: str
    as_of: str
    source: str
    notes: tuple[str, ...] = ()


@cache
def read_csv(name: str) -> tuple[Provenance, tuple[dict[str, str], ...]]:
    header: dict[str, str] = {}
    notes: list[str] = []
    body: list[str] = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and not body:
            key, _, value = line[1:].strip().partition(":")
            if key.strip() in {"dataset", "version", "as_of", "source"}:
                header[key.strip()] = value.strip()
            else:
                notes.append(line[1:].strip())
        else:
            body.append(line)
    missing = {"dataset", "version", "as_of", "source"} - header.keys()
    if missing:  # a data file without provenance is a packaging error, not something to paper over
        raise ValueError(f"{name}: header lacks {', '.join(sorted(missing))}")
    prov = Provenance(
        name, header["dataset"], header["version"], header["as_of"], header["source"], tuple(notes)
    )
    return prov, tuple(csv.DictReader(body))


@cache
def read_toml(name: str) -> dict[str, Any]:
    # parse_float keeps any unquoted number exact as well
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh, parse_float=Decimal)


def toml_provenance(name: str, source: str | None = None) -> Provenance:
    meta = read_toml(name)["meta"]
    return Provenance(name, meta["dataset"], meta["version"], meta["as_of"], source or meta.get("source", ""))
