"""``minerestore init``: a commented config for a new study area, its defaults derived from the inputs.

The CRS is the UTM zone of the AOI's (or rivers') centre, the pixel size the sensor's, the growing season the
hemisphere's, the years those of ``--years`` (or of the acquisitions table's growing-season scenes), the drivers'
analysis grid the schema's unless the region is too small for it, a local region's DEM one found beside its scenes.
Every key is written with a comment saying what it does and what to change; the region's grid is planned as the
workflow plans it (:mod:`minerestore.sources.plan`).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import textwrap
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from minerestore.cli.shared import SCHEMA, UsageError, existing_file, existing_vector
from minerestore.config import setting
from minerestore.io import write_text

#: Pixel size of each sensor family's reflectance, m.
RESOLUTION_M = {"sentinel2": 10, "landsat": 30, "modis": 500}
#: First year of each family's archive: the default years start there at the earliest.
ARCHIVE_START = {"sentinel2": 2017, "landsat": 1984, "modis": 2000}
#: Years up to last year that a region without --years or acquisitions analyses.
DEFAULT_YEARS = 10
#: First year --years takes: the first Landsat's (the schema's minimum).
FIRST_YEAR = 1972
#: Growing season (start and end month) by hemisphere: the studies' June–September, six months on in the south.
SEASONS = {"north": (6, 9), "south": (12, 3)}
#: Analysis-grid cells per sample the drivers' forest needs (drivers.min_samples) that a small region's grid is
#: sized for: the study area fills only part of its grid, and water, clouds and the masks take cells out.
CELLS_PER_SAMPLE = 4
#: Names a region may have (the schema's pattern: they name folders).
REGION_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
#: Names of an elevation raster (stem, lower case) beside the scenes that a local region takes as its DEM.
DEM_NAME = re.compile(r"(^|[_-])dem([_-]|$)")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt")
#: Width of the written comments.
WIDTH = 110

#: Comments of the keys that do not depend on the inputs.
SOURCE_COMMENTS = {
    "local": "Where the imagery comes from: local, the scenes listed in acquisitions (stac and earthengine fetch it).",
    "stac": "Where the imagery comes from: stac, a STAC catalog (Planetary Computer unless stac: {catalog: ...} "
            "says another), with the DEM, land cover and water occurrence; the first run downloads them.",
    "earthengine": "Where the imagery comes from: earthengine, Google Earth Engine (pip install "
                   "'minerestore[earthengine]', earthengine authenticate; earthengine: {project: ...} names your "
                   "Cloud project).",
}
VECTOR_COMMENTS = {
    "aoi": "The study area: these polygons (any vector file with a CRS).",
    "rivers": "The study area: these river centre lines buffered by thresholds.buffer_km (10 km), split into "
              "upstream, midstream and downstream sub-regions.",
}
SENSOR_COMMENT = ("Sensor family of the reflectance composites: landsat (30 m, a thermal band for RSEI's "
                  "land-surface temperature), sentinel2 (10 m) or modis (500 m).")
LST_COMMENT = ("Sentinel-2 has no thermal band: RSEI's land-surface temperature comes from Landsat (a local region "
               "lists Landsat scenes in its CSV too), or set lst: to an LST raster in kelvin.")
REFERENCE_COMMENT = ("Digitised mine polygons: the object random forest (identify.method: object_rf) trains on half "
                     "of them; the mines found are scored against the others.")
ACQUISITIONS_COMMENT = ("The scenes: a CSV with columns path, date (YYYY-MM-DD) and sensor (a product of "
                        "minerestore.sources.sensors, e.g. landsat8_c2l2, sentinel2_l2a, landsat7_l1); a path with "
                        "{band} stands for one file per band. Paths in the CSV are taken from the CSV's folder.")


DESCRIPTION = """\
Write a commented YAML config for a new study area (region NAME), with defaults
derived from its inputs: the UTM zone of the AOI's (or rivers') centre, the
sensor's pixel size, the hemisphere's growing season, the years with scenes, an
analysis grid that fits the region. Run it from the repository root: the
config's paths are taken from the working directory.

Example (two real Landsat scenes of Marburg, in ../shared/data):
  minerestore init marburg --aoi config/marburg_aoi.geojson --source local \\
      --sensor landsat --years 2001-2013 \\
      --acquisitions config/real-landsat-acquisitions.csv
"""


@dataclass(frozen=True)
class Key:
    """One key of the written config, with the comment written above it; ``example``: written commented out, a key
    to fill in."""

    name: str
    value: object
    comment: str
    example: bool = False


def add_parser(commands) -> None:
    """The ``init`` sub-command and its arguments."""
    p = commands.add_parser("init", help="write a commented config for a new study area", description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="NAME", type=region_name,
                   help="the region's name (letters, digits, _ and -); it names the results folder")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--aoi", metavar="FILE", type=existing_vector,
                       help="study-area polygon(s), any vector file with a CRS")
    where.add_argument("--rivers", metavar="FILE", type=existing_vector,
                       help="river centre lines; the study area is their 10 km buffer (thresholds.buffer_km)")
    p.add_argument("--source", required=True, choices=("stac", "earthengine", "local"),
                   help="where the imagery comes from: a STAC catalog (Planetary Computer by default), Google Earth "
                        "Engine, or local files listed in --acquisitions")
    p.add_argument("--sensor", choices=tuple(RESOLUTION_M),
                   help="sensor family of the composites (default: the finest one in --acquisitions, else landsat)")
    p.add_argument("--years", metavar="A-B", type=year_span,
                   help="first and last analysis year (default: with --acquisitions, the years with a growing-season "
                        f"scene; else the {DEFAULT_YEARS} years up to last year)")
    p.add_argument("--acquisitions", metavar="CSV", type=existing_file,
                   help="CSV of the scenes (path, date, sensor) for --source local; paths in it are taken from its "
                        "folder")
    p.add_argument("--dem", metavar="FILE", type=existing_file,
                   help="elevation raster (any CRS), optional (default, with --acquisitions: a raster named like "
                        "DEM.tif beside the scenes)")
    p.add_argument("--reference-mines", metavar="FILE", type=existing_vector,
                   help="digitised mine polygons, optional: the object random forest trains on them (without them "
                        "mines are the candidate patches)")
    p.add_argument("--out", metavar="YAML", type=Path, help="the config to write (default: config/NAME.yaml)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(run=run, parser=p)


def region_name(text: str) -> str:
    """argparse type of NAME: the schema's region names."""
    if not REGION_NAME.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a region name: use letters, digits, _ and - only")
    return text


def year_span(text: str) -> tuple[int, int]:
    """argparse type of --years: ``A-B`` (or one year ``A``), first not after last, from :data:`FIRST_YEAR` to
    this year (a later year has no imagery yet)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: expected first-last years, e.g. 2001-2013")
    first, last = int(match[1]), int(match[2] or match[1])
    if first > last:
        raise argparse.ArgumentTypeError(f"{text!r}: the first year is after the last")
    this_year = date.today().year
    if first < FIRST_YEAR or last > this_year:
        raise argparse.ArgumentTypeError(f"{text!r}: years from {FIRST_YEAR} (the first Landsat) to this year "
                                         f"({this_year}) have imagery; give years in that span")
    return first, last


def run(args: argparse.Namespace) -> int:
    """Write the config of ``args`` (the parsed ``init`` arguments) and say what to run next.

    Raises
    ------
    UsageError
        Naming the flag: --out exists (without --force), is a folder or cannot be written, --source local without
        --acquisitions or --acquisitions with another source, an input that cannot be read, a region across the
        antimeridian, no growing-season scene in the years asked for.
    """
    out = args.out or Path("config", f"{args.name}.yaml")
    if out.is_dir():
        raise UsageError(f"argument --out: {out} is a folder; give the config file to write, e.g. "
                         f"{out / (args.name + '.yaml')}")
    blocking = next((folder for folder in out.parents if folder.exists() and not folder.is_dir()), None)
    if blocking:
        raise UsageError(f"argument --out: {blocking} is a file, not a folder to write {out.name} in; choose another "
                         "--out")
    if out.exists() and not args.force:
        raise UsageError(f"argument --out: {out} exists; pass --force to overwrite it, or choose another --out")
    if args.source == "local" and not args.acquisitions:
        raise UsageError("argument --acquisitions: --source local needs a CSV of the scenes (path, date, sensor)")
    if args.acquisitions and args.source != "local":
        raise UsageError(f"argument --acquisitions: only --source local reads a table of scenes; --source "
                         f"{args.source} fetches its own and would ignore it (drop --acquisitions, or use --source "
                         "local)")
    text = config_text(args, out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text(out, text)
    except OSError as err:
        raise UsageError(f"argument --out: cannot write {out}: {err.strerror or err}; choose another --out") from None
    print(f"wrote {out}; read its comments, then see what the run will do: minerestore check {shlex.quote(str(out))}")
    return 0


def config_text(args: argparse.Namespace, out: Path) -> str:
    """The commented config of the parsed ``init`` arguments, to be written to ``out``."""
    results = f"results/{args.name}"
    region = region_keys(args)
    top = [Key("identify", {"method": "object_rf" if args.reference_mines else "candidates"},
               "How mines are found: object_rf, the object-based random forest trained on reference_mines; "
               "candidates, the candidate patches the rules keep (no training data needed). docs/methods.md §5."),
           Key("results", results, "Folder of every output of this config.")]
    grid_m = analysis_grid_m(args.name, region, top)
    if grid_m is not None:
        region.insert([k.name for k in region].index("resolution") + 1, grid_m)
    lines = [*header(args.name, out), "regions:",
             *comment(f"The study area {args.name!r}: its outputs go to {results}/{args.name}/.", 2),
             f"  {yaml_key(args.name)}:"]
    lines += [line for key in region for line in written(key, 4)]
    lines += [line for key in top for line in written(key, 0)]
    return "\n".join(lines) + "\n"


def yaml_key(name: str) -> str:
    """A region name as a YAML key that reads back as that text: quoted where YAML would read another value (``yes``
    a boolean, ``null`` None, ``007`` the number 7), so the region is not silently renamed."""
    return name if yaml.safe_load(name) == name else f"'{name}'"


def header(name: str, out: Path) -> list[str]:
    """The config's opening comment: how to check and run it (``out``: where it is written), where its paths are
    taken from."""
    path = shlex.quote(str(out))
    return comment(
        f"minerestore config of the study area {name!r}, written by minerestore init. Check it, and see what "
        f"the run will do without running it: minerestore check {path} - then run it: snakemake --cores 4 "
        f"--configfile {path} --replace-workflow-config. Run both from the folder init ran in (the repository root): "
        "paths in this file are taken from that working directory, paths inside an acquisitions CSV from the CSV's "
        "own folder. Every key, its default and meaning: workflow/schemas/config.schema.yaml; the methods: "
        "docs/methods.md.", 0)


def region_keys(args: argparse.Namespace) -> list[Key]:
    """The region's keys, with their comments."""
    vector = "aoi" if args.aoi else "rivers"
    crs, latitude = utm_zone(getattr(args, vector), vector)
    sensor = args.sensor or finest_sensor(args.acquisitions)
    season = SEASONS["north" if latitude >= 0 else "south"]
    keys = [Key("source", args.source, SOURCE_COMMENTS[args.source]), Key("sensor", sensor, SENSOR_COMMENT)]
    if sensor == "sentinel2":
        keys.append(Key("lst_sensor", "landsat", LST_COMMENT))
    keys += [years_key(args, sensor, season), season_key(season, latitude),
             Key("crs", crs, f"Projected CRS (metres) of the region grid: the UTM zone of the {vector} file's centre."),
             Key("resolution", RESOLUTION_M[sensor], f"Pixel size of the region grid, m: {sensor}'s own (" +
                 ", ".join(f"{s} {m} m" for s, m in RESOLUTION_M.items()) + ")."),
             Key(vector, getattr(args, vector), VECTOR_COMMENTS[vector])]
    if args.acquisitions:
        keys.append(Key("acquisitions", args.acquisitions, ACQUISITIONS_COMMENT))
    return keys + [dem_key(args), input_key("reference_mines", args.reference_mines, "path/to/mines.gpkg",
                                            REFERENCE_COMMENT)]


def season_key(season: tuple[int, int], latitude: float) -> Key:
    """The growing season of the hemisphere of ``latitude`` (the study area's centre, degrees)."""
    hemisphere = "northern" if latitude >= 0 else "southern"
    return Key("season", dict(zip(("start_month", "end_month"), season)),
               f"Growing season, months inclusive, composited each year: the {hemisphere} hemisphere's (the study "
               f"area's centre is at {abs(latitude):.1f}°{hemisphere[0].upper()}). A season across the new year "
               "(start 12, end 3) belongs to the year it ends in.")


def dem_key(args: argparse.Namespace) -> Key:
    """The elevation raster: --dem, else one found beside a local region's scenes (:func:`dem_beside`)."""
    found = dem_beside(args.acquisitions) if args.acquisitions and not args.dem else None
    if found:
        note = f"; {found} was found beside the scenes - check it is an elevation model"
    else:
        note = "; fetched from the catalog when not given" if args.source == "stac" else ""
    return input_key("dem", args.dem or found, "path/to/dem.tif",
                     "Elevation raster (any CRS): the elevation and slope drivers, mines by elevation and slope, REM's "
                     f"flatness{note}.")


def dem_beside(table: str) -> str | None:
    """The one elevation raster in the folders of an acquisitions table's scenes, a file named like DEM.TIF or
    srtm_dem.tif (:data:`DEM_NAME`), as a path from the working directory; None when there is none, or several."""
    folders = {Path(a.path).parent for a in read_acquisitions(table)}
    found = [p for folder in folders if folder.is_dir() for p in folder.iterdir()
             if p.suffix.lower() in RASTER_SUFFIXES and DEM_NAME.search(p.stem.lower())]
    return os.path.relpath(found[0]) if len(found) == 1 else None


def input_key(name: str, path: str | None, placeholder: str, comment_text: str) -> Key:
    """An optional input file: written when given, else commented out with a placeholder path."""
    return Key(name, path or placeholder, comment_text, example=path is None)


def utm_zone(path: str, kind: str) -> tuple[str, float]:
    """The UTM CRS (``EPSG:…``) of the centre of a vector file's features and the centre's latitude.

    Raises
    ------
    UsageError
        Naming the flag (``--aoi`` or ``--rivers``) when the file cannot be read as the workflow reads it.
    """
    import pyogrio

    from minerestore.raster.vector import read_vector

    try:
        frame = read_vector(path, "EPSG:4326", "polygons" if kind == "aoi" else "lines")
    except (ValueError, OSError, pyogrio.errors.DataSourceError) as err:
        raise UsageError(f"argument --{kind}: {err}") from None
    south, north = frame.total_bounds[1], frame.total_bounds[3]
    return f"EPSG:{frame.estimate_utm_crs().to_epsg()}", float(south + north) / 2


def finest_sensor(table: str | None) -> str:
    """The sensor family of finest pixels among an acquisitions table's scenes; landsat without a table (or with
    ready composites only)."""
    families = {a.profile.family for a in read_acquisitions(table)} & set(RESOLUTION_M) if table else set()
    return min(families, key=RESOLUTION_M.get) if families else "landsat"


def read_acquisitions(table: str):
    """The scenes of an acquisitions table (:func:`minerestore.sources.acquisitions.read_table`).

    Raises
    ------
    UsageError
        Naming --acquisitions and the table's problem (its row).
    """
    from minerestore.sources.acquisitions import read_table

    try:
        return read_table(table)
    except (ValueError, KeyError) as err:
        raise UsageError(f"argument --acquisitions: {err.args[0]}") from None


def years_key(args: argparse.Namespace, sensor: str, season: tuple[int, int]) -> Key:
    """The analysis years: with an acquisitions table, the years (of --years) with a growing-season scene of the
    sensor; else --years, or the last :data:`DEFAULT_YEARS` years of the sensor's archive.

    Raises
    ------
    UsageError
        Naming --acquisitions when none of those years has a scene.
    """
    if not args.acquisitions:
        last = date.today().year - 1
        first, last = args.years or (max(ARCHIVE_START[sensor], last - DEFAULT_YEARS + 1), last)
        return Key("years", {"first": first, "last": last},
                   "Analysis years, first to last (add step: n for every n-th year), or a list of evenly spaced "
                   "years, e.g. [2001, 2007, 2013]; one composite and one RSEI map each.")
    years = scene_years(args.acquisitions, sensor, season, args.years)
    if not years:
        asked = "{}-{}".format(*args.years) if args.years else "any year"
        raise UsageError(f"argument --acquisitions: {args.acquisitions} has no {sensor} scene in the growing season "
                         f"(months {season[0]}-{season[1]}) of {asked}")
    consecutive = years == list(range(years[0], years[-1] + 1))
    return Key("years", {"first": years[0], "last": years[-1]} if consecutive else years,
               "Analysis years: those with a growing-season scene in the acquisitions table (a year without one "
               "would give an empty composite). A list must be evenly spaced: drop years, or add scenes, if the "
               "check says it is not.")


def scene_years(table: str, sensor: str, season: tuple[int, int], span: tuple[int, int] | None) -> list[int]:
    """The years of ``span`` (default: the table's) whose growing season holds a scene of ``sensor`` (or a ready
    composite) in the acquisitions table, as the config check counts them
    (:func:`minerestore.sources.local.epoch_data_years`, one season a year)."""
    from minerestore.sources.local import epoch_data_years

    scenes = read_acquisitions(table)
    first, last = span or (scenes[0].date.year, scenes[-1].date.year + 1)
    seasons = epoch_data_years(table, list(range(first, last + 1)), 1, season, {sensor, "any"})
    return [year for year, have in seasons.items() if have]


def analysis_grid_m(name: str, region: list[Key], top: list[Key]) -> Key | None:
    """``analysis_grid_m`` for a region too small for the schema's drivers' grid: the coarsest whole number of
    pixels with :data:`CELLS_PER_SAMPLE` cells per sample the drivers' forest needs over the region grid, planned
    as the workflow plans it; None when the schema's grid has them.

    Raises
    ------
    UsageError
        Naming the flag of the input the grid could not be planned from (the acquisitions, or the AOI / rivers).
    """
    from minerestore.raster.grid import Grid
    from minerestore.sources.plan import check_crs_scale, fitting_grid_m, planned_grid

    config = filled_config(name, region, top)
    block = config["regions"][name]
    try:
        grid = planned_grid(block, setting(config, "thresholds.buffer_km"), Path.cwd())
        for warning in check_crs_scale(grid.crs, grid.bounds):  # a region across the antimeridian: no UTM zone
            print(f"Warning: {warning}", file=sys.stderr)
    except (ValueError, KeyError, OSError) as err:
        flag = "acquisitions" if "acquisitions" in block else "aoi" if "aoi" in block else "rivers"
        raise UsageError(f"argument --{flag}: the region grid cannot be planned: {err}") from None
    default, samples = setting(config, "drivers.grid_m"), setting(config, "drivers.min_samples")
    grid_m = fitting_grid_m(grid, CELLS_PER_SAMPLE * samples)
    grid_m = int(grid_m) if grid_m.is_integer() else grid_m
    if grid_m >= default:
        return None
    rows, cols = Grid.from_bounds(grid.crs, grid.bounds, grid_m).shape
    return Key("analysis_grid_m", grid_m,
               f"The drivers' analysis grid, m: the default {default:g} m (drivers.grid_m) has too few cells over "
               f"this {grid.width} x {grid.height} px region for the drivers' forest (drivers.min_samples: "
               f"{samples}); {grid_m:g} m has {rows * cols}.")


def filled_config(name: str, region: list[Key], top: list[Key]) -> dict:
    """The config of these keys with the schema's defaults filled in, as the workflow validates it."""
    from snakemake.utils import validate

    config = {"regions": {name: {k.name: deepcopy(k.value) for k in region if not k.example}},
              **{k.name: deepcopy(k.value) for k in top}}
    validate(config, str(SCHEMA))
    return config


def written(key: Key, indent: int) -> list[str]:
    """A key as config lines: its comment, then ``name: value`` (a flow-style YAML value), commented out for an
    example."""
    value = yaml.safe_dump(key.value, default_flow_style=True, sort_keys=False, width=1000, allow_unicode=True)
    value = value.removesuffix("...\n").strip()
    return [*comment(key.comment, indent), f"{' ' * indent}{'# ' if key.example else ''}{key.name}: {value}"]


def comment(text: str, indent: int) -> list[str]:
    """``text`` as comment lines of :data:`WIDTH` characters at most, indented."""
    prefix = " " * indent + "# "
    return textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=prefix, break_on_hyphens=False)
