"""Acquisitions: the table of scenes a region is built from, and reading one scene onto the region grid.

The table (CSV) has the columns ``path, date, sensor`` (one row per acquisition), and optionally ``bands``:

- ``path``: a multi-band GeoTIFF whose band descriptions are the product's native band names (``B02``,
  ``SR_B4``, ``QA_PIXEL`` …), or a pattern with ``{band}`` replaced by each native band name
  (``/data/LC08_..._{band}.TIF``). Relative paths are relative to the table's folder. Level-1 Landsat scenes
  also need ``<prefix>MTL.txt`` beside the bands, where ``<prefix>`` is the pattern before ``{band}``.
- ``date``: ISO date of the acquisition (for ready composites, any date in the year they stand for).
- ``sensor``: a key of :data:`minerestore.sources.sensors.PROFILES`.
- ``bands``: the native bands the acquisition has, space-separated, when it has only some of its product's (a
  remote region fetches the quality bands alone of a scene that only the snow mask reads); empty = all.

Every file is re-projected onto the region grid by GDAL's warper (bilinear for reflectance and temperature,
nearest for quality bands), so inputs in any CRS and resolution are re-projected on the fly and a window of the
grid reads only the bytes it needs.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.windows import Window

from minerestore.raster.grid import Grid
from minerestore.raster.read import band_index, read_on_grid
from minerestore.sources import landsat_l1
from minerestore.sources.clouds import cloud_mask
from minerestore.sources.sensors import (
    NDSI_QUANTITIES,
    PROFILES,
    QA_FUNCTIONS,
    S2CLOUDLESS_BANDS,
    SensorProfile,
    get_profile,
    ndsi_snow,
    scale_level2,
)

if TYPE_CHECKING:  # pandas is imported where a table is read or built: the composite jobs need none
    import pandas as pd

log = logging.getLogger(__name__)

TABLE_COLUMNS = ("path", "date", "sensor")


@dataclass(frozen=True)
class Acquisition:
    """One scene: where its bands are, when it was taken, which product it is."""

    path: str
    date: date
    sensor: str
    bands: tuple[str, ...] | None = None  # the native bands it has, when only some of its product's
    #: the user's table and row that list it ("acq.csv row 3"), named in errors; None for the ingested table
    listed_in: str | None = field(default=None, compare=False)

    @property
    def acquisition_id(self) -> str:
        stem = Path(self.path.split("{band}")[0].rstrip("_") or self.path).name
        return f"{self.date.isoformat()}_{self.sensor}_{stem}"

    @property
    def profile(self) -> SensorProfile:
        return get_profile(self.sensor, where=self.path)

    def band_file(self, native: str) -> tuple[str, int | None]:
        """(file, band index or None = look up by description) holding a native band."""
        if "{band}" in self.path:
            return self.path.format(band=native), 1
        return self.path, None

    def mtl_path(self) -> str:
        prefix = self.path.split("{band}")[0]
        return f"{prefix}MTL.txt"

    def has_band(self, native: str) -> bool:
        """Whether the acquisition has a native band: listed in ``bands``, else its file exists (``{band}``
        pattern) or the multi-band file has a band of that description."""
        if self.bands is not None:
            return native in self.bands
        file, index = self.band_file(native)
        return os.path.exists(file) if index else native in _descriptions(file)

    def quality_bands(self) -> list[str]:
        """The quality bands it is read with: the profile's, less an optional one it lacks (QA60)."""
        profile = self.profile
        return [q for q in profile.quality_bands if not profile.qa_optional or self.has_band(q)]

    def uses_cloud_detector(self) -> bool:
        """A Sentinel-2 Level-1C acquisition without QA60: its clouds come from s2cloudless
        (:mod:`minerestore.sources.clouds`), which reads :data:`minerestore.sources.sensors.S2CLOUDLESS_BANDS`."""
        return self.profile.level == "L1C" and not self.quality_bands()

    def native_bands(self) -> list[str]:
        """Every native band the acquisition is read with: its product's value bands (those it has, when
        ``bands`` says), its quality bands and, for the cloud detector, the bands s2cloudless classifies."""
        values = [v for v in self.profile.bands.values() if self.bands is None or v in self.bands]
        detector = list(S2CLOUDLESS_BANDS) if self.uses_cloud_detector() else []
        return list(dict.fromkeys(values + self.quality_bands() + detector))


@functools.cache
def _descriptions(path: str) -> tuple:
    """Band descriptions of a multi-band file (read once per process)."""
    with rasterio.open(path) as src:
        return tuple(src.descriptions)


def table_bands(value) -> tuple[str, ...] | None:
    """The ``bands`` cell of an acquisitions table: space-separated native names -> tuple, empty -> None."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    return tuple(text.split()) if text else None


def read_table(path: str | os.PathLike) -> list[Acquisition]:
    """Read and check an acquisitions table.

    Returns
    -------
    list of Acquisition, sorted by date; paths made absolute.

    Raises
    ------
    ValueError
        Naming the table and the row when a column is missing (the table is read as :func:`_read_csv` says), a date cannot be parsed, the ``bands`` cell names
        a band the product does not have, or the table (or the file) is empty;
        naming the rows when two list the same file.
    KeyError
        Naming the table row when a sensor is unknown.
    """

    table_path = Path(path)
    frame = _read_csv(table_path)
    missing = [c for c in TABLE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{table_path}: missing column(s) {missing}; expected columns {list(TABLE_COLUMNS)}")
    if frame.empty:
        raise ValueError(f"{table_path}: no acquisitions listed")
    out = []
    for i, row in frame.iterrows():
        where = f"{table_path} row {i + 2}"
        try:
            when = date.fromisoformat(str(row["date"]).strip()[:10])
        except ValueError:
            raise ValueError(f"{where}: cannot parse date {row['date']!r}; use YYYY-MM-DD") from None
        get_profile(str(row["sensor"]).strip(), where=where)
        p = str(row["path"]).strip()
        if not os.path.isabs(p):
            p = str((table_path.parent / p).resolve())
        bands = table_bands(row.get("bands"))
        known = [*get_profile(str(row["sensor"]).strip()).native_bands, *S2CLOUDLESS_BANDS]
        unknown = [b for b in bands or () if b not in known]
        if unknown:
            raise ValueError(f"{where}: bands {unknown} are not bands of {row['sensor']} ({known}); list the native "
                             "band names the acquisition has, separated by spaces, or leave the cell empty")
        out.append(Acquisition(p, when, str(row["sensor"]).strip(), bands, listed_in=where))
    _refuse_duplicates(out, table_path)
    return sorted(out, key=lambda a: (a.date, a.path))


#: Column separators a table may use: spreadsheets in many locales write ';', some exports a tab.
SEPARATORS = (",", ";", "\t")


def _read_csv(table_path: Path) -> pd.DataFrame:
    """An acquisitions table as text columns, as spreadsheets write it: UTF-8 with or without a byte-order mark,
    any line ends, the separator of its header line (:data:`SEPARATORS`), header names in any case and with
    spaces round the cells; rows with no cell filled (a spreadsheet's trailing rows) are dropped.

    Raises
    ------
    ValueError
        Naming the table: empty, or not UTF-8 (what to save it as).
    """
    import io

    import pandas as pd

    try:
        text = table_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{table_path}: not UTF-8 text ({err.reason} at byte {err.start}); save it as 'CSV UTF-8' "
                         "(a spreadsheet's default CSV may use the system's code page)") from None
    header = text.lstrip().split("\n", 1)[0]
    sep = max(SEPARATORS, key=header.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{table_path}: the file is empty; give a header line 'path,date,sensor' and a row per "
                         "acquisition") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.dropna(how="all")


def _refuse_duplicates(acquisitions: list[Acquisition], table_path: Path) -> None:
    """A file listed twice would count twice in every median."""
    rows: dict = {}
    for i, acq in enumerate(acquisitions):
        rows.setdefault(acq.path, []).append(i + 2)
    repeated = [r for r in rows.values() if len(r) > 1]
    if repeated:
        raise ValueError(f"{table_path}: rows {repeated[0]} list the same file; each acquisition must be listed once "
                         "(remove the duplicate rows)")


def to_table(acquisitions: list[Acquisition]) -> pd.DataFrame:
    """The acquisitions as a table with ``acquisition_id, path, date, year, month, sensor, bands``."""
    import pandas as pd

    return pd.DataFrame(
        {
            "acquisition_id": [a.acquisition_id for a in acquisitions],
            "path": [a.path for a in acquisitions],
            "date": [a.date.isoformat() for a in acquisitions],
            "year": [a.date.year for a in acquisitions],
            "month": [a.date.month for a in acquisitions],
            "sensor": [a.sensor for a in acquisitions],
            "bands": [" ".join(a.bands) if a.bands is not None else "" for a in acquisitions],
        }
    )


def _read_natives(
    acq: Acquisition, natives: dict[str, Resampling], grid: Grid, window: Window
) -> dict[str, np.ndarray]:
    """Read native bands of ``acq`` (name -> resampling method) for ``window`` of ``grid`` (values in source DN),
    one read per file."""
    profile = acq.profile
    by_file: dict[str, list[tuple[str, int | str]]] = {}
    for native in natives:
        file, index = acq.band_file(native)
        by_file.setdefault(file, []).append((native, index or native))
    out = {}
    for file, members in by_file.items():
        try:
            data = read_on_grid(file, grid, [b for _, b in members], window,
                                resampling=[natives[n] for n, _ in members], src_nodata=profile.nodata_dn,
                                fill=profile.nodata_dn)
        except OSError as err:
            raise OSError(f"{err}; {acq.sensor} acquisition of {acq.date}") from err
        out.update({native: data[i] for i, (native, _) in enumerate(members)})
    return out


def read_observation(
    acq: Acquisition,
    grid: Grid,
    window: Window | None = None,
    only: tuple[str, ...] | None = None,
    *,
    conservative_scl: bool,
) -> dict[str, np.ndarray]:
    """Read one acquisition onto (a window of) the region grid as canonical quantities.

    Parameters
    ----------
    acq : Acquisition
    grid : Grid
    window : rasterio Window, optional
        Part of the grid to read (default: all of it).
    only : tuple of str, optional
        Canonical quantities to read (e.g. ``("lst",)`` for an acquisition that only contributes LST).
    conservative_scl : bool
        Sentinel-2: also mask SCL classes 2 and 7 (methods.md §1.1; config ``composite.scl_conservative``).

    Returns
    -------
    dict
        ``blue … swir2`` reflectance (float32, unitless, NaN where not clear), ``lst`` (float32, K) when the
        product has it, ``clear`` and ``snow`` (bool). Arrays have the window's shape (rows, cols).
        Pixels outside the scene footprint are not clear. An acquisition with only its quality bands (``bands``)
        gives ``clear`` and ``snow`` alone. Sentinel-2 Level-1C: clouds from QA60, else from s2cloudless
        (:mod:`minerestore.sources.clouds`); snow from NDSI (:func:`minerestore.sources.sensors.ndsi_snow`, its
        green, NIR and SWIR1 read whatever ``only`` asks), snow pixels not clear.

    Raises
    ------
    OSError
        If a band file cannot be opened (names the file).
    KeyError
        If a band is missing from a multi-band file (names the file, the band and the bands it has), or the
        acquisition has none of the quantities asked nor a quality band.
    """
    window = window or Window(0, 0, grid.width, grid.height)
    profile = acq.profile
    wanted = {k: v for k, v in profile.bands.items() if only is None or k in only}
    if profile.level == "L1C":
        wanted.update({k: profile.bands[k] for k in NDSI_QUANTITIES})
    bands = {k: v for k, v in wanted.items() if acq.bands is None or v in acq.bands}
    quality = acq.quality_bands()
    if not bands and not quality:
        raise KeyError(f"{acq.path}: sensor {acq.sensor} has none of the quantities {only} (bands {acq.bands})")
    # quality flags by nearest neighbour, values bilinear; bands of one file in one read
    dns = _read_natives(acq, {**{q: Resampling.nearest for q in quality},
                              **{n: Resampling.bilinear for n in bands.values()}}, grid, window)
    if quality:
        kwargs = {"conservative": conservative_scl} if profile.qa_kind == "scl" else {}
        clear, snow = QA_FUNCTIONS[profile.qa_kind](*(dns[b] for b in quality), **kwargs)
    else:
        clear = np.ones((int(window.height), int(window.width)), bool)
        snow = np.zeros_like(clear)
    if acq.uses_cloud_detector():
        clear &= ~cloud_mask(functools.partial(toa_bands, acq), grid, window)
    dn = {name: dns[native] for name, native in bands.items()}
    if not dn:
        out = {}
    elif profile.scaled:
        out, clear = scale_level2(dn, profile, clear)
    else:
        out, clear = _level1_or_composite_values(acq, dn, clear)
    if profile.level == "L1C" and all(k in out for k in NDSI_QUANTITIES):
        snow = ndsi_snow(out["green"], out["nir"], out["swir1"])  # NaN where not clear: False there
        clear &= ~snow
        for values in out.values():
            values[snow] = np.nan
    snow &= ~clear
    out = {k: v for k, v in out.items() if only is None or k in only}
    out["clear"] = clear
    out["snow"] = snow
    return out


def toa_bands(acq: Acquisition, grid: Grid, natives, resampling: Resampling) -> dict[str, np.ndarray]:
    """Native bands of a Sentinel-2 Level-1C acquisition on all of ``grid`` as top-of-atmosphere reflectance
    (``DN * scale + offset`` of its profile; float32, NaN where no data), read with ``resampling``: what the cloud
    detector classifies (:func:`minerestore.sources.clouds.cloud_mask`)."""
    profile = acq.profile
    dns = _read_natives(acq, {n: resampling for n in natives}, grid, Window(0, 0, grid.width, grid.height))
    out = {}
    for native, dn in dns.items():
        values = np.multiply(dn, np.float32(profile.scale), dtype=np.float32) + np.float32(profile.offset)
        values[(dn == profile.nodata_dn) | ~np.isfinite(dn)] = np.nan
        out[native] = values
    return out


def _level1_or_composite_values(acq: Acquisition, dns: dict[str, np.ndarray],
                                clear: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Physical values of a Level-1 Landsat scene (TOA reflectance, brightness temperature; its MTL file) or of a
    ready composite (float values as they are), NaN where not clear; ``clear`` less the pixels where a band is not
    finite (:func:`minerestore.sources.sensors.scale_level2` does the same for Level-2 products)."""
    mtl = landsat_l1.read_mtl(acq.mtl_path()) if acq.profile.level == "L1" else None
    out = {}
    for name, dn in dns.items():
        if mtl is None:
            out[name] = dn.astype(np.float32)
        else:
            convert = landsat_l1.brightness_temperature if name == "lst" else landsat_l1.toa_reflectance
            out[name] = convert(dn, mtl, acq.profile.bands[name], source=acq.mtl_path())
        clear = clear & np.isfinite(out[name])
    blank = np.where(clear, np.float32(0), np.float32(np.nan))  # adding it is 5x faster than a masked assignment
    for name in out:
        out[name] += blank
    return out, clear


def open_band_file(acq: Acquisition, native: str):
    """The open rasterio dataset of the file holding a native band of ``acq``.

    Raises
    ------
    OSError
        Naming the file when it cannot be opened (missing, truncated, not a raster).
    ValueError
        Naming the file when it has no CRS (it could not be placed on the region grid).
    """
    file, _ = acq.band_file(native)
    try:
        src = rasterio.open(file)
    except rasterio.errors.RasterioIOError as err:
        listed = (f" in {acq.listed_in} (a relative path there is taken from the table's folder, not from the "
                  "working directory)") if acq.listed_in else ""
        raise OSError(f"{file}: unreadable ({err}){_jpeg2000_hint(file)}; listed as a {acq.sensor} acquisition "
                      f"of {acq.date}{listed}") from None
    if src.crs is None:
        src.close()
        raise ValueError(f"{file}: the raster has no CRS, so it cannot be placed on the region grid; assign one "
                         "(e.g. gdal_edit.py -a_srs EPSG:326NN) and rerun")
    return src


#: GDAL drivers that read JPEG 2000 (the Sentinel-2 SAFE band files), the open-source one first.
JPEG2000_DRIVERS = ("JP2OpenJPEG", "JP2KAK", "JP2ECW", "JP2MrSID")


def gdal_drivers() -> set[str]:
    """Names of the raster drivers of the GDAL that rasterio runs on."""
    with rasterio.Env() as env:
        return set(env.drivers())


def _jpeg2000_hint(file: str) -> str:
    """What to do about a JPEG 2000 file GDAL could not open: the driver it needs, or that the file is bad."""
    if Path(file).suffix.lower() not in (".jp2", ".j2k", ".jpx"):
        return ""
    present = [d for d in JPEG2000_DRIVERS if d in gdal_drivers()]
    if not present:
        return ("; reading JPEG 2000 needs GDAL's JP2OpenJPEG driver, which this GDAL lacks: install a GDAL built "
                "with OpenJPEG (conda-forge gdal, or the rasterio wheels) or convert the file to GeoTIFF with "
                "gdal_translate")
    return (f"; GDAL's JPEG 2000 driver ({present[0]}) cannot read it: the file is truncated or not JPEG 2000; "
            "fetch it again")


#: Processing baseline in a Sentinel-2 product or granule name (``S2A_MSIL1C_20220130T031009_N0400_R075_…``).
BASELINE_IN_NAME = re.compile(r"_N(\d{2})(\d{2})_")
#: Tags that may state a file's processing baseline.
BASELINE_TAGS = ("PROCESSING_BASELINE", "processing_baseline", "s2:processing_baseline")


def processing_baseline(path: str, tags: dict) -> tuple[str | None, bool]:
    """(baseline ``"NN.NN"`` or None, whether it comes from a product name): from a tag, else from an ``_NNNNN_``
    token of the path."""
    for key in BASELINE_TAGS:
        if tags.get(key):
            return str(tags[key]), False
    match = BASELINE_IN_NAME.search(str(path))
    return (f"{match[1]}.{match[2]}", True) if match else (None, False)


def check_scene_files(acq: Acquisition, crs_of: dict[str, str], baseline_of: dict[str, tuple]) -> None:
    """The band files of one scene agree: one CRS, one processing baseline, and a baseline that a product
    name states fits the sensor listed (raw Sentinel-2 DN of baseline 04.00 and later carry the +1000 offset:
    ``sentinel2_l1c_pb04`` / ``sentinel2_l2a_pb04``; earlier ones none).

    Parameters
    ----------
    crs_of : file -> CRS (WKT or EPSG string); baseline_of : file -> :func:`processing_baseline`.

    Raises
    ------
    ValueError
        Naming the files and what differs, or the file, its baseline and the sensor to list.
    """
    where = f"{acq.sensor} acquisition of {acq.date}"
    for what, values in (("CRSs", {f: str(c) for f, c in crs_of.items()}),
                         ("processing baselines", {f: b[0] for f, b in baseline_of.items() if b[0]})):
        if len(set(values.values())) > 1:
            listing = "; ".join(f"{f}: {v}" for f, v in sorted(values.items()))
            raise ValueError(f"{where}: its band files are at different {what} ({listing}); the bands of one scene "
                             "come from one product: list the files of one product in this row")
    if acq.profile.family != "sentinel2":
        return
    offset = acq.profile.offset != 0
    for file, (baseline, from_name) in sorted(baseline_of.items()):
        if baseline and from_name and (baseline >= "04.00") != offset:
            fix = acq.sensor.removesuffix("_pb04") if offset else f"{acq.sensor}_pb04"
            raise ValueError(f"{file}: processing baseline {baseline} (in its name) but listed as {acq.sensor}, "
                             f"whose reflectance offset is {acq.profile.offset:g}: raw Sentinel-2 DN of baseline "
                             f"04.00 and later carry a +1000 offset; list it as {fix}")


def data_share(acq: Acquisition, grid: Grid) -> float:
    """Share of ``grid`` where the acquisition's first band (:meth:`Acquisition.native_bands`: a value band, or
    the quality band of one fetched for a mask period alone) has data (nearest neighbour; pixels outside the scene
    and no-data pixels count as without). Read on ``grid`` itself: pass a coarse one."""
    native = acq.native_bands()[0]
    dn = _read_natives(acq, {native: Resampling.nearest}, grid, Window(0, 0, grid.width, grid.height))[native]
    valid = np.isfinite(dn) if np.issubdtype(dn.dtype, np.floating) else np.ones(dn.shape, bool)
    if acq.profile.nodata_dn is not None:
        valid &= dn != acq.profile.nodata_dn
    return float(valid.mean())


def block_sample(src, index: int, pixels: int = 256 * 256, min_blocks: int = 4) -> np.ndarray:
    """A sample of about ``pixels`` values of band ``index`` of an open dataset, read as whole internal blocks
    (tiles or strips) spread evenly over the raster, at least ``min_blocks`` of them: 1-D array in the band's
    dtype.

    Why not a decimated read (``out_shape``): without overviews GDAL decodes every block of the band for it, which
    made checking the inputs of the synthetic default the slowest part of ingest (12 of its 16 s); whole blocks
    decode only themselves.
    """
    block_rows, block_cols = src.block_shapes[index - 1]
    down, across = -(-src.height // block_rows), -(-src.width // block_cols)
    wanted = min(down * across, max(min_blocks, -(-pixels // (block_rows * block_cols))))
    picks = np.unique(np.linspace(0, down * across - 1, wanted).round().astype(int))
    parts = []
    for r, c in (divmod(int(p), across) for p in picks):
        window = Window(c * block_cols, r * block_rows, min(block_cols, src.width - c * block_cols),
                        min(block_rows, src.height - r * block_rows))
        parts.append(src.read(index, window=window).ravel())
    return np.concatenate(parts)


#: Lowest reflectance a scaled product can hold: Landsat Collection 2's offset (DN 1 is -0.19997). A value below
#: it is a fill value stored as data (-9999, -32768 …), never an observation.
MIN_REFLECTANCE = -0.2
#: Plausible median land-surface temperature of a growing season, K: outside it the band is not in the product's
#: digital numbers (kelvin or °C already, or another product's scale).
LST_MEDIAN_K = (200.0, 350.0)


def check_acquisition(acq: Acquisition, sample: int = 256) -> None:
    """Check that every band of an acquisition exists, is readable and has the profile's scale.

    Reads about ``sample`` x ``sample`` pixels of each reflectance and temperature band as whole blocks spread
    over the file (:func:`block_sample`); the product's fill DN and the file's declared no-data are left out.

    Raises
    ------
    OSError, KeyError
        Unreadable file or missing band (names the file and band).
    ValueError
        A file without CRS; a Sentinel-2 file listed as Level-1C that has the Level-2A scene classification (SCL);
        wrong scale: more than 5 % of valid DN above the profile's ``dn_max`` (e.g. values > 10000 for
        Sentinel-2 reflectance x 10000), or floats in 0–2 where scaled integers are expected; 8-bit values
        where a product's DN need more; reflectance below :data:`MIN_REFLECTANCE` (a fill value the file does not
        declare as no-data); a median reflectance below 0 after the baseline 04.00 offset (the offset was
        removed already); a median LST outside :data:`LST_MEDIAN_K` after the product's scale (kelvin or °C
        already); saturated or clipped data: more than 5 % of valid integer DN at the largest value of their data
        type (more than 0.5 % is logged as a warning); band files of one scene in different CRSs or at different
        processing baselines, or at a baseline the sensor listed does not fit (:func:`check_scene_files`).
        A Sentinel-2 product without offset whose every band is at least the baseline 04.00 offset (1000 DN) is
        logged as a warning (a raw baseline 04.00 product listed without ``_pb04`` reads 0.1 too bright).
    """
    profile = acq.profile
    if profile.level == "L1":
        landsat_l1.read_mtl(acq.mtl_path())
    if profile.level == "L1C" and acq.has_band("SCL"):
        raise ValueError(f"{acq.path}: has SCL, the scene classification of Level-2A, but is listed as {acq.sensor} "
                         "(Level-1C); list it as sentinel2_l2a (or sentinel2_l2a_pb04)")
    lowest, eight_bit = {}, None
    with contextlib.ExitStack() as stack:
        opened = {}  # one open per file: the bands of a multi-band file share it
        for name in acq.native_bands():
            file, index = acq.band_file(name)
            if file not in opened:
                opened[file] = stack.enter_context(open_band_file(acq, name))
            src = opened[file]
            try:
                idx = index or band_index(src, name, file)
            except KeyError as err:
                raise KeyError(f"{err.args[0]}{_sensor_hint(src.descriptions, acq.sensor)}") from None
            if name in profile.quality_bands:
                continue
            dn = block_sample(src, idx, sample * sample)
            valid = dn[_data(dn, (profile.nodata_dn, src.nodata))]
            if valid.size == 0:
                continue
            if name == profile.bands.get("lst"):
                _check_lst(acq, name, file, valid)
            else:
                _check_scale(acq, name, file, valid)
                lowest[name] = float(valid.min())
                eight_bit = eight_bit or (valid.dtype.itemsize == 1 and f"{file}: band {name} is 8-bit ({valid.dtype})")
        check_scene_files(acq, {f: src.crs.to_string() for f, src in opened.items()},
                          {f: processing_baseline(f, src.tags()) for f, src in opened.items()})
    if eight_bit and profile.scaled:
        raise ValueError(f"{eight_bit}, but {acq.sensor} digital numbers reach {profile.dn_max}: the data were "
                         "rescaled (for display?); list the product's original files")
    _check_offset(acq, lowest)


def _sensor_hint(names, listed: str) -> str:
    """The sensors whose every band a multi-band file's band ``names`` hold, as a hint for a file listed as
    ``listed`` that lacks one of its bands (a Landsat 5 file listed as landsat8_c2l2); '' when none does."""
    have = set(names)
    fits = sorted(s for s, p in PROFILES.items() if s != listed and p.native_bands and set(p.native_bands) <= have)
    return f"; its bands are those of {' or '.join(fits)}: list it as that sensor" if fits else ""


def _data(dn: np.ndarray, fills) -> np.ndarray:
    """Where a sample of DN holds data: not one of the ``fills`` (None skipped; NaN matches NaN), finite."""
    keep = np.isfinite(dn) if dn.dtype.kind == "f" else np.ones(dn.shape, bool)
    for fill in fills:
        if fill is not None and not np.isnan(fill):
            keep &= dn != fill
    return keep


def _check_scale(acq: Acquisition, name: str, file, valid: np.ndarray) -> None:
    """The scale, range and saturation checks of :func:`check_acquisition` on a sample of one reflectance band's
    valid DN."""
    profile = acq.profile
    if profile.level != "composite" and np.issubdtype(valid.dtype, np.floating) and np.nanmax(valid) <= 2:
        raise ValueError(
            f"{file}: band {name} holds floats 0–2 (reflectance already scaled) but sensor {acq.sensor} "
            f"expects digital numbers; list ready reflectance files with sensor 'composite'"
        )
    share_high = float(np.mean(valid > profile.dn_max))
    if share_high > 0.05:
        raise ValueError(
            f"{file}: band {name} has {share_high:.0%} of values above {profile.dn_max}, the largest "
            f"plausible value for {acq.sensor}; the file is in the wrong scale or the wrong sensor is listed"
        )
    reflectance = valid.astype(np.float64) * profile.scale + profile.offset
    if reflectance.min() < MIN_REFLECTANCE - 1e-6:
        low = valid[reflectance < MIN_REFLECTANCE - 1e-6]
        raise ValueError(f"{file}: band {name} has {low.size} sampled pixels of {low.min():g} (reflectance "
                         f"{low.min() * profile.scale + profile.offset:g}), below any {acq.sensor} observation: a fill "
                         "value stored as data without a declared no-data value; declare it (e.g. gdal_edit.py "
                         f"-a_nodata {low.min():g} FILE) and rerun")
    if profile.offset < 0 and np.median(reflectance) < 0:
        raise ValueError(f"{file}: band {name} has a median reflectance of {np.median(reflectance):g} after the "
                         f"{profile.offset:g} offset of {acq.sensor}: its DN carry no +1000 offset (harmonised, or "
                         f"before baseline 04.00); list it as {acq.sensor.removesuffix('_pb04')}")
    _check_saturation(valid, file, name)


def _check_lst(acq: Acquisition, name: str, file, valid: np.ndarray) -> None:
    """The median of a sample of a temperature band's valid DN, scaled by the product's LST scale, must be a
    growing season's land-surface temperature (:data:`LST_MEDIAN_K`). Level-1 brightness temperature (MTL
    constants) is not checked here."""
    profile = acq.profile
    if profile.level not in ("L2", "L1C"):
        return
    kelvin = float(np.median(valid)) * profile.lst_scale + profile.lst_offset
    low, high = LST_MEDIAN_K
    if not low <= kelvin <= high:
        raise ValueError(f"{file}: band {name} gives a median land-surface temperature of {kelvin:.1f} K with the "
                         f"{acq.sensor} scale (DN x {profile.lst_scale:g} + {profile.lst_offset:g}), outside "
                         f"{low:g}-{high:g} K: the band holds kelvin or °C already, or another product's values; "
                         "list the product's original digital numbers")


def _check_offset(acq: Acquisition, lowest: dict[str, float]) -> None:
    """Warn when every reflectance band of a Sentinel-2 product listed without offset is at least 1000 DN (the
    darkest sampled pixel 0.1 or brighter in every band, blue included): the raw DN of a baseline 04.00 product,
    whose reflectance would read 0.1 too high. Only warned: a scene of cloud, snow or bright desert can be so."""
    profile = acq.profile
    if profile.family != "sentinel2" or profile.offset != 0 or len(lowest) < len(profile.bands):
        return
    if min(lowest.values()) >= PB04_OFFSET_DN:
        log.warning("%s: every band's darkest sampled pixel is %g DN or more (reflectance >= 0.1 in all bands, blue "
                    "included): if the file is a raw product of baseline 04.00 or later (its DN carry +1000), list "
                    "it as %s_pb04, or its reflectance reads 0.1 too high", acq.path, PB04_OFFSET_DN, acq.sensor)


#: The radiometric offset of Sentinel-2 products of processing baseline 04.00 and later, DN.
PB04_OFFSET_DN = 1000


def _check_saturation(valid: np.ndarray, file: str, band: str, refuse: float = 0.05, warn: float = 0.005) -> None:
    """Integer DN piled up at the largest value of their data type are saturated or clipped (e.g. reflectance
    rescaled to uint8): a median over them is wrong, and the scale check cannot see it (the values are small)."""
    if not np.issubdtype(valid.dtype, np.integer):
        return
    ceiling = np.iinfo(valid.dtype).max
    share = float(np.mean(valid == ceiling))
    if share > refuse:
        raise ValueError(f"{file}: band {band} has {share:.0%} of values at {ceiling}, the largest value of "
                         f"{valid.dtype}: the data are saturated or clipped (rescaled to {valid.dtype}?); list the "
                         "product's original files")
    if share > warn:
        log.warning("%s: band %s has %.1f %% of values at %d, the largest value of %s (saturated pixels)", file,
                    band, 100 * share, ceiling, valid.dtype)
