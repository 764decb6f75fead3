"""A synthetic GF-2-like scene of an open-pit mining area with its land-use truth: the offline reproduction of the
U-Net+ study (Chen et al. 2022; docs/methods.md, "Land-use mapping of an open-pit mining area").

Four bands (blue, green, red, NIR, GF-2 PMS's, whose band passes are close to Sentinel-2's B02, B03, B04 and
B08) at 2-4 m, as 16-bit digital numbers (reflectance x 1000), and the seven classes of the study painted as
truth: open-pit mines (OPM) with concentric benches lit from one side and some with a pit lake, waste-dump areas
(WDA) beside them, spectrally close to the pits as the study notes (they differ by 0.01-0.02 in reflectance and by
texture and context, not by colour), haul roads (ROA) linking pits, settlements and a main road, buildings (BUI)
in settlements and at processing plants near pits, bare-soil fields (BAS), vegetation (VEG) and water (WAT): a
river and ponds. Class shares are those of a mining landscape, roads and dumps rare (the scene's own shares are
logged and tested). Sizes are in metres, so a finer resolution draws the same landscape with more pixels.

Reflectances are the first four bands of :data:`minerestore.sources.synthetic.spectra.REFLECTANCE` (the USGS
spectral library stand-ins of the Sentinel-2 scene) where a class exists there, with a smooth within-class
variation of ±8 %, pixel noise and a Gaussian point-spread of half a pixel, so class edges are mixed as in real
imagery while the truth keeps sharp edges.
"""

from __future__ import annotations

import numpy as np

from minerestore.sources.synthetic.spectra import BUILT, FOREST, GRASS, MINE, REFLECTANCE, SOIL, WATER

#: The classes the scene paints, by the study's abbreviations, in the order of the truth indexes.
CLASSES = ("OPM", "WAT", "BUI", "BAS", "ROA", "VEG", "WDA")
OPM, WAT, BUI, BAS, ROA, VEG, WDA = range(len(CLASSES))
BANDS = ("blue", "green", "red", "nir")

#: Reflectance (blue, green, red, NIR) of each class; vegetation mixes forest and grass by a smooth field.
SPECTRA = {
    OPM: REFLECTANCE[MINE][:4],
    WDA: (0.13, 0.165, 0.205, 0.245),  # loose spoil: rock and mine dust, a shade darker than the pit walls
    BAS: REFLECTANCE[SOIL][:4],
    WAT: REFLECTANCE[WATER][:4],
    ROA: (0.10, 0.11, 0.12, 0.14),  # gravel and asphalt haul roads
    BUI: REFLECTANCE[BUILT][:4],
}
FOREST_4, GRASS_4 = np.array(REFLECTANCE[FOREST][:4]), np.array(REFLECTANCE[GRASS][:4])
#: Roof spectra of buildings (concrete, blue steel, red tiles) besides the built-up average.
ROOFS = ((0.25, 0.26, 0.27, 0.29), (0.20, 0.19, 0.12, 0.17), (0.09, 0.09, 0.19, 0.24), SPECTRA[BUI])
PIT_LAKE = (0.07, 0.10, 0.07, 0.03)

#: Sizes of the landscape, m.
PIT_RADIUS_M = (250.0, 460.0)
ROAD_WIDTH_M = 16.0
RIVER_WIDTH_M = 45.0
SETTLEMENT_RADIUS_M = (250.0, 380.0)
BUILDING_SIDE_M = (12.0, 32.0)


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], sigma_px: float) -> np.ndarray:
    """Gaussian-filtered white noise scaled to zero mean and unit standard deviation."""
    from scipy import ndimage

    field = ndimage.gaussian_filter(rng.normal(size=shape), sigma_px, mode="wrap")
    return (field - field.mean()) / (field.std() or 1.0)


def blob(shape: tuple[int, int], centre: tuple[float, float], radius_px: float, rng: np.random.Generator
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An irregular round shape: (mask, normalised radius ρ 0 at the centre to 1 at the edge, angle θ) over the
    grid; its edge is ``radius_px`` · (1 + Σ a_k cos(kθ + φ_k)), k = 2 … 4, a_k up to 0.12."""
    rows, cols = np.ogrid[:shape[0], :shape[1]]
    dy, dx = rows - centre[0], cols - centre[1]
    theta = np.arctan2(dy, dx)
    edge = np.full(theta.shape, radius_px, float)
    for k in (2, 3, 4):
        edge = edge * (1 + rng.uniform(0, 0.12) * np.cos(k * theta + rng.uniform(0, 2 * np.pi)))
    rho = np.hypot(dy, dx) / edge
    return rho < 1, np.minimum(rho, 1), theta


def draw_path(labels: np.ndarray, points: list[tuple[float, float]], width_px: float, value: int,
              allowed: np.ndarray) -> None:
    """Paint ``value`` along the polyline through ``points`` (row, col), ``width_px`` wide, where ``allowed``."""
    from scipy import ndimage
    from skimage.draw import line

    line_mask = np.zeros(labels.shape, bool)
    for (r0, c0), (r1, c1) in zip(points, points[1:]):
        rr, cc = line(int(r0), int(c0), int(r1), int(c1))
        ok = (rr >= 0) & (rr < labels.shape[0]) & (cc >= 0) & (cc < labels.shape[1])
        line_mask[rr[ok], cc[ok]] = True
    distance = ndimage.distance_transform_edt(~line_mask)
    labels[(distance <= width_px / 2) & allowed] = value


def curved(a: tuple[float, float], b: tuple[float, float], rng: np.random.Generator, bend: float = 0.15,
           n: int = 8) -> list[tuple[float, float]]:
    """Points of a gently bent line from ``a`` to ``b`` (a quadratic curve whose control point is off the chord
    by up to ``bend`` of its length)."""
    a_, b_ = np.asarray(a, float), np.asarray(b, float)
    normal = np.array([-(b_ - a_)[1], (b_ - a_)[0]])
    control = (a_ + b_) / 2 + normal * rng.uniform(-bend, bend)
    t = np.linspace(0, 1, n)[:, None]
    return [tuple(p) for p in (1 - t) ** 2 * a_ + 2 * (1 - t) * t * control + t**2 * b_]


def place(rng: np.random.Generator, n: int, shape: tuple[int, int], radius: float, taken: list,
          tries: int = 400) -> list[tuple[float, float]]:
    """Up to ``n`` random centres of things of ``radius`` px, inside the grid and clear of the things in ``taken``
    ((row, col, radius) triples, which it extends): centres at least the two radii apart."""
    out = []
    margin = min(radius, shape[0] / 2 - 1)
    for _ in range(tries):
        if len(out) == n:
            break
        c = (rng.uniform(margin, shape[0] - margin), rng.uniform(margin, shape[1] - margin))
        if all(np.hypot(c[0] - t[0], c[1] - t[1]) >= radius + t[2] for t in taken):
            out.append(c)
            taken.append((*c, radius))
    return out


def truth(size_px: int, resolution_m: float, rng: np.random.Generator) -> dict:
    """The land-use truth: ``labels`` uint8 (size, size) class indexes of :data:`CLASSES`, and what the image
    needs to texture it (``pit_rho``, ``pit_theta``: benches and lighting of the pits; ``lake``: pit lakes;
    ``roof``: roof type of building pixels)."""
    shape = (size_px, size_px)
    km2 = (size_px * resolution_m / 1000) ** 2
    # sizes in px; a scene under 3 km a side shrinks them, so that it still holds pits, dumps and settlements
    px = min(1.0, size_px * resolution_m / 3000) / resolution_m
    labels = np.where(smooth_field(rng, shape, 60 * px) > 0.55, BAS, VEG).astype(np.uint8)  # bare fields ~30 %
    # river across the scene and ponds
    cols = np.arange(size_px)
    centre = size_px * rng.uniform(0.2, 0.8) + size_px * 0.08 * np.sin(2 * np.pi * cols / size_px * rng.uniform(1, 2)
                                                                        + rng.uniform(0, 2 * np.pi))
    river = list(zip(centre[::8], cols[::8])) + [(centre[-1], cols[-1])]
    draw_path(labels, river, RIVER_WIDTH_M * px, WAT, np.ones(shape, bool))
    taken = [(r, c, RIVER_WIDTH_M * px) for r, c in river]
    pit_r = PIT_RADIUS_M[1] * px
    pits = place(rng, max(2, round(0.4 * km2)), shape, 1.05 * pit_r, taken)
    settlements = place(rng, max(2, round(0.18 * km2)), shape, SETTLEMENT_RADIUS_M[1] * px, taken)
    for _ in range(max(1, round(0.12 * km2))):
        pond, _, _ = blob(shape, (rng.uniform(0, size_px), rng.uniform(0, size_px)), rng.uniform(50, 110) * px, rng)
        labels[pond & (labels != WAT)] = WAT
    # roads: a main road across, each pit and settlement to its two nearest (built before the pits, which cut them)
    hubs = pits + settlements
    road_ok = np.ones(shape, bool)
    a, b = (rng.uniform(0, size_px), 0.0), (rng.uniform(0, size_px), float(size_px - 1))
    draw_path(labels, curved(a, b, rng, 0.1, 16), ROAD_WIDTH_M * px, ROA, road_ok)
    for i, h in enumerate(hubs):
        others = [o for j, o in enumerate(hubs) if j != i]
        for o in sorted(others, key=lambda o: np.hypot(o[0] - h[0], o[1] - h[1]))[:2]:
            draw_path(labels, curved(h, o, rng), ROAD_WIDTH_M * px, ROA, road_ok)
    # pits with a waste dump beside each
    pit_rho = np.full(shape, np.nan, np.float32)
    pit_theta = np.zeros(shape, np.float32)
    lake = np.zeros(shape, bool)
    plants = []
    for centre_px in pits:
        radius = rng.uniform(*PIT_RADIUS_M) * px
        angle = rng.uniform(0, 2 * np.pi)
        dump_r = radius * rng.uniform(0.55, 0.8)
        dump_c = (centre_px[0] + np.sin(angle) * (radius + 0.7 * dump_r),
                  centre_px[1] + np.cos(angle) * (radius + 0.7 * dump_r))
        dump, _, _ = blob(shape, dump_c, dump_r, rng)
        labels[dump] = WDA
        mask, rho, theta = blob(shape, centre_px, radius, rng)
        labels[mask] = OPM
        pit_rho[mask], pit_theta[mask] = rho[mask], theta[mask]
        if rng.uniform() < 0.4:
            lake |= mask & (rho < rng.uniform(0.2, 0.35))
        plants.append((centre_px[0] - np.sin(angle) * (radius + 60 * px), centre_px[1] - np.cos(angle) * (radius + 60 * px)))
    labels[lake] = WAT
    roof = np.full(shape, -1, np.int8)
    for centre_px, radius_m, density in [*((s, rng.uniform(*SETTLEMENT_RADIUS_M), 1200) for s in settlements),
                                         *((p, 90.0, 40) for p in plants)]:
        buildings(labels, roof, centre_px, radius_m * px, round(density * (radius_m / 300) ** 2), px, rng)
    return {"labels": labels, "pit_rho": pit_rho, "pit_theta": pit_theta, "lake": lake, "roof": roof}


def buildings(labels: np.ndarray, roof: np.ndarray, centre: tuple[float, float], radius_px: float, n: int,
              px: float, rng: np.random.Generator) -> None:
    """Up to ``n`` rectangular buildings (sides :data:`BUILDING_SIDE_M`) within ``radius_px`` of ``centre``, each
    on vegetation or bare soil only, with a gap of a pixel to its neighbours and a random roof."""
    for _ in range(n):
        h, w = (max(2, round(rng.uniform(*BUILDING_SIDE_M) * px)) for _ in range(2))
        angle, dist = rng.uniform(0, 2 * np.pi), radius_px * np.sqrt(rng.uniform())
        r0, c0 = int(centre[0] + dist * np.sin(angle)), int(centre[1] + dist * np.cos(angle))
        if r0 < 1 or c0 < 1 or r0 + h + 1 >= labels.shape[0] or c0 + w + 1 >= labels.shape[1]:
            continue
        ground = labels[r0 - 1:r0 + h + 1, c0 - 1:c0 + w + 1]
        if np.isin(ground, (VEG, BAS)).all():
            labels[r0:r0 + h, c0:c0 + w] = BUI
            roof[r0:r0 + h, c0:c0 + w] = rng.integers(len(ROOFS))


def gf2_scene(size_px: int, resolution_m: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The scene: image float32 (4, size, size) reflectance of :data:`BANDS`, and truth uint8 (size, size) class
    indexes of :data:`CLASSES`. Same arguments, same arrays."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    t = truth(size_px, resolution_m, rng)
    labels, shape, px = t["labels"], (size_px, size_px), 1 / resolution_m
    image = np.zeros((4, *shape), np.float32)
    for cls, spectrum in SPECTRA.items():
        image[:, labels == cls] = np.asarray(spectrum, np.float32)[:, None]
    vigour = 1 / (1 + np.exp(-2 * smooth_field(rng, shape, 25 * px)))  # forest where high, grass where low
    veg = labels == VEG
    image[:, veg] = (vigour[veg] * FOREST_4[:, None] + (1 - vigour[veg]) * GRASS_4[:, None]).astype(np.float32)
    for k, spectrum in enumerate(ROOFS):
        image[:, t["roof"] == k] = np.asarray(spectrum, np.float32)[:, None]
    image[:, t["lake"]] = np.asarray(PIT_LAKE, np.float32)[:, None]
    pit = ~np.isnan(t["pit_rho"]) & ~t["lake"]
    benches = 1 + 0.12 * np.sign(np.sin(2 * np.pi * 6 * t["pit_rho"][pit]))  # six benches
    lit = 1 + 0.15 * t["pit_rho"][pit] * np.cos(t["pit_theta"][pit] - np.pi / 4)  # sun from the south-east
    image[:, pit] *= (benches * lit).astype(np.float32)
    lumps = labels == WDA
    image[:, lumps] *= (1 + 0.08 * smooth_field(rng, shape, 1.5)[lumps]).astype(np.float32)
    image *= (1 + 0.08 * smooth_field(rng, shape, 40 * px)).astype(np.float32)  # within-class variation
    image += rng.normal(0, 0.006, image.shape).astype(np.float32)
    image = np.stack([ndimage.gaussian_filter(band, 0.5) for band in image])
    return np.clip(image, 0.001, 1).astype(np.float32), labels


def write_gf2_scene(image_path, labels_path, *, size_px: int, resolution_m: float, seed: int, crs: str,
                    codes: dict[str, int]) -> dict[str, float]:
    """Write the scene: the image as uint16 digital numbers (reflectance x 1000, bands described blue, green, red,
    nir) and the truth as uint8 class codes (``codes``: abbreviation -> code; 255 no data); returns each class's
    share of the scene. Both files written atomically, on one grid of ``crs`` with its corner at (400 000 m,
    3 300 000 m)."""
    from minerestore.raster.grid import Grid
    from minerestore.raster.write import write_raster

    image, labels = gf2_scene(size_px, resolution_m, seed)
    x0, y0 = 400000.0, 3300000.0
    grid = Grid.from_bounds(crs, (x0, y0, x0 + size_px * resolution_m, y0 + size_px * resolution_m), resolution_m)
    dn = np.round(image * 1000).astype(np.uint16)
    write_raster(image_path, dn, grid.profile(4, "uint16", None), list(BANDS),
                 {"sensor": "synthetic GF-2 PMS", "units": "reflectance x 1000"})
    lut = np.array([codes[c] for c in CLASSES], np.uint8)
    write_raster(labels_path, lut[labels][None], grid.profile(1, "uint8", 255), ["class_code"])
    return {c: float(np.mean(labels == i)) for i, c in enumerate(CLASSES)}
