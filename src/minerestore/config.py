"""Checks of the workflow configuration that a JSON schema cannot express, and readable schema errors.

The schema (``workflow/schemas/config.schema.yaml``) checks keys, types, enums and ranges and fills defaults;
:func:`check_config` then checks what needs the values together or the file system: years in order, the
region CRS projected, listed files present, the inputs each source needs. :func:`check_config_files` rejects a
region name given twice in one YAML file (YAML loaders silently keep the last).
"""

from __future__ import annotations

import importlib.util
import os
import re
import unicodedata
from copy import deepcopy
from datetime import date
from pathlib import Path

import yaml

from minerestore import install_command
from minerestore.drivers.catalogue import DRIVERS
from minerestore.identify.methods import METHODS
from minerestore.identify.networks import NETWORKS
from minerestore.raster.grid import check_projected
from minerestore.sources.contract import PATH_KEYS, SOURCE_GROUPS

class ConfigError(ValueError):
    """An invalid configuration: the message names the key, the value and what is expected."""


#: Global keys (or sections) a region may give its own value for, and where its block holds it: every threshold
#: (``regions.<name>.thresholds.<key>``) and the drivers' analysis grid (``regions.<name>.analysis_grid_m``).
REGION_OVERRIDES = {"thresholds": "thresholds", "drivers.grid_m": "analysis_grid_m"}


def setting(config: dict, key: str, region: str | None = None):
    """The value of one config key, for one region: the single accessor of the rules and the Snakefile.

    Parameters
    ----------
    config : dict
        The validated config (defaults filled by the schema: nothing here has a default of its own).
    key : str
        A dotted path: ``identify.overlap``, ``seed``; or ``region.<key>`` for a key of the region's own block
        (``region.sensor``, ``region.synthetic``).
    region : str, optional
        The region; needed for ``region.*`` keys. A global key of :data:`REGION_OVERRIDES` takes the region's own
        value where the user wrote one (``thresholds.bsp_ndvi`` from ``regions.<name>.thresholds.bsp_ndvi``; a
        whole section, ``thresholds``, is the global one updated with the region's).

    Raises
    ------
    KeyError
        For a key the config does not have (a key of the region's block the user did not set, or a typo).
    """
    parts = key.split(".")
    if parts[0] == "region":
        return _lookup(config["regions"][region], parts[1:], key)
    value = _lookup(config, parts, key)
    if region is None:
        return value
    for prefix, local in REGION_OVERRIDES.items():
        if key == prefix or key.startswith(prefix + "."):
            try:
                own = _lookup(config["regions"][region], local.split(".") + parts[len(prefix.split(".")):], key)
            except KeyError:
                return value
            return {**value, **own} if isinstance(value, dict) else own
    return value


def typed_overrides(overrides: dict) -> dict:
    """``--config`` values typed as Snakemake types a top-level one. Snakemake reads ``--config key=value`` as a
    number, boolean or text, but the values inside a mapping or list (``thresholds={bsp_ndvi: 0.3}``) with YAML's
    BaseLoader, which keeps every scalar as text ('0.3'): the schema then refused a number as "not of type
    'number'". Each text value inside a mapping or list that reads as an integer, a float, ``true`` / ``false``
    or ``null`` becomes one (dates and other text stay text, as the schema wants them); top-level values are
    returned as Snakemake gave them. ``overrides``: the ``--config`` values alone
    (``workflow.config_settings.config``), not those of the config files."""
    words = {"true": True, "false": False, "null": None, "~": None}

    def typed(value):
        if isinstance(value, dict):
            return {k: typed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [typed(v) for v in value]
        if not isinstance(value, str):
            return value
        for parse in (int, float):
            try:
                return parse(value)
            except ValueError:
                pass
        return words.get(value.strip().lower(), value)

    return {k: typed(v) if isinstance(v, (dict, list)) else v for k, v in overrides.items()}


def _lookup(mapping: dict, parts: list[str], key: str):
    for part in parts:
        if not isinstance(mapping, dict) or part not in mapping:
            raise KeyError(f"config key {key} is not set")
        mapping = mapping[part]
    return mapping


def schema_error_message(error, top_level_keys=()) -> str:
    """One line for a ``jsonschema.ValidationError``: key path, offending value, what the schema expects; for keys
    of a region that belong at the config's top level (``top_level_keys``: ``seed``, ``composite`` …), where to
    put them."""
    path = [str(p) for p in error.absolute_path]
    key = ".".join(path) or "(top level)"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict) and path[:1] == ["regions"]:
        misplaced = sorted(set(error.instance) & set(top_level_keys) - set(error.schema.get("properties", {})))
        if misplaced:
            return (f"config key {key}: {', '.join(map(repr, misplaced))} belong(s) at the top level of the config "
                    f"(beside regions:), not inside {key}; move it there (it applies to every region)")
    expected = error.schema.get("description") if isinstance(error.schema, dict) else None
    hint = f" Expected: {expected}" if expected else ""
    return f"config key {key}: {error.message}.{hint}"


def explain_validation_failure(err: Exception, top_level_keys=()) -> str | None:
    """Find the ``jsonschema.ValidationError`` behind a wrapper exception (e.g. Snakemake's WorkflowError from
    ``snakemake.utils.validate``) and return :func:`schema_error_message` for it; None if there is none."""
    candidates = [*getattr(err, "args", ()), err.__cause__, err.__context__]
    for candidate in candidates:
        if hasattr(candidate, "absolute_path") and hasattr(candidate, "schema"):
            return schema_error_message(candidate, top_level_keys)
    return None


def _duplicate_key_loader():
    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(
                    f"key {key!r} appears twice in one mapping (line {key_node.start_mark.line + 1}); "
                    "region names and keys must be unique"
                )
            seen.add(key)
            written = key_node.value if isinstance(key_node, yaml.ScalarNode) and not key_node.style else None
            if written is not None and not isinstance(key, str) and str(key) != written:
                raise ConfigError(
                    f"key {written} (line {key_node.start_mark.line + 1}) is read by YAML as {key!r}, so a region of "
                    f"that name would be named {str(key)!r}; quote it: '{written}':"
                )
        return loader.construct_mapping(node, deep=deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


def check_config_files(paths) -> None:
    """Reject config files with a key given twice in one mapping (e.g. two regions of the same name), or a key that
    YAML reads as another value than its text (``yes`` as True, ``null`` as None, ``007`` as 7: regions named so
    would be renamed ``True``, ``None``, ``7``).

    Raises
    ------
    ConfigError
        Naming the file, the key and its line.
    """
    loader = _duplicate_key_loader()
    for path in paths:
        try:
            yaml.load(Path(path).read_text(), Loader=loader)  # noqa: S506 - SafeLoader subclass
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None


def _resolve(path: str, base: Path) -> Path:
    p = Path(os.path.expanduser(path))
    return p if p.is_absolute() else base / p


def analysis_years(years: dict | list, key: str = "years") -> list[int]:
    """The analysis years of a region's ``years`` config: a list of years as given (``[2001, 2013]``: only the
    years with data), or ``{first, last, step}``: first to last every step years.

    Raises
    ------
    ConfigError
        Naming ``key``: first after last, last - first not a multiple of step, a list not in increasing order or
        not evenly spaced (the config takes one spacing between analysis years; methods.md §6.2).
    """
    if isinstance(years, dict):
        first, last, step = years["first"], years["last"], years.get("step", 1)
        if first > last:
            raise ConfigError(f"config key {key}: first={first} is after last={last}; list years oldest first")
        if (last - first) % step:
            raise ConfigError(f"config key {key}: last - first = {last - first} is not a multiple of step={step}; "
                              f"set last to {last - (last - first) % step} or change the step")
        return list(range(first, last + 1, step))
    years = [int(y) for y in years]
    steps = {b - a for a, b in zip(years, years[1:])}
    if any(d <= 0 for d in steps):
        raise ConfigError(f"config key {key}: {years} is not in increasing order without repeats; list years "
                          "oldest first")
    if len(steps) > 1:
        raise ConfigError(f"config key {key}: {years} are not evenly spaced (steps {sorted(steps)}); list years "
                          "one spacing apart - drop or add years")
    return years


def check_config(config: dict, base: str | os.PathLike = ".") -> None:
    """Semantic checks of a schema-validated config.

    Parameters
    ----------
    config : dict
        The config after schema validation (defaults filled).
    base : path
        Folder relative paths are resolved against (the Snakemake working directory).

    Raises
    ------
    ConfigError
        Naming ``regions.<name>.<key>``, the value and what is expected, for: years reversed, a CRS that is not
        projected, a listed file that does not exist, a local region without acquisitions, a region with
        neither rivers nor an AOI (non-synthetic sources), drivers listed as missing files, a
        ``restoration.base_year`` or ``drivers.year`` that is not an analysis year of the region, ``bounds`` not
        ordered xmin, ymin, xmax, ymax, class edges of ``identify.statistics`` that do not increase, a vector file
        with several layers or without the attribute the config names (``subregion_field``, ``river_field``),
        years after this year in a region that fetches its imagery (stac, earthengine).
    """
    base = Path(base)
    check_registry_names(config)
    low, high = config["ecology"]["fvc_percentiles"]
    if not low < high:
        raise ConfigError(f"config key ecology.fvc_percentiles: [{low:g}, {high:g}] - the first (bare soil) must be "
                          "below the second (full vegetation), e.g. [5, 95]")
    dl = config["identify"]["dl"]
    if dl["overlap_px"] >= dl["patch_px"]:
        raise ConfigError(f"config key identify.dl.overlap_px: {dl['overlap_px']} is not below identify.dl.patch_px "
                          f"({dl['patch_px']}): the sliding windows would advance by one pixel (thousands of times "
                          "the work); use an overlap of a quarter of the patch (the default 64 of 256)")
    if config["ecology"]["rao_window"] % 2 == 0:
        raise ConfigError(f"config key ecology.rao_window: {config['ecology']['rao_window']} - the moving window "
                          "needs a centre pixel: use an odd size (3, 5, 7 …)")
    whiskers = config["report"]["whisker_percentiles"]
    if whiskers is not None and not whiskers[0] < whiskers[1]:
        raise ConfigError(f"config key report.whisker_percentiles: {whiskers} - give [low, high] percentiles with "
                          "low < high (the Yangtze study's Fig. 7c: [10, 90])")
    for edges in ("area_classes_km2", "slope_bands_deg", "river_bands_km"):
        values = config["identify"]["statistics"][edges]
        if any(b <= a for a, b in zip(values[:-1], values[1:])):
            raise ConfigError(f"config key identify.statistics.{edges}: {values} - class edges must increase, "
                              "e.g. [1, 2, 5]")
    for name, region in config["regions"].items():
        key = f"regions.{name}"
        if "landuse" in region:
            check_landuse(config, name, base)
        if landuse_only(region):
            continue
        years = analysis_years(region["years"], f"{key}.years")
        if region["source"] in ("stac", "earthengine") and years[-1] > date.today().year:
            raise ConfigError(f"config key {key}.years: {years[-1]} is after this year ({date.today().year}); a "
                              f"{region['source']} region fetches imagery, and none of that year exists yet: end the "
                              "years this year or before")
        for year_key, year in (("restoration.base_year", config["restoration"]["base_year"]),
                               ("drivers.year", config["drivers"]["year"])):
            if year is not None and year not in years:
                span = f"{years[0]}–{years[-1]}" if years == list(range(years[0], years[-1] + 1)) else years
                raise ConfigError(f"config key {year_key}: {year} is not an analysis year of region {name!r} "
                                  f"({span}); choose one of them or null")
        grid_m = setting(config, "drivers.grid_m", name)
        if grid_m < region["resolution"]:
            which = f"{key}.analysis_grid_m" if "analysis_grid_m" in region else "drivers.grid_m"
            raise ConfigError(f"config key {which}: the drivers' analysis grid of {grid_m:g} m is finer than the "
                              f"region's {region['resolution']:g} m pixels: each pixel would be sampled several times, "
                              "as if it were independent samples. Set it to the resolution or coarser (the "
                              "mining-cities study: 1000 m)")
        bounds = region.get("bounds")
        if bounds and not (bounds[0] < bounds[2] and bounds[1] < bounds[3]):
            raise ConfigError(f"config key {key}.bounds: {bounds} is not [xmin, ymin, xmax, ymax] with xmin < xmax and "
                              "ymin < ymax (in the region CRS)")
        try:
            crs = check_projected(region["crs"], f"config key {key}.crs")
        except ValueError as err:
            raise ConfigError(str(err)) from None
        if bounds and _degrees_in(bounds, crs):
            from pyproj import Transformer

            metres = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform_bounds(*bounds)
            raise ConfigError(f"config key {key}.bounds: {bounds} are longitudes and latitudes in degrees (they lie in "
                              f"the area of use of {region['crs']}), not {region['crs']} metres; give "
                              f"[{', '.join(f'{v:.0f}' for v in metres)}]")
        if region["source"] == "earthengine":
            missing = [m for m in ("ee", "xee") if importlib.util.find_spec(m) is None]
            if missing:
                raise ConfigError(
                    f"config key {key}.source: 'earthengine' needs the Python packages {missing}; install them with "
                    f"{install_command('earthengine')} and run 'earthengine authenticate', or use source 'stac'"
                )
        for path_key in PATH_KEYS:
            if path_key in region and not _resolve(region[path_key], base).exists():
                raise ConfigError(
                    f"config key {key}.{path_key}: file {region[path_key]!r} does not exist "
                    f"(relative paths are taken from {base.resolve()})"
                )
        for group in SOURCE_GROUPS:
            for name, path in region.get(group, {}).items():
                if not _resolve(path, base).exists():
                    raise ConfigError(f"config key {key}.{group}.{name}: file {path!r} does not exist")
        if region.get("sentinel2_level", "l2a") != "l2a" and (region["sensor"] != "sentinel2"
                                                              or region["source"] not in ("stac", "earthengine")):
            raise ConfigError(f"config key {key}.sentinel2_level: {region['sentinel2_level']!r} chooses what a stac or "
                              "earthengine region fetches for sensor sentinel2; a local region names each "
                              "acquisition's product in its table (sensor sentinel2_l1c); remove the key")
        if region["source"] == "local":
            if "acquisitions" not in region:
                raise ConfigError(f"config key {key}.acquisitions: missing; a local region needs a CSV of acquisitions (path, date, sensor)")
            _check_years_have_data(region, key, years, config, base)
        _check_lst_source(region, key, years, config, base)
        if region["source"] != "synthetic" and "rivers" not in region and "aoi" not in region:
            raise ConfigError(f"config key {key}: give 'rivers' (centre lines to buffer) or 'aoi' (a study-area polygon)")
        method, compared = config["identify"]["method"], config["identify"]["compare"]
        trained = [m for m in [method, *compared] if METHODS[m].needs_reference]
        if region["source"] != "synthetic" and trained and "reference_mines" not in region:
            raise ConfigError(
                f"config key {key}.reference_mines: missing; identify.method {method!r} (or identify.compare) needs "
                "digitised mine polygons "
                "(or set identify.method: candidates)"
            )
        _check_vector_inputs(region, key, base)
        if trained:
            _check_training_split(region, key, config["identify"]["train_fraction"], trained, base)


def _check_training_split(region: dict, key: str, train_fraction: float, trained: list[str], base: Path) -> None:
    """The reference mines must give at least one training and one test mine (the split of
    :func:`minerestore.identify.reference.train_mine_numbers`), known when the run is planned: a synthetic region's
    ``n_mines``, else the features of ``reference_mines`` (object_rf and the networks failed after the composites
    and masks with 'the 10-fold search needs 10 of each class')."""
    import pyogrio

    if region["source"] == "synthetic":
        n, what = region["synthetic"]["n_mines"], f"{key}.synthetic.n_mines"
    elif "reference_mines" in region:
        n, what = pyogrio.read_info(_resolve(region["reference_mines"], base))["features"], f"{key}.reference_mines"
    else:
        return
    n_train = int(round(train_fraction * n))
    if n_train < 1 or n_train == n:
        raise ConfigError(f"config key identify.train_fraction: {train_fraction:g} of the {n} reference mines "
                          f"({what}) trains on {n_train} and tests on {n - n_train}; {trained} need at least one "
                          "of each: give more reference mines or change identify.train_fraction")


#: Region keys naming a vector file, and the region key naming an attribute that file must have (None: none).
VECTOR_KEYS = {"rivers": "river_field", "aoi": None, "subregions": "subregion_field", "reference_mines": None}


def _degrees_in(bounds: list[float], crs) -> bool:
    """Whether ``bounds`` read as [west, south, east, north] in degrees lie in the area of use of a projected CRS
    (``pyproj.CRS``): bounds in degrees given for a CRS in metres (a 20 m x 20 m grid at the CRS's origin)."""
    west, south, east, north = bounds
    area = crs.area_of_use
    if area is None or not (-180 <= west and east <= 180 and -90 <= south and north <= 90):
        return False
    lon_in = (area.west <= west and east <= area.east) if area.west <= area.east else (west >= area.west or east <= area.east)
    return lon_in and area.south <= south and north <= area.north


def _check_vector_inputs(region: dict, key: str, base: Path) -> None:
    """The vector files of a region hold one layer with geometries (:func:`minerestore.raster.vector.the_layer`),
    and the attributes the config names: ``subregion_field`` in the sub-regions file, ``river_field`` in the
    rivers; so a wrong file stops the run when it is planned, not in the job that reads it."""
    import pyogrio

    from minerestore.raster.vector import the_layer

    files = {k: region[k] for k in VECTOR_KEYS if region.get(k)}
    files.update({f"mine_products.{n}": p for n, p in (region.get("mine_products") or {}).items()})
    for name, path in files.items():
        where = f"config key {key}.{name}"
        try:
            layer = the_layer(_resolve(path, base))
            fields = list(pyogrio.read_info(_resolve(path, base), layer=layer)["fields"])
        except (ValueError, pyogrio.errors.DataSourceError) as err:
            raise ConfigError(f"{where}: {err}") from None
        field = region.get(VECTOR_KEYS.get(name) or "", None)
        if field is not None and field not in fields:
            raise ConfigError(f"config key {key}.{VECTOR_KEYS[name]}: {path} has no attribute {field!r}; it has "
                              f"{fields}: name one of them (or remove {name} / the key)")


def landuse_only(region: dict) -> bool:
    """Whether a region's block asks for the land-use stage alone (``landuse.only``)."""
    return bool((region.get("landuse") or {}).get("only"))


def check_landuse(config: dict, name: str, base: Path) -> None:
    """Checks of a region's ``landuse`` block and the global ``landuse`` keys it uses.

    Raises
    ------
    ConfigError
        Naming the key: a class table with a code, name or abbreviation twice; a network not in the registry; both
        a synthetic scene and image or labels; no labels; no image for a land-use-only region; a composite year that
        is not an analysis year; a listed file that does not exist; a model for a network not mapped; a synthetic
        scene smaller than a patch, in a CRS not projected, or for a class table without the seven classes it
        paints.
    """
    from minerestore.landuse.classes import class_table

    key, landuse, lu = f"config key regions.{name}.landuse", config["landuse"], config["regions"][name]["landuse"]
    try:
        table = class_table(landuse["classes"])
        NETWORKS.check(landuse["networks"], "landuse.networks")
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if "synthetic" in lu:
        if lu["image"] or lu["labels"]:
            raise ConfigError(f"{key}: give either synthetic (a generated scene) or image and labels, not both")
        check_synthetic_landuse(lu["synthetic"], table, landuse["patch_px"], f"{key}.synthetic")
    elif not lu["labels"]:
        raise ConfigError(f"{key}.labels: missing; the networks train and are scored on labels (a raster of class "
                          "codes or polygons with a class field), or set synthetic: {} for the generated scene")
    elif not lu["image"] and lu["only"]:
        raise ConfigError(f"{key}.image: missing; a land-use-only region maps one image (a multiband GeoTIFF)")
    elif not lu["image"]:
        years = analysis_years(config["regions"][name]["years"], f"regions.{name}.years")
        if lu["year"] is not None and lu["year"] not in years:
            raise ConfigError(f"{key}.year: {lu['year']} is not an analysis year of the region ({years}); its "
                              "composite is what is mapped")
    for path_key in ("image", "labels"):
        if lu[path_key] and not _resolve(lu[path_key], base).exists():
            raise ConfigError(f"{key}.{path_key}: file {lu[path_key]!r} does not exist (relative paths are taken "
                              f"from {base.resolve()})")
    for network, path in lu["models"].items():
        if network not in landuse["networks"]:
            raise ConfigError(f"{key}.models: {network!r} is not one of landuse.networks ({landuse['networks']})")
        for p in (path, f"{path}.json"):
            if not _resolve(p, base).exists():
                raise ConfigError(f"{key}.models.{network}: file {p!r} does not exist (a model is the .pt file "
                                  "with its .pt.json card)")


def check_synthetic_landuse(synthetic: dict, table, patch_px: int, key: str) -> None:
    """The generated GF-2-like scene must hold a patch, be in a projected CRS and find its seven classes (by
    abbreviation) in the class table (:mod:`minerestore.sources.synthetic.gf2`)."""
    from minerestore.sources.synthetic.gf2 import CLASSES

    if synthetic["size_px"] < patch_px:
        raise ConfigError(f"{key}.size_px: the scene of {synthetic['size_px']} px is smaller than a patch of "
                          f"{patch_px} px (landuse.patch_px); enlarge the scene or use smaller patches")
    missing = sorted(set(CLASSES) - {c.abbreviation for c in table})
    if missing:
        raise ConfigError(f"{key}: the synthetic scene paints the classes {list(CLASSES)}; landuse.classes lacks "
                          f"{missing}")
    try:
        check_projected(synthetic["crs"], f"{key}.crs")
    except ValueError as err:
        raise ConfigError(str(err)) from None


def check_registry_names(config: dict) -> None:
    """Refuse names the registries do not hold: ``identify.method`` and ``identify.compare``
    (:data:`minerestore.identify.methods.METHODS`), ``restoration.trend_indices``
    (:func:`minerestore.restoration.trend_indices.trend_index`) and the driver files of each region
    (:data:`minerestore.drivers.catalogue.DRIVERS`, those read from a file).

    Raises
    ------
    ConfigError
        Naming the key, the unknown name and the names the registry holds (for a trend index, why it cannot be
        computed: a band the composites lack).
    """
    from minerestore.restoration.trend_indices import trend_index

    try:
        METHODS.check([config["identify"]["method"]], "identify.method")
        METHODS.check(config["identify"]["compare"], "identify.compare", METHODS.names(comparable=True))
        for name, region in config["regions"].items():
            DRIVERS.check(region.get("drivers", {}), f"regions.{name}.drivers", DRIVERS.names(source="file"))
    except ValueError as err:
        raise ConfigError(str(err)) from None
    for name in config["restoration"]["trend_indices"]:
        try:
            trend_index(name)
        except (KeyError, ValueError) as err:
            raise ConfigError(f"config key restoration.trend_indices: {err.args[0]}") from None


def _check_years_have_data(region: dict, key: str, years: list[int], config: dict, base: Path) -> None:
    """Refuse analysis years whose growing seasons have no acquisition in a local region's table (they would give
    empty composites): the message names the years, the table and the years that do have data; and consecutive
    analysis years whose windows hold the same seasons with data (identical composites: a trend over copies)."""
    from minerestore.sources.local import epoch_data_years

    months = (region["season"]["start_month"], region["season"]["end_month"])
    table = _resolve(region["acquisitions"], base)
    try:
        data = epoch_data_years(table, years, config["composite"]["window_years"], months, {region["sensor"], "any"})
    except (ValueError, KeyError) as err:
        raise ConfigError(f"config key {key}.acquisitions: {err}") from None
    empty = [y for y, have in data.items() if not have]
    if empty:
        have = [y for y in years if y not in empty]
        raise ConfigError(
            f"config key {key}.years: {empty} have no {region['sensor']} acquisition in the growing season (months "
            f"{months[0]}–{months[1]}) in {table}; they would give empty composites. List the years that have data "
            f"({'years: ' + str(have) if have else 'none of the analysis years has any'}), or add acquisitions")
    same = [(a, b) for a, b in zip(years, years[1:]) if data[a] == data[b]]
    if same:
        a, b = same[0]
        raise ConfigError(
            f"config key {key}.years: {a} and {b} would be composited from the same growing seasons ({data[a]}: "
            f"the only ones with acquisitions in their windows of composite.window_years = "
            f"{config['composite']['window_years']}), so their composites, and every number of those years, would "
            "be identical; drop one of the years, narrow composite.window_years, or add acquisitions")


def _check_lst_source(region: dict, key: str, years: list[int], config: dict, base: Path) -> None:
    """RSEI needs land-surface temperature every analysis year (methods.md §9): a region without an ``lst``
    raster needs an LST family (``lst_sensor``, :func:`minerestore.sources.contract.lst_family`) and, when local,
    acquisitions of that family in every year's window. Without them the run failed in its first RSEI job, after
    every composite had been made."""
    from minerestore.sources.contract import lst_family
    from minerestore.sources.local import years_without_acquisitions

    if "lst" in region:
        return
    family = lst_family(region)
    if family == "none":
        said = "lst_sensor: none" if "lst_sensor" in region else f"sensor {region['sensor']} (no thermal band)"
        raise ConfigError(f"config key {key}.lst_sensor: {said} gives no land-surface temperature, which RSEI needs; "
                          "set lst_sensor to landsat or modis (with those acquisitions), or lst to an LST raster in "
                          "kelvin")
    if region["source"] != "local" or family == region["sensor"]:
        return  # the same acquisitions as the reflectance: checked with them
    months = (region["season"]["start_month"], region["season"]["end_month"])
    table = _resolve(region["acquisitions"], base)
    empty = years_without_acquisitions(table, years, config["composite"]["window_years"], months, {family})
    if empty:
        raise ConfigError(f"config key {key}.lst_sensor: {family} gives LST, but {table} has no {family} acquisition in "
                          f"the growing season of {empty}; add them, or give lst (an LST raster in kelvin)")


def region_slug(value) -> str:
    """A region name from an attribute value: ASCII letters and digits, lower case, other runs as ``_``
    ("Ma'anshan" -> "maanshan", "Huang Shi" -> "huang_shi"); "" when nothing is left (e.g. Chinese characters)."""
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.replace("'", "")).strip("_")


def split_regions(config: dict, base: str | os.PathLike = ".") -> None:
    """Expand each region with ``split_aoi_by`` into one region per feature value of its AOI file, in place.

    ``split_aoi_by: {field: city, overrides: {Changjiang: {obstruction: sea.tif}}}`` on a region whose ``aoi``
    holds several cities gives one region per value of ``city`` (named :func:`region_slug` of the value, e.g.
    ``maanshan``), each a copy of the block with ``aoi_select: {city: <value>}`` (so its grid, study area, PCA and
    forest are its own) and the value's ``overrides`` merged in. Runs before schema validation, so the regions it
    makes are validated like any other.

    Raises
    ------
    ConfigError
        Naming the key: no ``aoi``, an AOI file that does not exist or lacks the field, a value without a usable
        name, an override for a value the file does not have, or a made-up name that another region has.
    """
    import pyogrio

    base = Path(base)
    out: dict = {}
    for name, region in config["regions"].items():
        name = str(name)  # a region named 2019 is read by YAML as a number: names are text (they name folders)
        split = region.get("split_aoi_by") if isinstance(region, dict) else None
        if split is None:
            out[name] = region
            continue
        key = f"config key regions.{name}.split_aoi_by"
        if not isinstance(split, dict) or not isinstance(split.get("field"), str):
            raise ConfigError(f"{key}: expected {{field: <attribute of the aoi file>, overrides: {{...}}}}")
        if not region.get("aoi"):
            raise ConfigError(f"{key}: the region needs an 'aoi' file whose features carry {split['field']!r}")
        path = _resolve(region["aoi"], base)
        if not path.exists():
            raise ConfigError(f"config key regions.{name}.aoi: file {region['aoi']!r} does not exist "
                              f"(relative paths are taken from {base.resolve()})")
        table = pyogrio.read_dataframe(path, read_geometry=False)
        field, overrides = split["field"], split.get("overrides") or {}
        if field not in table.columns:
            raise ConfigError(f"{key}.field: {path} has no attribute {field!r}; it has {list(table.columns)}")
        values = list(dict.fromkeys(table[field].astype(str)))
        unknown = sorted(set(map(str, overrides)) - set(values))
        if unknown:
            raise ConfigError(f"{key}.overrides: {unknown} are not values of {field!r} in {path} ({values})")
        for value in values:
            slug = region_slug(value)
            if not slug:
                raise ConfigError(f"{key}: {field} = {value!r} gives no region name; use ASCII names in {path}")
            if slug in out or (slug in config["regions"] and slug != name):
                raise ConfigError(f"{key}: the region {slug!r} made for {field} = {value!r} exists already; rename "
                                  "the feature or the other region")
            copy = {k: deepcopy(v) for k, v in region.items() if k != "split_aoi_by"}
            out[slug] = {**copy, "aoi_select": {field: value}, **deepcopy(overrides.get(value, {}))}
    config["regions"] = out
