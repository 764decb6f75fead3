"""The land-use class table (``landuse.classes``): code, name, abbreviation and colour of each class, in the order
of the networks' outputs. The default is the U-Net+ study's seven classes (docs/methods.md, "Land-use mapping").

Label files hold class codes (a raster) or codes, abbreviations or names (a polygon field); the networks work on
class indexes 0 … k − 1 (the table's order) and the prediction rasters hold codes again, with :data:`NODATA`
where the image has no data.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

#: No-data of label and prediction rasters (uint8), and the label the loss ignores; never a class code.
NODATA = 255


@dataclass(frozen=True)
class LandUseClass:
    """One class of the table. ``code``: its value in the label and prediction rasters (0-254); ``colour``:
    ``#rrggbb``."""

    code: int
    name: str
    abbreviation: str
    colour: str


def class_table(entries: list[dict], key: str = "landuse.classes") -> list[LandUseClass]:
    """The class table from the config's list of ``{code, name, abbreviation, colour}``.

    Raises
    ------
    ValueError
        Naming ``key`` and the entry: fewer than two classes, a code outside 0-254 or given twice, an abbreviation
        or name given twice, a colour that is not ``#rrggbb``.
    """
    table = [LandUseClass(int(e["code"]), str(e["name"]), str(e["abbreviation"]), str(e["colour"])) for e in entries]
    if len(table) < 2:
        raise ValueError(f"config key {key}: {len(table)} class(es); a land-use map needs at least two")
    for field in ("code", "name", "abbreviation"):
        values = [getattr(c, field) for c in table]
        twice = sorted({v for v in values if values.count(v) > 1}, key=str)
        if twice:
            raise ValueError(f"config key {key}: {field} {twice} given to more than one class")
    for c in table:
        if not 0 <= c.code < NODATA:
            raise ValueError(f"config key {key}: class {c.abbreviation} has code {c.code}; codes are 0-254 "
                             f"({NODATA} is no data)")
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", c.colour):
            raise ValueError(f"config key {key}: class {c.abbreviation} has colour {c.colour!r}; give #rrggbb")
    return table


def as_dicts(table: list[LandUseClass]) -> list[dict]:
    """The table as plain dicts (model cards, raster tags)."""
    return [asdict(c) for c in table]


def index_lookup(table: list[LandUseClass]) -> np.ndarray:
    """uint8 (256,): class index of each code, :data:`NODATA` for codes not in the table."""
    lut = np.full(256, NODATA, np.uint8)
    lut[[c.code for c in table]] = np.arange(len(table), dtype=np.uint8)
    return lut


def codes(table: list[LandUseClass]) -> np.ndarray:
    """uint8 (k,): the code of each class index."""
    return np.array([c.code for c in table], np.uint8)


def code_of_values(values, table: list[LandUseClass], source: str) -> np.ndarray:
    """Class codes of a polygon field's values: codes (numbers), abbreviations or names (text, any case).

    Raises
    ------
    ValueError
        Naming ``source`` and every value that is not a class of the table (with the table's codes and
        abbreviations).
    """
    by_text = {str(c.code): c.code for c in table}
    by_text |= {c.abbreviation.lower(): c.code for c in table} | {c.name.lower(): c.code for c in table}
    keys = [str(int(v)) if isinstance(v, (int, float, np.number)) and float(v).is_integer() else str(v).strip().lower()
            for v in values]
    unknown = sorted({k for k in keys if k not in by_text})
    if unknown:
        raise ValueError(f"{source}: class value(s) {unknown} are not in landuse.classes "
                         f"({describe(table)}); add them to the table or correct the labels")
    return np.array([by_text[k] for k in keys], np.uint8)


def unknown_codes(values: np.ndarray, table: list[LandUseClass]) -> list[int]:
    """The distinct values of an integer array that are not class codes, sorted."""
    present = np.unique(values)
    return [int(v) for v in present if int(v) not in {c.code for c in table}]


def describe(table: list[LandUseClass]) -> str:
    """``1 OPM, 2 WAT, …`` for messages."""
    return ", ".join(f"{c.code} {c.abbreviation}" for c in table)


def colormap(table: list[LandUseClass]) -> dict[int, tuple[int, int, int, int]]:
    """The GeoTIFF colour map of a prediction raster: RGBA of each code (no data transparent)."""
    out = {c.code: (*(int(c.colour[i:i + 2], 16) for i in (1, 3, 5)), 255) for c in table}
    return out | {NODATA: (0, 0, 0, 0)}
