"""The realistic synthetic twin (config ``synthetic.realism: realistic``): what makes real imagery of mines hard.

On the basic twin mines are round, bare or smoothly revegetating, and nothing else in the scene looks like a mine,
so every identification method is near-perfect there. A realistic scene adds, on the same terrain and land cover:

- **mine footprints** from real mine outlines (the Amazon Mining Watch polygons: simplified to the pixel, rescaled to
  the scene's size distribution) or, without them, compound outlines of our own (two to four overlapping elongated
  lobes), and an inner structure: the material's own tone, pit benches, a brighter waste dump, tailings ponds (water
  inside mines) and haul roads leading away from them;
- **confusers**, the land the studies name as mistaken for mines (:data:`CONFUSERS`): fallow farmland (bare in some
  years) and harvested fields (bare in the late-season dates of some years), construction sites (bare for two years,
  then built), river sand bars and mudflats, bare rock outcrops, landslide scars (bare, then revegetating like a
  restoring mine), villages, and the haul roads;
- **imaging defects** per acquisition: haze and thin cloud that the quality band does not flag, cloud shadow beyond
  the flagged one, sensor noise with column striping, mixed pixels at every edge (a Gaussian point-spread function),
  sub-pixel misregistration between years (and a little between dates), and phenology (green-up date, amplitude and a
  drought factor on vigour) that differs by year.

Truth: ``truth/classes.tif`` holds the static confusers' land cover (villages built-up, sand bars, haul roads and
landslide scars bare soil, outcrops bare rock; fallow fields stay cropland, construction sites their former class)
and ``truth/confusers.tif`` each confuser's type (codes of :data:`CONFUSERS`, 0 elsewhere). The per-mine truth
(trajectory, BSP) is that of the basic twin: ponds and benches are part of the mine's disturbed surface.

Numbers are judgement, not measurements of any real region: shares and sizes were chosen so that each confuser and
defect is common enough to matter on a 10 km scene (docs/methods.md, the synthetic twin).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
from rasterio.features import rasterize
from scipy import ndimage
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

from minerestore.sources.synthetic.imagery import Rendered
from minerestore.sources.synthetic.landscape import real_footprints
from minerestore.sources.synthetic.spectra import (
    BUILT,
    CROP,
    GRASS,
    LST_K,
    MINE,
    REFLECTANCE,
    ROCK,
    SOIL,
    WATER,
    as_array,
)
from minerestore.sources.synthetic.terrain import fractal_surface
from minerestore.topography import slope_degrees

log = logging.getLogger(__name__)

#: Confuser types of ``truth/confusers.tif`` (code -> name).
CONFUSERS = {1: "fallow_farmland", 2: "construction_site", 3: "sand_bar", 4: "rock_outcrop", 5: "landslide_scar",
             6: "village", 7: "haul_road"}
FALLOW, CONSTRUCTION, SAND_BAR, OUTCROP, LANDSLIDE, VILLAGE, HAUL_ROAD = range(1, 8)
#: The real outlines ``footprints_file: auto`` takes when they are there (a path from the working directory).
AUTO_FOOTPRINTS = "../shared/data/amazon-mining-watch/mining_202000_simplified.geojson"

SAND = np.array((0.13, 0.17, 0.21, 0.25, 0.33, 0.27), np.float32)
MUD = np.array((0.07, 0.09, 0.11, 0.14, 0.16, 0.13), np.float32)
HAZE = np.array((0.30, 0.27, 0.24, 0.22, 0.14, 0.10), np.float32)
#: class -> reflectance (float32 lookup of the basic twin's spectra)
SPECTRA = as_array(REFLECTANCE)
#: Shares: crop parcels fallow in a year, parcels harvested before the season ends in a year, mines with a pond.
FALLOW_SHARE, HARVEST_SHARE, POND_SHARE = 0.15, 0.3, 0.4


def resolve_footprints(path: str | None) -> str | None:
    """The outline file to use: ``auto`` is :data:`AUTO_FOOTPRINTS` when it exists, else None (generated outlines,
    logged); any other path is returned as given (a missing file fails where it is read, naming it)."""
    if path != "auto":
        return path
    if Path(AUTO_FOOTPRINTS).exists():
        return AUTO_FOOTPRINTS
    log.warning("footprints_file auto: %s is not there (run from a checkout beside ../shared); the mines get "
                "generated outlines", Path(AUTO_FOOTPRINTS).resolve())
    return None


def real_outlines(path: str, crs: str, rng: np.random.Generator, n: int, *, radius_m: float,
                  resolution: float) -> list[Polygon]:
    """``n`` real mine outlines (:func:`~minerestore.sources.synthetic.landscape.real_footprints`: centred on (0, 0),
    rotated at random) for a realistic scene: each simplified to the pixel size and rescaled to the area of a circle
    of log-normal radius (median ``radius_m``, clipped as the basic twin's sizes), so real shapes come at the
    scene's sizes. Raises as ``real_footprints`` (a file with too few polygons is named)."""
    radii = np.clip(rng.lognormal(np.log(radius_m), 0.6, n), 60, 3.25 * radius_m)
    out = []
    for shape, radius in zip(real_footprints(path, crs, rng, n), radii):
        shape = shape.simplify(resolution / 2)
        factor = float(np.sqrt(np.pi * radius**2 / shape.area))
        out.append(affinity.scale(shape, factor, factor, origin=(0, 0)))
    return out


def compound_outline(rng: np.random.Generator, radius_m: float) -> Polygon:
    """A mine outline of our own for a realistic scene without real outlines, centred on (0, 0), of the area of a
    circle of ``radius_m``: two to four overlapping elliptical lobes of aspect 1.5–4 along a common direction
    (elongated, indented outlines, not round blobs). Drawn afresh at each placement try, as the basic twin's."""
    angle = rng.uniform(0, 180)
    lobes = []
    for _ in range(int(rng.integers(2, 5))):
        lobe = affinity.scale(Point(0, 0).buffer(1.0, 16), rng.uniform(1.5, 4.0), 1.0)
        lobe = affinity.rotate(lobe, angle + rng.normal(0, 25), origin=(0, 0))
        lobes.append(affinity.translate(lobe, *rng.normal(0, 0.9, 2)))
    shape = unary_union(lobes)
    c = shape.centroid
    factor = float(np.sqrt(np.pi * radius_m**2 / shape.area))
    return affinity.scale(affinity.translate(shape, -c.x, -c.y), factor, factor, origin=(0, 0))


@dataclass
class Realism:
    """What a realistic scene adds to the basic one, on the scene grid (see the module docstring)."""

    confusers: np.ndarray  # uint8 codes of CONFUSERS
    parcels: np.ndarray  # int32 crop parcel id, 0 elsewhere
    fallow: dict  # year -> bool (n_parcels + 1,) fallow that year
    harvest_day: dict  # year -> float (n_parcels + 1,) day of season after which harvested (inf: not harvested)
    construction_start: np.ndarray  # int16 year construction starts (0 elsewhere)
    landslide_year: np.ndarray  # int16 year of the slide (0 elsewhere)
    tone: np.ndarray  # float32 brightness of the bare mine surface (1 outside mines)
    pond: np.ndarray  # bool tailings ponds
    road_mine: np.ndarray  # int32 the mine (k + 1) a haul road pixel serves
    shifts: dict  # year -> (dy, dx) px misregistration
    phenology: dict  # year -> dict(pheno_peak, pheno_amplitude, vigour)
    resolution: float


def build(classes: np.ndarray, dem: np.ndarray, water: np.ndarray, river_dist: np.ndarray, mines: gpd.GeoDataFrame,
          fields: dict, grid, towns: list[tuple[int, int]], years: list[int], rng: np.random.Generator) -> Realism:
    """Place the confusers and the mines' inner structure; updates ``classes`` in place for the static confusers.

    ``fields`` are the mine pixel fields (:func:`~.landscape.mine_pixel_fields`); their ``core_rank`` is replaced
    in place (:func:`_mine_structure`). ``towns`` are the town centres (row, col). Counts scale with the scene's
    area (per 100 km²: 6 construction sites, 16 outcrops, 8 landslide scars, 6 villages; at least one of each);
    70 % of the mines have a haul road.
    """
    res = grid.resolution
    scale = max(classes.size * res**2 / 1e8, 0.05)
    near_mine = ndimage.binary_dilation(fields["label"] > 0, iterations=max(1, int(round(30 / res))))
    canvas = _Canvas(classes, ~near_mine & ~water & ~np.isin(classes, (BUILT,)), grid, rng)
    slope = slope_degrees(ndimage.gaussian_filter(dem, 30 / res), res)
    centres = list(towns) + _villages(canvas, slope, river_dist, scale)
    construction_start = _construction_sites(canvas, centres, years, scale)
    patch = _sand_bars(canvas, river_dist, slope)
    landslide_year = _outcrops_and_landslides(canvas, dem, slope, patch, years, scale)
    parcels, fallow, harvest_day = _parcels(canvas, years)
    tone, pond, road_mine = _mine_structure(canvas, mines, fields, water, centres)
    shifts = {y: tuple(rng.uniform(-0.6, 0.6, 2)) for y in years}
    phenology = {y: {"pheno_peak": float(rng.uniform(7.0, 8.4)), "pheno_amplitude": float(rng.uniform(0.05, 0.2)),
                     "vigour": float(rng.choice([1.0, 1.0, 0.97, 0.88]))} for y in years}
    log.info("realistic scene: %s", ", ".join(f"{CONFUSERS[c]} {int((canvas.confusers == c).sum())} px"
                                               for c in CONFUSERS))
    return Realism(canvas.confusers, parcels, fallow, harvest_day, construction_start, landslide_year, tone, pond,
                   road_mine, shifts, phenology, res)


class _Canvas:
    """The scene grid being given its confusers: the land they may take (``free``), what is placed so far
    (``confusers``), the truth classes to update, and the scene's draws."""

    def __init__(self, classes: np.ndarray, free: np.ndarray, grid, rng: np.random.Generator):
        self.classes, self.free, self.grid, self.rng = classes, free, grid, rng
        self.confusers = np.zeros(classes.shape, np.uint8)
        self.rows, self.cols = np.indices(classes.shape)

    def stamp(self, mask: np.ndarray, code: int, cls: int | None = None) -> np.ndarray:
        """Give the free, still unused pixels of ``mask`` the confuser ``code`` (and truth class ``cls``)."""
        mask = mask & self.free & (self.confusers == 0)
        self.confusers[mask] = code
        if cls is not None:
            self.classes[mask] = cls
        return mask

    def place(self, n: int, where: np.ndarray, make) -> None:
        """Call ``make(row, col)`` at ``n`` free pixels of ``where`` drawn at random."""
        spots = np.argwhere(where & self.free)
        if len(spots):
            for r, c in spots[self.rng.choice(len(spots), size=min(n, len(spots)), replace=False)]:
                make(int(r), int(c))

    def mask(self, geom) -> np.ndarray:
        return rasterize([(geom, 1)], out_shape=self.classes.shape, transform=self.grid.transform,
                         dtype="uint8").astype(bool)

    def xy(self, r, c):
        """Map coordinates of pixel centres."""
        return self.grid.transform @ (c + 0.5, r + 0.5)

    def distance(self, r: float, c: float) -> np.ndarray:
        """Distance of every pixel from (r, c), px."""
        return np.hypot(self.rows - r, self.cols - c)


def _villages(canvas: _Canvas, slope: np.ndarray, river_dist: np.ndarray, scale: float) -> list[tuple[int, int]]:
    """Small built-up clusters (radius 60–150 m) on gentle land 100–1200 m from a river; returns their centres."""
    centres, res = [], canvas.grid.resolution

    def village(r, c):
        centres.append((r, c))
        radius = canvas.rng.uniform(60, 150) / res
        distance = canvas.distance(r, c)
        blob = distance < radius * (0.7 + 0.6 * canvas.rng.uniform(size=canvas.classes.shape) ** 4)
        canvas.stamp(ndimage.binary_opening(blob) | (distance < 0.6 * radius), VILLAGE, BUILT)

    canvas.place(max(1, round(6 * scale)), (slope < 6) & (river_dist > 100) & (river_dist < 1200), village)
    return centres


def _construction_sites(canvas: _Canvas, centres: list, years: list[int], scale: float) -> np.ndarray:
    """Rectangles of 60–250 m within 1.5 km of a town or village; returns the year each pixel's site starts
    (int16, 0 elsewhere): bare for two years from then, built after."""
    start = np.zeros(canvas.classes.shape, np.int16)
    if not centres:
        return start
    near_town = np.zeros(canvas.classes.shape, bool)
    for r, c in centres:
        near_town |= canvas.distance(r, c) * canvas.grid.resolution < 1500

    def site(r, c):
        x, y = canvas.xy(r, c)
        w, h = canvas.rng.uniform(60, 250, 2)
        geom = affinity.rotate(Polygon([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]),
                               canvas.rng.uniform(0, 90), origin=(0, 0))
        mask = canvas.stamp(canvas.mask(affinity.translate(geom, x, y)), CONSTRUCTION)
        start[mask] = int(canvas.rng.integers(years[0] - 1, years[-1] + 1))

    canvas.place(max(1, round(6 * scale)), near_town, site)
    return start


def _sand_bars(canvas: _Canvas, river_dist: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Sand bars and mudflats: patches of the gentle land within 50 m of a channel. Returns the patch field
    (float [0, 1]) that also shapes the outcrops."""
    patch = fractal_surface(canvas.classes.shape, 2.0, canvas.rng)
    bank = (river_dist > 0) & (river_dist <= 50) & (slope < 8)
    canvas.stamp(bank & (patch > np.quantile(patch[bank], 0.55) if bank.any() else bank), SAND_BAR, SOIL)
    return patch


def _outcrops_and_landslides(canvas: _Canvas, dem: np.ndarray, slope: np.ndarray, patch: np.ndarray,
                             years: list[int], scale: float) -> np.ndarray:
    """Rock outcrops (30–110 m) on sloping mid-elevation ground and landslide scars elongated down slopes over 15°;
    returns the year of each scar pixel's slide (int16, 0 elsewhere; from three years before the first year)."""
    rng, res = canvas.rng, canvas.grid.resolution
    mid = (dem > np.percentile(dem, 40)) & (dem < np.percentile(dem, 90))
    canvas.place(max(1, round(16 * scale)), mid & (slope > 8),
                 lambda r, c: canvas.stamp(canvas.distance(r, c) * res < rng.uniform(30, 110) * (0.8 + 0.4 * patch),
                                           OUTCROP, ROCK))
    year = np.zeros(canvas.classes.shape, np.int16)
    gy, gx = np.gradient(ndimage.gaussian_filter(dem, 50 / res))

    def slide(r, c):
        x, y = canvas.xy(r, c)
        angle = np.degrees(np.arctan2(-gy[r, c], gx[r, c]))  # the fall line in map axes (rows run north to south)
        geom = affinity.rotate(affinity.scale(Point(0, 0).buffer(1.0, 16), rng.uniform(60, 160), rng.uniform(20, 45)),
                               angle, origin=(0, 0))
        mask = canvas.stamp(canvas.mask(affinity.translate(geom, x, y)), LANDSLIDE, SOIL)
        year[mask] = int(rng.integers(years[0] - 3, years[-1]))

    canvas.place(max(1, round(8 * scale)), slope > 15, slide)
    return year


def _parcels(canvas: _Canvas, years: list[int]) -> tuple[np.ndarray, dict, dict]:
    """Crop parcels (blocks of 150–400 m cut by a jittered grid; int32 id, 0 off the farmland), whether each is
    fallow in each year (:data:`FALLOW_SHARE`), and its harvest day in each year as a share of the season
    (:data:`HARVEST_SHARE` of them, between 0.4 and 0.9; inf when not harvested in the season)."""
    rng, rows, cols = canvas.rng, canvas.rows, canvas.cols
    h, w = (rng.uniform(15, 40, 2) * 10 / canvas.grid.resolution).astype(int) + 1
    block = (rows + (cols // w) * 7) // h * (canvas.classes.shape[1] // w + 1) + cols // w
    ids, parcels = np.unique(np.where((canvas.classes == CROP) & canvas.free, block + 1, 0), return_inverse=True)
    parcels = parcels.reshape(canvas.classes.shape).astype(np.int32) + int(ids[0] != 0)
    n = int(parcels.max())
    fallow = {y: np.r_[False, rng.uniform(size=n) < FALLOW_SHARE] for y in years}
    harvest_day = {y: np.r_[np.inf, np.where(rng.uniform(size=n) < HARVEST_SHARE, rng.uniform(0.4, 0.9, n), np.inf)]
                   for y in years}
    canvas.confusers[(parcels > 0) & (canvas.confusers == 0)] = FALLOW
    return parcels, fallow, harvest_day


def _mine_structure(canvas: _Canvas, mines: gpd.GeoDataFrame, fields: dict, water: np.ndarray,
                    centres: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each mine's tone (its material ×0.75–1.25; benches, a ±12 % ripple with depth; a waste dump ×1.15 on the
    side of a random direction), a tailings pond in :data:`POND_SHARE` of them (on the other side), a haul road from
    70 % of them towards the nearest town or village (at most 800 m + an eighth of the outline). ``core_rank`` is
    replaced: an active mine's bare ground advances along a working face (rank of 0.7 x the position along the
    direction + 0.3 x the depth from the edge), not as a growing disc. Returns tone (float32, 1 outside mines), pond
    (bool) and the mine (k + 1) each haul-road pixel serves (int32)."""
    rng, rows, cols = canvas.rng, canvas.rows, canvas.cols
    label, edge = fields["label"], fields["edge"]
    tone = np.ones(label.shape, np.float32)
    pond = np.zeros(label.shape, bool)
    road_mine = np.zeros(label.shape, np.int32)
    targets = [Point(*canvas.xy(r, c)) for r, c in centres]
    for k, geom in enumerate(mines.geometry):
        inside = label == k + 1
        d = edge[inside]
        centre = geom.representative_point()
        theta = rng.uniform(0, 2 * np.pi)
        px, py = canvas.xy(rows[inside], cols[inside])
        along = (px - centre.x) * np.cos(theta) + (py - centre.y) * np.sin(theta)
        dump = along > np.quantile(along, 0.8)
        face = 0.7 * (along - along.min()) / max(np.ptp(along), 1e-9) + 0.3 * (1 - d)
        fields["core_rank"][inside] = (np.argsort(np.argsort(face)) + 0.5) / face.size
        benches = 1 + 0.12 * np.sin(2 * np.pi * d * max(geom.area**0.5 / 40, 1))
        tone[inside] = rng.uniform(0.75, 1.25) * np.where(dump, 1.15, benches * (0.85 + 0.15 * d))
        if rng.uniform() < POND_SHARE and inside.sum() > 20:
            seed_px = np.flatnonzero((along < np.quantile(along, 0.35)) & (d > 0.25))
            if seed_px.size:
                radius = np.sqrt(rng.uniform(0.04, 0.12) * inside.sum() / np.pi)
                pond |= inside & (canvas.distance(rows[inside][seed_px[0]], cols[inside][seed_px[0]]) < radius)
        if targets and rng.uniform() < 0.7:
            target = min(targets, key=lambda t: t.distance(centre))
            line = LineString([centre, target])
            end = line.interpolate(min(line.length, 800 + geom.length / 8))
            road = LineString([centre, end]).buffer(rng.uniform(4, 7)).difference(geom.buffer(5))
            if not road.is_empty:
                mask = canvas.mask(road) & ~water & (label == 0) & (canvas.confusers == 0)
                canvas.confusers[mask] = HAUL_ROAD
                canvas.classes[mask] = SOIL
                road_mine[mask] = k + 1
    return tone, pond, road_mine


def apply_year(r: Realism, refl: np.ndarray, lst: np.ndarray, year: int, fbare: np.ndarray,
               mines: gpd.GeoDataFrame) -> None:
    """Put the year's mine structure and confusers into the year's surface (in place): ``refl`` (6, rows, cols)
    reflectance and ``lst`` (rows, cols) K from the basic twin's surface; ``fbare`` the mines' bare fraction."""
    inside = fbare > 0
    refl[:, inside] += (fbare[inside] * (r.tone[inside] - 1))[None] * SPECTRA[MINE][:, None]
    pond = r.pond & inside
    refl[:, pond] = SPECTRA[WATER][:, None]
    lst[pond] = LST_K[WATER]

    def paint(mask, spectrum, temperature, share=1.0):
        share = np.broadcast_to(np.asarray(share, np.float32), mask.shape)[mask]
        refl[:, mask] = share * spectrum[:, None] + (1 - share) * refl[:, mask]
        lst[mask] = share * temperature + (1 - share) * lst[mask]

    paint((r.parcels > 0) & r.fallow[year][r.parcels], SPECTRA[SOIL], LST_K[SOIL])
    started = (r.construction_start > 0) & (r.construction_start <= year)
    paint(started & (year < r.construction_start + 2), SPECTRA[MINE] * 0.95, LST_K[MINE])
    paint(started & (year >= r.construction_start + 2), SPECTRA[BUILT], LST_K[BUILT])
    sand = r.confusers == SAND_BAR
    wet = ndimage.binary_erosion(sand) ^ sand
    paint(sand & ~wet, SAND, LST_K[SOIL])
    paint(wet, MUD, LST_K[GRASS])
    slid = (r.landslide_year > 0) & (r.landslide_year <= year)
    paint(slid, SPECTRA[SOIL], LST_K[SOIL], np.clip(1 - 0.15 * (year - r.landslide_year), 0.3, 1))
    active = np.r_[False, [m.last_active_year >= year - 1 for m in mines.itertuples()]]
    road = r.road_mine > 0
    paint(road, SPECTRA[MINE], LST_K[MINE], np.where(active[r.road_mine], 1.0, 0.6))


def dated_surface(r: Realism, refl: np.ndarray, lst: np.ndarray, year: int, season_fraction: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The surface of one date: the year's, with the parcels harvested before ``season_fraction`` (0 at the
    season's start, 1 at its end) bare (a copy; the year's arrays when none is)."""
    cut = (r.parcels > 0) & (r.harvest_day[year][r.parcels] <= season_fraction)
    if not cut.any():
        return refl, lst
    stubble = 0.7 * SPECTRA[SOIL] + 0.3 * SPECTRA[GRASS]
    refl, lst = refl.copy(), lst.copy()
    refl[:, cut] = stubble[:, None]
    lst[cut] = LST_K[SOIL] - 2.0
    return refl, lst


def degrade(r: Realism, image: Rendered, year: int, rng: np.random.Generator) -> Rendered:
    """Imaging defects of one acquisition (the flags of ``image`` stay as they are: the quality band misses them).

    In 30 % of scenes haze (opacity up to 0.15 over the scene); in 25 % thin cloud patches (opacity up to 0.3);
    in half the scenes with a flagged shadow, a darker band beyond it; then the point-spread function (Gaussian,
    sigma 0.6 px), the year's misregistration plus 0.1 px of the date's own, and noise (0.006 per pixel, 0.003 per
    column and band).
    """
    refl, lst = image.reflectance.copy(), image.lst.copy()
    shape = lst.shape
    veil = np.zeros(shape, np.float32)
    if rng.uniform() < 0.3:
        veil += 0.15 * fractal_surface(shape, 3.2, rng).astype(np.float32)
    if rng.uniform() < 0.25:
        field = fractal_surface(shape, 2.8, rng)
        veil += 0.3 * np.clip((field - np.quantile(field, 0.85)) / 0.1, 0, 1).astype(np.float32)
    if veil.any():
        refl = refl * (1 - veil) + HAZE[:, None, None] * veil
        lst = lst - 8.0 * veil
    if image.shadow.any() and rng.uniform() < 0.5:
        k = max(1, int(round(40 / r.resolution)))
        extra = np.roll(image.shadow, (k, k), axis=(0, 1)) & ~image.shadow & (image.cloud <= 0.05)
        refl = np.where(extra, refl * 0.6, refl)
    sigma = 0.6
    refl = ndimage.gaussian_filter(refl, (0, sigma, sigma))
    lst = ndimage.gaussian_filter(lst, sigma)
    dy, dx = np.asarray(r.shifts[year]) + rng.normal(0, 0.1, 2)
    refl = ndimage.shift(refl, (0, dy, dx), order=1, mode="nearest")
    lst = ndimage.shift(lst, (dy, dx), order=1, mode="nearest")
    refl = refl + rng.normal(0, 0.006, refl.shape).astype(np.float32) + rng.normal(0, 0.003, (6, 1, shape[1])).astype(np.float32)
    return replace(image, reflectance=refl.astype(np.float32), lst=lst.astype(np.float32))
