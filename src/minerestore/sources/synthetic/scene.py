"""Generate and write the synthetic study area.

``generate(params, out_dir)`` writes, under ``out_dir``:

- ``acquisitions.csv`` (path, date, sensor) with Sentinel-2 L2A-like scenes (``s2/*.tif``; bands B02, B03, B04,
  B08, B11, B12, SCL) and Landsat 8 C2 L2-like scenes at 30 m (``landsat/*.tif``; SR_B2..SR_B7, ST_B10, QA_PIXEL);
- ``dem.tif``, ``landcover.tif`` (ESA WorldCover codes), ``water_history.tif`` (JRC-like monthly bands),
  ``rivers.gpkg`` (centre lines: kind = main_stem / tributary), ``drivers/*.tif`` (100 m);
- ``truth/mines_truth.gpkg`` (mine_id, trajectory, first/last active year, area_km2, mine_type: drawn at random
  from :data:`MINE_TYPES`, for the tables by type), ``truth/bsp_truth.csv``,
  ``truth/effects.csv`` (planted driver effects), ``truth/classes.tif``, and for a realistic scene
  (``realism: realistic``, :mod:`.realism`) ``truth/confusers.tif``;
- ``inputs.yaml``: the same keys as a ``source: local`` region, so ingestion is shared.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from affine import Affine
from rasterio.features import rasterize
from scipy import ndimage

from minerestore.io import write_table, write_text, write_vector
from minerestore.raster.grid import Grid
from minerestore.raster.write import write_raster
from minerestore.sources.synthetic import imagery, landscape, realism, terrain
from minerestore.sources.synthetic import insar as synthetic_insar
from minerestore.sources.synthetic.spectra import (
    BACKGROUND,
    CLASSES,
    CROP,
    FOREST,
    GRASS,
    LAPSE_K_PER_M,
    LST_K,
    LST_VIGOUR_K,
    MINE,
    REFLECTANCE,
    WORLDCOVER,
    as_array,
)

log = logging.getLogger(__name__)

#: Mine types of the synthetic truth (the attribute mine_type), drawn at random: a label to group by.
MINE_TYPES = ("sand_gravel", "building_stone", "metal")

DRIVER_RESOLUTION_M = 100.0
COARSE_RESOLUTION_M = 100.0
#: vegetation vigour of revegetated mine land is at least this (reclamation seeding), so restored mines green up
#: wherever they are
RECLAIMED_VIGOUR = 0.6
#: vegetation vigour lost next to a mine, decaying with distance (e-folding distance, m)
MINE_PENALTY, MINE_PENALTY_M = 0.15, 700.0


@dataclass
class SyntheticParams:
    """Parameters of the synthetic study area (config key ``synthetic``; defaults in the schema)."""

    seed: int = 42
    size_km: float = 10.0
    resolution_m: float = 10.0
    crs: str = "EPSG:32650"
    origin: tuple[float, float] = (400000.0, 3300000.0)
    years: list[int] = field(default_factory=lambda: list(range(2016, 2023)))
    n_mines: int = 36
    s2_per_year: int = 4
    landsat_per_year: int = 3
    out_of_season: bool = True
    cloud_max: float = 0.35
    footprints_file: str | None = None
    season: tuple[int, int] = (6, 9)
    sensor: str = "sentinel2"
    modis_per_year: int = 4
    city: bool = False
    mine_radius_m: float = 200.0
    driver_effects: dict | None = None
    realism: str = "basic"


def _grid(p: SyntheticParams) -> Grid:
    size = p.size_km * 1000.0
    x0, y0 = p.origin
    return Grid.from_bounds(p.crs, (x0, y0, x0 + size, y0 + size), p.resolution_m)


def _terrain(p: SyntheticParams, grid: Grid, rng: np.random.Generator) -> dict:
    """Coarse DEM with a meandering valley and a regional tilt, flow routing, rivers, lakes; fine DEM. A city scene
    is a plain: its relief is 0.3 times a river scene's."""
    n = max(int(round(p.size_km * 1000 / COARSE_RESOLUTION_M)), 16)
    yy, xx = np.mgrid[0:n, 0:n] / n
    valley_x = 0.5 + 0.15 * np.sin(2 * np.pi * 1.2 * yy + rng.uniform(0, 2 * np.pi))
    relief = terrain.fractal_surface((n, n), 2.6, rng)
    z = 300 + (0.3 if p.city else 1.0) * (450 * relief + 450 * np.abs(xx - valley_x) ** 0.9 + 250 * (1 - yy))
    filled, receiver, order = terrain.priority_flood(z)
    acc = terrain.flow_accumulation(receiver, order)
    coarse_t = grid.transform @ Affine.scale(grid.width / n, grid.height / n)
    cell_km2 = (p.size_km / n) ** 2
    min_cells = max(int(1.0 / cell_km2), 30)
    if acc.max() < 4 * min_cells:  # a small scene: lower the channel threshold so that it still has a main stem
        min_cells = max(2, int(acc.max()) // 4)
    rivers = terrain.river_lines(acc, receiver, (n, n), coarse_t, min_cells=min_cells)
    zoom = (grid.height / n, grid.width / n)
    dem = ndimage.zoom(z, zoom, order=1)[: grid.height, : grid.width]
    dem = (dem + 8 * terrain.fractal_surface(grid.shape, 2.2, rng)).astype(np.float32)
    depth = ndimage.zoom(filled - z, zoom, order=1)[: grid.height, : grid.width]
    lakes = ndimage.binary_opening(depth > max(6.0, float(np.percentile(depth, 98))), iterations=3)
    frame = gpd.GeoDataFrame(rivers, crs=grid.crs)
    frame.insert(0, "river_id", [f"R{i + 1:02d}" for i in range(len(frame))])
    frame["upstream_area_km2"] = frame.pop("upstream_area_cells") * cell_km2
    width_m = np.where(frame["kind"] == "main_stem", 45.0, np.clip(8 + 4 * np.sqrt(frame["upstream_area_km2"]), 10, 30))
    channels = rasterize(
        [(g.buffer(w / 2), 1) for g, w in zip(frame.geometry, width_m)], out_shape=grid.shape,
        transform=grid.transform, dtype="uint8",
    ).astype(bool)
    water = channels | lakes
    river_dist = (ndimage.distance_transform_edt(~channels) * p.resolution_m).astype(np.float32)
    main = rasterize([(frame.geometry[frame["kind"] == "main_stem"].iloc[0].buffer(150), 1)], out_shape=grid.shape,
                     transform=grid.transform, dtype="uint8").astype(bool)
    floodplain = main & ~water & (dem < np.percentile(dem[main], 60))
    return {"dem": dem, "rivers": frame, "water": water, "river_dist": river_dist, "floodplain": floodplain}


def _drivers(p: SyntheticParams, grid: Grid, dem: np.ndarray, towns, mines, mine_label: np.ndarray,
             rng) -> tuple[dict, np.ndarray, pd.DataFrame, Grid]:
    """Driver fields on a 100 m grid, the vegetation vigour they plant on the fine grid, the truth table and the
    driver grid.

    Planted effects: the mines themselves (bare land, and vegetation degraded around them by dust and drainage:
    vigour − 0.15 exp(−d / 700 m), d = distance to the nearest mine), and vigour = 0.72 + Σ_k coefficient_k z_k
    (z = standardised driver): by default precipitation raises, night light and PM2.5 lower vegetation vigour,
    hence NDVI, wetness and RSEI; GDP and CO2 have no effect of their own (they correlate with night light through
    the towns); ``p.driver_effects`` replaces the coefficients. Elevation and slope act through the land-cover
    rules (not monotonic). A city scene (``p.city``) adds electricity consumption (towns and mines), the study's
    tenth driver.

    ``strength_rank``: in a river scene the mines come first (they cover much of the buffer), then the drivers by
    |coefficient|; in a city scene, where mines cover a small share, every term (the mine term included) is ranked
    by the spread it gives vigour over the scene (its standard deviation).
    """
    dgrid = Grid.from_bounds(grid.crs, grid.bounds, DRIVER_RESOLUTION_M)
    f = grid.resolution / DRIVER_RESOLUTION_M
    dem_c = ndimage.zoom(dem, (dgrid.height / grid.height, dgrid.width / grid.width), order=1)[: dgrid.height, : dgrid.width]
    town_c = [(r * f, c * f) for r, c in towns]
    mine_c = [((grid.transform.f - g.centroid.y) / DRIVER_RESOLUTION_M, (g.centroid.x - grid.transform.c) / DRIVER_RESOLUTION_M)
              for g in mines.geometry]
    tk = landscape.town_kernel(dgrid.shape, DRIVER_RESOLUTION_M, town_c, 1500.0)
    mk = landscape.town_kernel(dgrid.shape, DRIVER_RESOLUTION_M, mine_c, 700.0)
    smooth = lambda beta: terrain.fractal_surface(dgrid.shape, beta, rng)  # noqa: E731
    norm = lambda a: (a - a.min()) / max(np.ptp(a), 1e-9)  # noqa: E731
    fields = {
        "precipitation": 800 + 700 * norm(dem_c) + 150 * smooth(2.5),
        "night_light": 60 * tk / max(tk.max(), 1e-9) + 2 * smooth(2.0),
        "gdp": 80 * norm(tk) + 25 * smooth(2.5),
        "pm25": 30 + 25 * norm(tk) + 12 * norm(mk) + 6 * smooth(2.5),
        "co2": 5000 * norm(tk) ** 1.5 + 300 * smooth(2.0),
    }
    units = {"precipitation": "mm/yr", "night_light": "nW/cm2/sr", "gdp": "million CNY/km2", "pm25": "ug/m3", "co2": "t/km2"}
    effects = {"precipitation": 0.12, "night_light": -0.06, "pm25": -0.04, "gdp": 0.0, "co2": 0.0}
    if p.city:
        fields = _city_fields(p, dgrid, dem_c, tk, mk)
        units["electricity"] = "MWh/km2"
        effects["electricity"] = 0.0
    if p.driver_effects:
        unknown = sorted(set(p.driver_effects) - set(fields))
        if unknown:
            raise ValueError(f"synthetic.driver_effects: unknown drivers {unknown}; the scene has {sorted(fields)}")
        effects |= p.driver_effects
    z = {k: (v - v.mean()) / max(v.std(), 1e-9) for k, v in fields.items()}
    vig_c = 0.72 + sum(effects[k] * z[k] for k in fields)
    vigour = ndimage.zoom(vig_c, (grid.height / dgrid.height, grid.width / dgrid.width), order=1)[: grid.height, : grid.width]
    distance = ndimage.distance_transform_edt(mine_label == 0) * grid.resolution
    penalty = MINE_PENALTY * np.exp(-distance / MINE_PENALTY_M)
    vigour = vigour - penalty
    vigour = np.clip(vigour + 0.04 * (terrain.fractal_surface(grid.shape, 2.0, rng) - 0.5), 0.25, 0.98).astype(np.float32)
    if p.city:
        spread = {k: abs(c) for k, c in effects.items() if c} | {"distance_to_mine": float(penalty.std())}
        ranked = sorted(spread, key=lambda k: -spread[k])
    else:
        ranked = ["distance_to_mine"] + sorted((k for k in effects if effects[k]), key=lambda k: -abs(effects[k]))
    rows = [{"driver": k, "units": units[k], "effect_on": "vegetation_vigour", "coefficient_per_sd": effects[k],
             "expected_sign": int(np.sign(effects[k])), "form": "vigour += coefficient x standardised driver"}
            for k in fields]
    rows += [
        {"driver": "distance_to_mine", "units": "m", "effect_on": "land cover and vegetation_vigour",
         "coefficient_per_sd": np.nan, "expected_sign": 1,
         "form": f"mines are bare land; vigour -= {MINE_PENALTY} exp(-distance / {MINE_PENALTY_M:g} m)"},
        {"driver": "mine_share", "units": "%", "effect_on": "land cover", "coefficient_per_sd": np.nan,
         "expected_sign": -1, "form": "mines are bare land"},
        {"driver": "dem", "units": "m", "effect_on": "land cover", "coefficient_per_sd": np.nan, "expected_sign": np.nan,
         "form": "classes follow elevation (crop low, forest mid, rock and snow high): not monotonic"},
        {"driver": "slope", "units": "degree", "effect_on": "land cover", "coefficient_per_sd": np.nan,
         "expected_sign": np.nan, "form": "forest on steep ground, crop on gentle ground: not monotonic"},
    ]
    truth = pd.DataFrame(rows)
    truth["strength_rank"] = [ranked.index(k) + 1 if k in ranked else np.nan for k in truth["driver"]]
    return {k: v.astype(np.float32) for k, v in fields.items()}, vigour, truth, dgrid


def _city_fields(p: SyntheticParams, dgrid: Grid, dem_c: np.ndarray, tk: np.ndarray, mk: np.ndarray) -> dict:
    """Driver fields of a city scene (its own draws): each the structure that gives it meaning (elevation for
    precipitation, towns for night light, GDP, CO2, PM2.5 and electricity, mines for PM2.5 and electricity) plus a
    spatial pattern of its own, so that the drivers correlate as in a real city (|r| about 0.3–0.6) but each can be
    told apart, and a planted effect can be attributed to its driver."""
    rng = np.random.default_rng([p.seed, 10])
    norm = lambda a: (a - a.min()) / max(np.ptp(a), 1e-9)  # noqa: E731
    own = lambda: norm(terrain.fractal_surface(dgrid.shape, 2.3, rng))  # noqa: E731
    town, mine = norm(tk), norm(mk)
    return {
        "precipitation": 800 + 200 * norm(dem_c) + 600 * own(),
        "night_light": 40 * town + 30 * own(),
        "gdp": 60 * town + 40 * own(),
        "pm25": 30 + 15 * town + 8 * mine + 20 * own(),
        "co2": 3000 * town**1.5 + 2000 * own(),
        "electricity": 600 * town + 300 * mine + 500 * own(),
    }


def _surface(classes, vigour, fbare, dem) -> tuple[np.ndarray, np.ndarray]:
    """Reflectance (6, rows, cols) and LST (K) of one year from classes, vigour and mine bare fraction."""
    lookup = as_array(REFLECTANCE)
    background = np.asarray(BACKGROUND, np.float32)
    v = vigour[..., None]
    refl = lookup[classes]
    veg = np.isin(classes, (FOREST, GRASS, CROP))[..., None]
    refl = np.where(veg, v * refl + (1 - v) * background, refl)
    seeded = np.clip(v, RECLAIMED_VIGOUR, 1.0)  # reclamation seeds and fertilises the regrowth on mines
    regrowth = seeded * lookup[GRASS] + (1 - seeded) * background
    f = fbare[..., None]
    refl = np.where((classes == MINE)[..., None], f * lookup[MINE] + (1 - f) * regrowth, refl)
    lst = as_array(LST_K)[classes] + np.where(veg[..., 0], (1 - vigour) * LST_VIGOUR_K, 0)
    mine_lst = fbare * LST_K[MINE] + (1 - fbare) * (LST_K[GRASS] + (1 - seeded[..., 0]) * LST_VIGOUR_K)
    lst = np.where(classes == MINE, mine_lst, lst) + LAPSE_K_PER_M * (dem - dem.min())
    return np.moveaxis(refl, -1, 0).astype(np.float32), lst.astype(np.float32)


def _simulated_product(truth: gpd.GeoDataFrame, classes: np.ndarray, grid: Grid, rng) -> gpd.GeoDataFrame:
    """A stand-in for a global mine product to compare with: outlines shifted by −20…+30 m of buffer, 15 % of the
    mines missing, and three false polygons on bare rock."""
    keep = rng.uniform(size=len(truth)) > 0.15
    geoms = [g.buffer(float(rng.uniform(-20, 30))) for g in truth.geometry[keep]]
    rock = np.argwhere(classes == 7)
    for r, c in rock[rng.choice(len(rock), size=min(3, len(rock)), replace=False)] if len(rock) else []:
        x, y = grid.transform @ (c + 0.5, r + 0.5)
        geoms.append(shapely.Point(x, y).buffer(80))
    return gpd.GeoDataFrame({"product_id": [f"P{i + 1:03d}" for i in range(len(geoms))]}, geometry=geoms, crs=grid.crs)


def _dates(p: SyntheticParams, year: int, count: int, rng, offset_days: int) -> list[tuple[int, int, int]]:
    """``count`` dates spread over the growing season of analysis year ``year`` (a season that crosses the new year
    starts in the year before: minerestore.seasons.season_year)."""
    start, end = p.season
    span = ((end - start) % 12 + 1) * 30
    out = []
    for i in range(count):
        doy = int((i + 0.5) * span / count + rng.integers(-5, 6) + offset_days) % span
        month = (start - 1 + doy // 30) % 12 + 1
        out.append((year - (start > end and month >= start), month, 1 + min(doy % 30, 27)))
    return out


def _city_boundary(p: SyntheticParams, grid: Grid) -> shapely.Polygon:
    """An administrative-looking city boundary: a lobed outline round the scene centre reaching 30–46 % of the
    scene side from it (its own draws, so the rest of the scene stays that of the seed)."""
    rng = np.random.default_rng([p.seed, 7])
    angles = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    radius = np.ones_like(angles)
    for k in (2, 3, 5):
        radius += rng.uniform(0.03, 0.08) * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    radius = 0.38 * p.size_km * 1000 * radius / radius.max() * 1.2
    (xmin, ymin, xmax, ymax), side = grid.bounds, p.size_km * 1000
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    outline = shapely.Polygon(np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)])
    return outline.intersection(shapely.box(xmin + 0.02 * side, ymin + 0.02 * side, xmax - 0.02 * side,
                                            ymax - 0.02 * side))


def _modis_acquisitions(p: SyntheticParams, out: Path, grid: Grid, year: int, render, rng) -> list[dict]:
    """One year's MODIS-like products (``p.sensor == "modis"``): ``modis_per_year`` MOD09A1 8-day reflectance and
    MOD11A2 8-day LST (1 km) of the same dates, and a MOD13A1 16-day NDVI for every second date, from renders of the
    year's surface at the scene resolution (block means to 500 m and 1 km)."""
    factor = max(1, int(round(500.0 / grid.resolution)))
    grids = {k: Grid(grid.crs, grid.transform @ Affine.scale(k), -(-grid.width // k), -(-grid.height // k))
             for k in (factor, 2 * factor)}
    rows = []
    for i, (y, m, d) in enumerate(_dates(p, year, p.modis_per_year, rng, 0)):
        r = render(m, d, np.random.default_rng([p.seed, y, m, d, 5]), np.random.default_rng([p.seed, y, m, d, 31]))
        stamp, when = f"{y}{m:02d}{d:02d}", f"{y}-{m:02d}-{d:02d}"
        products = [("mod09a1", imagery.modis_reflectance(r, factor, np.random.default_rng([p.seed, y, m, d, 6])),
                     factor, imagery.MOD09A1_BANDS, "int32", -28672),
                    ("mod11a2", imagery.modis_lst(r, 2 * factor), 2 * factor, imagery.MOD11A2_BANDS, "uint16", 0)]
        if i % 2 == 0:
            products.append(("mod13a1", imagery.modis_ndvi(r, factor), factor, imagery.MOD13A1_BANDS, "int32", -3000))
        for product, stack, k, names, dtype, nodata in products:
            name = f"modis/{product.upper()}_{stamp}.tif"
            write_raster(out / name, stack, grids[k].profile(len(names), dtype, nodata), names,
                         {"sensor": f"modis_{product}"})
            rows.append({"path": name, "date": when, "sensor": f"modis_{product}"})
    return rows


def generate(p: SyntheticParams, out_dir: str | Path, workers: int = 1) -> dict:
    """Generate the synthetic study area under ``out_dir``; returns the ``inputs.yaml`` manifest as a dict.

    Deterministic: the same parameters give byte-identical arrays, whatever ``workers`` (threads rendering and
    writing the acquisitions of a year). Logs progress per year.
    """
    out = Path(out_dir)
    rng = np.random.default_rng(p.seed)
    grid = _grid(p)
    log.info("grid %d x %d px at %.0f m in %s", grid.width, grid.height, grid.resolution, grid.crs)
    terr = _terrain(p, grid, rng)
    dem = terr["dem"]
    classes, towns = landscape.land_cover(dem, terr["water"], terr["river_dist"], resolution=grid.resolution,
                                          rng=rng, by_elevation=not p.city)
    realistic = p.realism == "realistic"
    extra_rng = np.random.default_rng([p.seed, 40])  # the realistic scene's own draws
    footprints_file = realism.resolve_footprints(p.footprints_file)
    footprints = None
    if realistic and footprints_file:
        footprints = realism.real_outlines(footprints_file, grid.crs, extra_rng, p.n_mines * 3,
                                           radius_m=p.mine_radius_m, resolution=grid.resolution)
    elif footprints_file:
        footprints = landscape.real_footprints(footprints_file, grid.crs, rng, p.n_mines * 3)
    city = _city_boundary(p, grid) if p.city else None
    allowed = None
    if city is not None:  # mines at least 1 km inside the city, so their rings and windows lie in it
        allowed = rasterize([(city.buffer(-1000.0), 1)], out_shape=grid.shape, transform=grid.transform,
                            dtype="uint8").astype(bool)
    mines = landscape.place_mines(classes, terr["river_dist"], grid, p.years, n_mines=p.n_mines, rng=rng,
                                  footprints=footprints, radius_m=p.mine_radius_m,
                                  outline=realism.compound_outline if realistic else landscape.footprint,
                                  max_river_m=None if p.city else 3000.0, allowed=allowed)
    mine_fields = landscape.mine_pixel_fields(mines, grid, rng)
    classes[mine_fields["label"] > 0] = MINE
    extra = None
    if realistic:
        extra = realism.build(classes, dem, terr["water"], terr["river_dist"], mines, mine_fields, grid, towns, p.years,
                              extra_rng)
        write_raster(out / "truth" / "confusers.tif", extra.confusers[None], grid.profile(1, "uint8", None),
                     ["confuser"], {"classes": ", ".join(f"{k} {v}" for k, v in realism.CONFUSERS.items())})
    fields, vigour, effects, dgrid = _drivers(p, grid, dem, towns, mines, mine_fields["label"], rng)
    log.info("%d rivers, %d mines, %d towns", len(terr["rivers"]), len(mines), len(towns))

    fine_profile = grid.profile(1)
    write_raster(out / "dem.tif", dem[None], fine_profile, ["elevation"], {"units": "m"})
    write_raster(out / "truth" / "classes.tif", classes[None], grid.profile(1, "uint8", 0), ["class"],
                 {"classes": ", ".join(f"{k} {v}" for k, v in CLASSES.items())})
    write_vector(out / "rivers.gpkg", terr["rivers"])
    for name, arr in fields.items():
        write_raster(out / "drivers" / f"{name}.tif", arr[None], dgrid.profile(1), [name])

    factor = max(1, int(round(30.0 / grid.resolution)))
    lgrid = Grid(grid.crs, grid.transform @ Affine.scale(factor), -(-grid.width // factor), -(-grid.height // factor))
    high_ground = dem > np.percentile(dem, 90)
    rows, bsp_rows = [], []
    mid_year = p.years[len(p.years) // 2]
    for year in p.years:
        fbare = landscape.bare_fraction(mines, mine_fields, year, p.years)
        for k, mine_id in enumerate(mines["mine_id"]):
            inside = mine_fields["label"] == k + 1
            bsp_rows.append({"mine_id": mine_id, "year": year, "bare_share_pct": 100 * float(np.mean(fbare[inside] >= 0.5))})
        year_vigour = vigour * rng.uniform(0.97, 1.03)
        if extra is not None:
            year_vigour = year_vigour * extra.phenology[year]["vigour"]
        surface, lst = _surface(classes, year_vigour, fbare, dem)
        if extra is not None:
            realism.apply_year(extra, surface, lst, year, fbare, mines)
        if year == mid_year:
            lc = as_array({k: (float(v),) for k, v in WORLDCOVER.items()})[classes][..., 0].astype(np.uint8)
            lc[(classes == MINE) & (fbare < 0.5)] = WORLDCOVER[GRASS]
            write_raster(out / "landcover.tif", lc[None], grid.profile(1, "uint8", 0), ["landcover"], {"classes": "ESA WorldCover"})

        def render(m, d, date_rng, defects_rng):
            """One date at the scene resolution (a realistic scene: with its harvests, phenology and defects)."""
            if extra is None:
                return imagery.render(surface, lst, classes, high_ground, terr["floodplain"], month=m, day=d,
                                      resolution=grid.resolution, rng=date_rng, cloud_max=p.cloud_max)
            start, end = p.season
            fraction = ((m - start) % 12 + (d - 1) / 30) / ((end - start) % 12 + 1)
            surf, temp = realism.dated_surface(extra, surface, lst, year, fraction)
            image = imagery.render(surf, temp, classes, high_ground, terr["floodplain"], month=m, day=d,
                                   resolution=grid.resolution, rng=date_rng, cloud_max=p.cloud_max,
                                   pheno_peak=extra.phenology[year]["pheno_peak"],
                                   pheno_amplitude=extra.phenology[year]["pheno_amplitude"])
            return realism.degrade(extra, image, year, defects_rng)

        if p.sensor == "modis":
            rows += _modis_acquisitions(p, out, grid, year, render, rng)
            log.info("year %d: MODIS-like products written", year)
            continue
        s2_dates = _dates(p, year, p.s2_per_year, rng, 0) + ([(year, 4, 15)] if p.out_of_season else [])
        landsat_dates = _dates(p, year, p.landsat_per_year, rng, 11)

        def acquisition(y, m, d, landsat):
            """Render and write one acquisition (its own seeded generator: the same bytes in any thread)."""
            r = render(m, d, np.random.default_rng([p.seed, y, m, d, 8 if landsat else 2]),
                       np.random.default_rng([p.seed, y, m, d, 32 if landsat else 30]))
            if landsat:
                name, sensor = f"landsat/LC08_{y}{m:02d}{d:02d}.tif", "landsat8_c2l2"
                write_raster(out / name, imagery.landsat(r, factor), lgrid.profile(8, "uint16", 0),
                             imagery.LANDSAT_BANDS, {"sensor": sensor})
            else:
                name, sensor = f"s2/S2_{y}{m:02d}{d:02d}.tif", "sentinel2_l2a"
                write_raster(out / name, imagery.sentinel2(r), grid.profile(7, "uint16", 0), imagery.S2_BANDS,
                             {"sensor": sensor})
            return {"path": name, "date": f"{y}-{m:02d}-{d:02d}", "sensor": sensor}

        jobs = [(*date_, False) for date_ in s2_dates] + [(*date_, True) for date_ in landsat_dates]
        with ThreadPoolExecutor(max(1, workers)) as pool:  # numpy and GDAL release the GIL for most of the work
            rows += list(pool.map(lambda job: acquisition(*job), jobs))
        log.info("year %d: %d acquisitions written", year, len(jobs))

    months = [(y, m) for y in (2014, 2015) for m in range(1, 13)]
    history = imagery.water_history(terr["water"], terr["floodplain"], factor, rng, months)
    write_raster(out / "water_history.tif", history, lgrid.profile(len(months), "uint8", 0),
                 [f"{y}-{m:02d}" for y, m in months], {"values": "0 no data, 1 not water, 2 water"})
    write_table(out / "acquisitions.csv", pd.DataFrame(rows))
    if city is not None:
        write_vector(out / "aoi.gpkg", gpd.GeoDataFrame({"city": [f"synthetic_{p.seed}"]}, geometry=[city],
                                                        crs=grid.crs))
    truth = mines.drop(columns=["bare_share0", "recovery_rate", "stable_share"])
    truth["mine_type"] = np.random.default_rng([p.seed, 18]).choice(MINE_TYPES, len(truth))
    write_vector(out / "truth" / "mines_truth.gpkg", truth)
    write_vector(out / "truth" / "mine_product.gpkg", _simulated_product(truth, classes, grid, rng))
    write_table(out / "truth" / "bsp_truth.csv", pd.DataFrame(bsp_rows))
    write_table(out / "truth" / "effects.csv", effects)
    velocity, coherence, insar_truth, ref = synthetic_insar.products(
        mines, mine_fields["label"], classes, grid, coarse=lgrid, factor=factor,
        rng=np.random.default_rng([p.seed, 16]))
    insar_files = synthetic_insar.write(out, velocity, coherence, lgrid, ref=ref, years=p.years,
                                         rng=np.random.default_rng([p.seed, 17]))
    write_table(out / "truth" / "insar_truth.csv", insar_truth)
    manifest = {
        "crs": grid.crs,
        "resolution": grid.resolution,
        "bounds": list(grid.bounds),
        "acquisitions": "acquisitions.csv",
        "dem": "dem.tif",
        "landcover": "landcover.tif",
        "water_history": "water_history.tif",
        "rivers": "rivers.gpkg",
        "drivers": {k: f"drivers/{k}.tif" for k in fields},
        "mine_products": {"simulated_global": "truth/mine_product.gpkg"},
        "insar": insar_files,
        **({"aoi": "aoi.gpkg"} if city is not None else {}),
        "truth": {"mines": "truth/mines_truth.gpkg", "bsp": "truth/bsp_truth.csv", "effects": "truth/effects.csv",
                  "classes": "truth/classes.tif", "insar": "truth/insar_truth.csv",
                  **({"confusers": "truth/confusers.tif"} if extra is not None else {})},
    }
    write_text(out / "inputs.yaml", yaml.safe_dump(manifest, sort_keys=False))
    return manifest
