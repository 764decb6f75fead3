"""Land cover, open-pit mines with trajectories, and driver fields of the synthetic study area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine
from rasterio.features import rasterize
from scipy import ndimage
from shapely import affinity
from shapely.geometry import Polygon

from minerestore.sources.synthetic.spectra import BUILT, CROP, FOREST, GRASS, ROCK, SNOW, SOIL, WATER
from minerestore.sources.synthetic.terrain import fractal_surface
from minerestore.topography import slope_degrees

TRAJECTORIES = ("restoring", "active", "stable")


def land_cover(
    dem: np.ndarray, water: np.ndarray, river_dist: np.ndarray, *, resolution: float, rng: np.random.Generator,
    by_elevation: bool = True,
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Truth land-cover classes (uint8, codes of :mod:`.spectra`) and the town centres (row, col).

    Rules: snow above the 97th elevation percentile; bare rock on high (> P88) steep (> 15°) ground and on
    rocky patches; towns grown around seeds on low, flat ground 150–700 m from a river; cropland on low
    (< P45), gentle (< 6°) land with a field pattern; forest on mid/high or steep ground; grassland elsewhere;
    scattered small bare-soil patches (2.5 %); water from rivers and lakes. Without ``by_elevation`` (a city on
    a plain) a smooth random field takes the part of elevation in these rules and there is no snow, so land cover
    does not follow the DEM.
    """
    shape = dem.shape
    slope = slope_degrees(ndimage.gaussian_filter(dem, 50 / resolution), resolution)
    elevation = dem if by_elevation else fractal_surface(shape, 2.6, np.random.default_rng(rng.integers(1 << 32)))
    q = np.percentile(elevation, [30, 45, 88, 97])
    patch = fractal_surface(shape, 2.2, rng)
    fields = fractal_surface(shape, 1.6, rng)
    classes = np.full(shape, GRASS, np.uint8)
    classes[(elevation > q[1]) | (slope > 12)] = FOREST
    classes[(elevation < q[1]) & (slope < 10) & (fields > np.percentile(fields, 35))] = CROP
    soil = fractal_surface(shape, 1.8, rng)  # fine-grained: many small bare-soil patches
    classes[soil > np.percentile(soil, 97.5)] = SOIL
    classes[((elevation > q[2]) & (slope > 15)) | ((elevation > q[2]) & (patch < np.percentile(patch, 20)))] = ROCK
    if by_elevation:
        classes[dem > q[3]] = SNOW
    towns: list[tuple[int, int]] = []
    candidates = np.argwhere((elevation < q[0]) & (slope < 5) & (river_dist > 150) & (river_dist < 700) & ~water)
    rng.shuffle(candidates)
    rows, cols = np.indices(shape)
    for r, c in candidates:
        if len(towns) == 3:
            break
        if all(np.hypot(r - tr, c - tc) * resolution > 2500 for tr, tc in towns):
            towns.append((int(r), int(c)))
            radius = rng.uniform(250, 500) / resolution
            d = np.hypot(rows - r, cols - c)
            classes[(d < radius * (0.8 + 0.5 * patch)) & (classes != SNOW)] = BUILT
    classes[water] = WATER
    return classes, towns


def footprint(rng: np.random.Generator, radius_m: float, vertices: int = 28) -> Polygon:
    """An irregular, star-shaped pit outline of mean radius ``radius_m`` centred on (0, 0)."""
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    wobble = np.convolve(np.tile(rng.normal(0, 1, vertices), 3), np.ones(5) / 5, "same")[vertices : 2 * vertices]
    r = radius_m * (1 + 0.3 * wobble) * rng.uniform(0.7, 1.0) ** np.abs(np.cos(angles - rng.uniform(0, np.pi)))
    return Polygon(np.c_[r * np.cos(angles), r * np.sin(angles)]).buffer(0)


def real_footprints(path: str, crs: str, rng: np.random.Generator, n: int) -> list[Polygon]:
    """``n`` real mine outlines from a polygon file (e.g. Amazon Mining Watch), re-projected to a local UTM CRS,
    centred on (0, 0) and randomly rotated; areas restricted to 0.01–1.5 km².

    Raises
    ------
    ValueError
        Naming the file and the key ``synthetic.footprints_file``: it has no polygon, no CRS, coordinates its CRS
        cannot hold, or fewer than ``n`` polygons of that size (the scene draws its mines from 3 x ``n_mines``).
    """
    frame = gpd.read_file(path)
    key = f"synthetic.footprints_file {path}"
    frame = frame[frame.geometry.notna() & frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    if frame.empty:
        raise ValueError(f"{key}: no polygon in the file; give a file of mine outlines (polygons)")
    if frame.crs is None:
        raise ValueError(f"{key}: the file has no CRS; write it with one (e.g. ogr2ogr -a_srs EPSG:4326)")
    try:
        local = frame.to_crs(frame.estimate_utm_crs())
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"{key}: its coordinates do not fit its CRS {frame.crs.to_string()} (a projected file "
                         f"without its CRS read as longitude/latitude?): {err}") from err
    area = local.geometry.area / 1e6
    pool = local[(area > 0.01) & (area < 1.5)].geometry
    if len(pool) < n:
        raise ValueError(f"{key}: only {len(pool)} polygons of 0.01–1.5 km²; the scene draws its mines from "
                         f"{n} outlines (3 x synthetic.n_mines): give more outlines or lower n_mines")
    picks = pool.iloc[rng.choice(len(pool), size=n, replace=False)]
    out = []
    for geom in picks:
        geom = geom.buffer(0)
        if geom.geom_type == "MultiPolygon":
            geom = max(geom.geoms, key=lambda g: g.area)
        c = geom.centroid
        out.append(affinity.rotate(affinity.translate(geom, -c.x, -c.y), rng.uniform(0, 360), origin=(0, 0)))
    return out


def place_mines(
    classes: np.ndarray,
    river_dist: np.ndarray,
    grid,
    years: list[int],
    *,
    n_mines: int,
    rng: np.random.Generator,
    footprints: list[Polygon] | None = None,
    radius_m: float,
    max_river_m: float | None = 3000.0,
    allowed: np.ndarray | None = None,
    outline=footprint,
) -> gpd.GeoDataFrame:
    """Place ``n_mines`` open-pit mines 100 m – ``max_river_m`` from a river (None: any distance over 100 m), on
    land that is not water, snow, rock or town (and wholly inside ``allowed``, bool, when given), at least 250 m apart,
    and give each a trajectory. Without ``footprints``, each try draws an outline ``outline(rng, radius)`` (the
    basic twin's :func:`footprint`, the realistic twin's compound outline) of a log-normal radius of median
    ``radius_m`` (config ``synthetic.mine_radius_m``; clipped to 60 m – 3.25 ``radius_m``).

    Trajectories (40 % restoring, 35 % active, 25 % stable): *restoring* mines stop the year before the first
    analysis year or in it, and revegetate; *active* mines are bare in a core that expands to the whole footprint by the last year;
    *stable* mines keep the same bare share every year.

    Returns
    -------
    GeoDataFrame with mine_id, trajectory, first_active_year, last_active_year, area_km2, geometry (the largest
    extent over all years), and private per-mine parameters (``bare_share0``, ``recovery_rate``, ``stable_share``).

    Given ``footprints`` are taken in order; one that fits at none of the candidates left is passed over for the
    next (a scene that needed none of this is the same as before this rule).

    Raises
    ------
    RuntimeError
        If the scene has no room for ``n_mines`` mines (make it larger or ask for fewer).
    """
    land = np.isin(classes, (FOREST, GRASS, CROP, SOIL)) & (river_dist >= 100)
    if max_river_m is not None:
        land &= river_dist <= max_river_m
    if allowed is not None:
        land &= allowed
    blocked = ndimage.binary_dilation(np.isin(classes, (WATER, BUILT, SNOW)), iterations=max(1, int(60 / grid.resolution)))
    candidates = np.argwhere(land & ~blocked)
    rng.shuffle(candidates)
    n_restoring, n_active = int(round(0.4 * n_mines)), int(round(0.35 * n_mines))
    kinds = ["restoring"] * n_restoring + ["active"] * n_active + ["stable"] * (n_mines - n_restoring - n_active)
    rng.shuffle(kinds)
    t = grid.transform
    placed: list[Polygon] = []
    rows = []
    skipped = 0  # given outlines that fit at none of the candidates left: the next one is tried
    while True:
        for r, c in candidates:
            if len(placed) == n_mines:
                break
            k = len(placed)
            if footprints is not None:
                if k + skipped >= len(footprints):
                    break
                shape0 = footprints[k + skipped]
            else:
                radius = float(np.clip(rng.lognormal(np.log(radius_m), 0.6), 60, 3.25 * radius_m))
                shape0 = outline(rng, radius)
            x, y = t @ (c + 0.5, r + 0.5)
            geom = affinity.translate(shape0, x, y)
            if any(geom.distance(p) < 250 for p in placed):
                continue
            if not grid_contains(grid, geom):
                continue
            window, mask = _burn(geom, t, classes.shape)
            if mask.sum() < 9 or (blocked[window] & mask).any():
                continue
            if allowed is not None and not allowed[window][mask].all():
                continue
            placed.append(geom)
            rows.append(_trajectory(kinds[k], years, rng) | {"geometry": geom})
        if len(placed) == n_mines or footprints is None or len(placed) + skipped + 1 >= len(footprints):
            break
        skipped += 1
    if len(placed) < n_mines:
        raise RuntimeError(f"room for only {len(placed)} of {n_mines} mines; enlarge size_km or lower n_mines")
    frame = gpd.GeoDataFrame(rows, crs=grid.crs)
    frame.insert(0, "mine_id", [f"M{i + 1:03d}" for i in range(len(frame))])
    frame["area_km2"] = frame.geometry.area / 1e6
    return frame


def _burn(geom, transform, shape: tuple[int, int]) -> tuple[tuple[slice, slice], np.ndarray]:
    """The pixels of the grid (``transform``, ``shape``) inside ``geom``, burnt in the window of its bounds only
    (the same pixels as on the whole grid, at a fraction of the cost): (row slice, column slice), bool mask."""
    x0, y0, x1, y1 = geom.bounds
    c0, r0 = ~transform @ (x0, y1)
    c1, r1 = ~transform @ (x1, y0)
    rows = slice(max(int(np.floor(r0)) - 1, 0), min(int(np.ceil(r1)) + 1, shape[0]))
    cols = slice(max(int(np.floor(c0)) - 1, 0), min(int(np.ceil(c1)) + 1, shape[1]))
    height, width = max(rows.stop - rows.start, 1), max(cols.stop - cols.start, 1)
    window_transform = transform @ Affine.translation(cols.start, rows.start)
    mask = rasterize([(geom, 1)], out_shape=(height, width), transform=window_transform, dtype="uint8").astype(bool)
    return (rows, cols), mask[: rows.stop - rows.start, : cols.stop - cols.start]


def grid_contains(grid, geom) -> bool:
    xmin, ymin, xmax, ymax = grid.bounds
    margin = 2 * grid.resolution
    gx0, gy0, gx1, gy1 = geom.bounds
    return gx0 > xmin + margin and gy0 > ymin + margin and gx1 < xmax - margin and gy1 < ymax - margin


def _trajectory(kind: str, years: list[int], rng: np.random.Generator) -> dict:
    y0, y1 = years[0], years[-1]
    if kind == "restoring":
        return {"trajectory": kind, "first_active_year": y0 - int(rng.integers(3, 10)),
                "last_active_year": y0 - int(rng.integers(0, 2)), "bare_share0": 1.0,
                "recovery_rate": float(rng.uniform(0.25, 0.4)), "stable_share": np.nan}
    if kind == "active":
        return {"trajectory": kind, "first_active_year": y0 - int(rng.integers(0, 4)), "last_active_year": y1,
                "bare_share0": float(rng.uniform(0.25, 0.45)), "recovery_rate": 0.0, "stable_share": np.nan}
    return {"trajectory": kind, "first_active_year": y0 - int(rng.integers(5, 15)), "last_active_year": y1,
            "bare_share0": np.nan, "recovery_rate": 0.0, "stable_share": float(rng.uniform(0.6, 0.95))}


def mine_pixel_fields(mines: gpd.GeoDataFrame, grid, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-pixel fields the yearly bare fraction is computed from.

    Returns
    -------
    dict with ``label`` (int32, 0 outside mines, k+1 inside mine k), ``edge`` (float32, distance to the
    footprint edge normalised to [0, 1] per mine), ``core_rank`` (float32, rank of the distance from the mine
    centre, [0, 1]) and ``jitter`` (float32 uniform [0, 1]).
    """
    label = rasterize(
        [(g, i + 1) for i, g in enumerate(mines.geometry)], out_shape=grid.shape, transform=grid.transform,
        dtype="int32",
    )
    edge = np.zeros(grid.shape, np.float32)
    core_rank = np.zeros(grid.shape, np.float32)
    dist_in = ndimage.distance_transform_edt(label > 0)
    rows, cols = np.indices(grid.shape)
    for k, sl in enumerate(ndimage.find_objects(label)):
        if sl is None:
            continue
        inside = label[sl] == k + 1
        d = dist_in[sl][inside]
        edge[sl][inside] = d / d.max()
        cr, cc = rows[sl][inside].mean(), cols[sl][inside].mean()
        dc = np.hypot(rows[sl][inside] - cr, cols[sl][inside] - cc)
        core_rank[sl][inside] = (np.argsort(np.argsort(dc)) + 0.5) / dc.size
    return {"label": label, "edge": edge, "core_rank": core_rank, "jitter": rng.uniform(0, 1, grid.shape).astype(np.float32)}


def bare_fraction(mines: gpd.GeoDataFrame, fields: dict[str, np.ndarray], year: int, years: list[int]) -> np.ndarray:
    """Bare (disturbed) fraction of each pixel in ``year``, float32 [0, 1], 0 outside mines.

    - restoring: bare until ``last_active_year``; revegetation starts at the edges one year later and reaches the
      centre 1.5–2 years after that, at ``recovery_rate`` vegetation cover per year (capped at 0.95).
    - active: the ``core_rank`` share ``bare_share0`` is bare in the first year, growing linearly to all of the
      footprint in the last year.
    - stable: the central ``stable_share`` of the footprint (by ``core_rank``) is bare every year, the rim vegetated.
    """
    label, edge, core_rank, jitter = fields["label"], fields["edge"], fields["core_rank"], fields["jitter"]
    out = np.zeros(label.shape, np.float32)
    span = max(years[-1] - years[0], 1)
    for k, mine in enumerate(mines.itertuples()):
        inside = label == k + 1
        if mine.trajectory == "restoring":
            start = mine.last_active_year + 1 + 1.5 * edge[inside] + 0.5 * jitter[inside]
            cover = np.clip(mine.recovery_rate * (year - start + 1), 0, 0.95)
            out[inside] = 1 - cover
        elif mine.trajectory == "active":
            share = mine.bare_share0 + (1 - mine.bare_share0) * (year - years[0]) / span
            out[inside] = (core_rank[inside] <= share + 1e-6).astype(np.float32)
        else:
            out[inside] = (core_rank[inside] <= mine.stable_share).astype(np.float32) * 0.95
    return out


def town_kernel(shape: tuple[int, int], resolution: float, centres: list[tuple[float, float]], sigma_m: float) -> np.ndarray:
    """Sum of Gaussian kernels (peak 1) around map-pixel centres, float64 of ``shape``."""
    rows, cols = np.indices(shape)
    out = np.zeros(shape)
    for r, c in centres:
        out += np.exp(-((rows - r) ** 2 + (cols - c) ** 2) * resolution**2 / (2 * sigma_m**2))
    return out
