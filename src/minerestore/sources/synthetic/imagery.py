"""Per-date imagery of the synthetic study area: Sentinel-2 L2A-like and Landsat C2 L2-like acquisitions.

A date's image is the year's surface (reflectance and LST) with growing-season phenology, transient snow on high
ground early in the season, occasional floods of the floodplain, fractal clouds with displaced shadows, and
sensor noise; quality bands are derived from the same masks (SCL classes and QA_PIXEL bits,
methods.md §1.1). Encoding follows the products: Sentinel-2 reflectance x 10000 (uint16, 0 = no data);
Landsat SR = (rho + 0.2) / 2.75e-5 and ST = (T - 149) / 0.00341802 (uint16, 0 = fill).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from minerestore.indices import ndvi
from minerestore.sources.synthetic.spectra import (
    BACKGROUND,
    BUILT,
    CLOUD,
    SHADOW_FACTOR,
    SNOW,
    WATER,
    as_array,
)
from minerestore.sources.synthetic.spectra import REFLECTANCE as CLASS_REFLECTANCE
from minerestore.sources.synthetic.terrain import fractal_surface

S2_BANDS = ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
LANDSAT_BANDS = ["SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7", "ST_B10", "QA_PIXEL"]


@dataclass
class Rendered:
    """One date at the scene resolution: reflectance (6, rows, cols), lst (rows, cols) in K, and masks."""

    reflectance: np.ndarray
    lst: np.ndarray
    cloud: np.ndarray  # cloud opacity 0..1
    shadow: np.ndarray
    snow: np.ndarray
    water: np.ndarray


def render(
    surface: np.ndarray,
    lst: np.ndarray,
    classes: np.ndarray,
    high_ground: np.ndarray,
    floodplain: np.ndarray,
    *,
    month: int,
    day: int,
    resolution: float,
    rng: np.random.Generator,
    cloud_max: float,
    pheno_peak: float = 7.7,
    pheno_amplitude: float = 0.08,
) -> Rendered:
    """Render one acquisition from the year's surface.

    Parameters
    ----------
    surface : (6, rows, cols) float32 reflectance of the year; lst : (rows, cols) K.
    classes : truth classes; high_ground : bool mask where early-season snow may lie; floodplain : bool mask.
    month, day : acquisition date; rng : generator of this acquisition; cloud_max : largest cloud cover (0–1).
    pheno_peak, pheno_amplitude : month (fractional) of peak greenness, and the share of the vegetation's contrast to
        bare ground lost 1.7 months from it (the realistic twin draws them per year).
    """
    shape = classes.shape
    refl = surface.copy()
    t = month + day / 30.0
    pheno = 1.0 - pheno_amplitude * min(abs(t - pheno_peak) / 1.7, 1.5)  # by default peak greenness late July
    land = ~np.isin(classes, (WATER, SNOW, BUILT))
    background = np.asarray(BACKGROUND, np.float32)[:, None, None]
    refl = np.where(land, background + (refl - background) * pheno, refl)
    snow = classes == SNOW
    if month <= 6:
        snow = snow | high_ground
    water = classes == WATER
    if month == 8 and rng.uniform() < 0.6:
        water = water | floodplain
    lookup = as_array(CLASS_REFLECTANCE)
    refl = np.where(snow, lookup[SNOW][:, None, None], refl)
    refl = np.where(water & ~snow, lookup[WATER][:, None, None], refl)
    lst = np.where(snow, 271.0, np.where(water, 293.0, lst)).astype(np.float32)

    cover = 0.0 if rng.uniform() < 0.3 else rng.uniform(0.03, cloud_max)
    cloud = np.zeros(shape, np.float32)
    shadow = np.zeros(shape, bool)
    if cover > 0:
        field = fractal_surface(shape, 3.0, rng)
        threshold = np.quantile(field, 1 - cover)
        cloud = np.clip((field - threshold) / 0.06, 0, 1).astype(np.float32)
        dy, dx = int(round(200 / resolution)), int(round(300 / resolution))
        shifted = np.zeros(shape, bool)
        shifted[dy:, dx:] = (cloud > 0.05)[: shape[0] - dy, : shape[1] - dx]
        shadow = shifted & (cloud <= 0.05)
    refl = refl * (1 - cloud) + np.asarray(CLOUD, np.float32)[:, None, None] * cloud
    refl = np.where(shadow, refl * SHADOW_FACTOR, refl)
    lst = lst * (1 - cloud) + 262.0 * cloud - 3.0 * shadow
    refl = refl + rng.normal(0, 0.004, refl.shape).astype(np.float32)
    lst = lst + rng.normal(0, 0.5, shape).astype(np.float32)
    return Rendered(refl.astype(np.float32), lst.astype(np.float32), cloud, shadow, snow & (cloud <= 0.05), water)


def sentinel2(r: Rendered) -> np.ndarray:
    """Sentinel-2 L2A-like uint16 stack (7, rows, cols): B02, B03, B04, B08, B11, B12 (x 10000) and SCL."""
    dn = np.clip(np.round(r.reflectance * 10000), 1, 65535).astype(np.uint16)
    nd = ndvi(r.reflectance[2], r.reflectance[3])
    scl = np.where(nd > 0.35, 4, 5).astype(np.uint16)
    scl[r.water] = 6
    scl[r.snow] = 11
    scl[r.shadow] = 3
    scl[(r.cloud > 0.05) & (r.cloud <= 0.6)] = 8
    scl[r.cloud > 0.6] = 9
    return np.concatenate([dn, scl[None]])


def _block_mean(a: np.ndarray, k: int) -> np.ndarray:
    rows, cols = a.shape[-2:]
    pr, pc = (-rows) % k, (-cols) % k
    pad = [(0, 0)] * (a.ndim - 2) + [(0, pr), (0, pc)]
    a = np.pad(a.astype(np.float32), pad, mode="edge")
    shape = a.shape[:-2] + (a.shape[-2] // k, k, a.shape[-1] // k, k)
    return a.reshape(shape).mean(axis=(-3, -1))


def landsat(r: Rendered, factor: int) -> np.ndarray:
    """Landsat 8 C2 L2-like uint16 stack (8, rows/factor, cols/factor): SR_B2..SR_B7, ST_B10, QA_PIXEL.

    Pixels are ``factor`` x ``factor`` block means of the rendered scene; QA_PIXEL bits: 1 dilated cloud,
    3 cloud, 4 cloud shadow, 5 snow, 6 clear, 7 water.
    """
    refl = _block_mean(r.reflectance, factor)
    lst = _block_mean(r.lst, factor)
    cloud = _block_mean(r.cloud > 0.05, factor) > 0.3
    near_cloud = ndimage.binary_dilation(cloud, iterations=1) & ~cloud
    shadow = (_block_mean(r.shadow, factor) > 0.5) & ~cloud
    snow = (_block_mean(r.snow, factor) > 0.5) & ~cloud
    water = (_block_mean(r.water, factor) > 0.5) & ~cloud
    sr = np.clip(np.round((refl + 0.2) / 2.75e-5), 1, 65535).astype(np.uint16)
    st = np.clip(np.round((lst - 149.0) / 0.00341802), 1, 65535).astype(np.uint16)
    clear = ~cloud & ~shadow & ~snow & ~near_cloud
    qa = (2 * near_cloud + 8 * cloud + 16 * shadow + 32 * snow + 64 * clear + 128 * water).astype(np.uint16)
    return np.concatenate([sr, st[None], qa[None]])


def water_history(water: np.ndarray, floodplain: np.ndarray, factor: int, rng: np.random.Generator,
                  months: list[tuple[int, int]]) -> np.ndarray:
    """JRC Global Surface Water monthly-history-like stack (months, rows/factor, cols/factor), uint8:
    0 no data, 1 not water, 2 water (methods.md §4.2). Floodplains are water in some wet-season months;
    each month loses a random 0–25 % of pixels to no data (clouds)."""
    perm = _block_mean(water, factor) > 0.5
    flood = _block_mean(floodplain, factor) > 0.5
    out = []
    for year, month in months:
        wet = perm | (flood & (month in (6, 7, 8)) & (rng.uniform() < 0.7))
        layer = np.where(wet, 2, 1).astype(np.uint8)
        gaps = fractal_surface(layer.shape, 2.4, rng)
        layer[gaps > np.quantile(gaps, 1 - rng.uniform(0, 0.25))] = 0
        out.append(layer)
    return np.stack(out)


MOD09A1_BANDS = [f"sur_refl_b0{i}" for i in range(1, 8)] + ["StateQA", "QA"]
MOD13A1_BANDS = ["NDVI", "DetailedQA"]
MOD11A2_BANDS = ["LST_Day_1km", "QC_Day"]


def _modis_flags(r: Rendered, factor: int) -> dict[str, np.ndarray]:
    """Cloud, adjacent-to-cloud, shadow, snow and water flags of ``factor`` x ``factor`` blocks (bool)."""
    cloud = _block_mean(r.cloud > 0.05, factor) > 0.3
    return {"cloud": cloud, "adjacent": ndimage.binary_dilation(cloud, iterations=1) & ~cloud,
            "shadow": (_block_mean(r.shadow, factor) > 0.5) & ~cloud,
            "snow": (_block_mean(r.snow, factor) > 0.5) & ~cloud,
            "water": (_block_mean(r.water, factor) > 0.5) & ~cloud}


def modis_reflectance(r: Rendered, factor: int, rng: np.random.Generator) -> np.ndarray:
    """MOD09A1-like int32 stack (9, rows/factor, cols/factor): sur_refl_b01..b07 (x 10000, valid -100…16000),
    StateQA and the 500 m QA band (methods.md §1.1 bit layouts).

    Band 5 (1230–1250 nm), which the six-band spectra lack, is 0.6 NIR + 0.4 SWIR1 (between the two on every
    class's spectrum). StateQA: cloud state 1 (cloudy), bit 2 shadow, bits 3–5 land (1) or deep inland water (5),
    bit 13 adjacent to cloud, bit 15 internal snow. QA 500 m: MODLAND 0 (ideal), except a random 1 % of pixels with
    band 3 quality 7 (noisy detector), which the QC rule must mask.
    """
    refl = _block_mean(r.reflectance, factor)  # blue, green, red, nir, swir1, swir2
    b5 = 0.6 * refl[3] + 0.4 * refl[4]
    bands = np.stack([refl[2], refl[3], refl[0], refl[1], b5, refl[4], refl[5]])
    dn = np.clip(np.round(bands * 10000), -100, 16000).astype(np.int32)
    f = _modis_flags(r, factor)
    state = (f["cloud"] * 1 + f["shadow"] * 4 + np.where(f["water"], 5, 1) * 8 + f["adjacent"] * (1 << 13)
             + f["snow"] * (1 << 15)).astype(np.int32)
    noisy = rng.uniform(size=state.shape) < 0.01
    qc = (noisy * (0b0111 << (2 + 4 * 2))).astype(np.int32)
    return np.concatenate([dn, state[None], qc[None]])


def modis_ndvi(r: Rendered, factor: int) -> np.ndarray:
    """MOD13A1-like int32 stack (2, rows/factor, cols/factor): NDVI x 10000 of the block-mean reflectance and the
    VI Quality band (bits 0–1: 0 good, 2 cloudy; bit 8 adjacent cloud; bit 14 snow; bit 15 shadow)."""
    refl = _block_mean(r.reflectance, factor)
    dn = np.clip(np.round(ndvi(refl[2], refl[3]) * 10000), -2000, 10000).astype(np.int32)
    f = _modis_flags(r, factor)
    qa = (f["cloud"] * 2 + f["adjacent"] * (1 << 8) + f["snow"] * (1 << 14) + f["shadow"] * (1 << 15)).astype(np.int32)
    return np.stack([dn, qa])


def modis_lst(r: Rendered, factor: int) -> np.ndarray:
    """MOD11A2-like uint16 stack (2, rows/factor, cols/factor): LST_Day_1km (K / 0.02; 0 = fill where cloudy) and
    QC_Day (bits 0–1: 0 good, 2 not produced because of cloud)."""
    cloud = _block_mean(r.cloud > 0.05, factor) > 0.3
    dn = np.where(cloud, 0, np.clip(np.round(_block_mean(r.lst, factor) / 0.02), 7500, 65535)).astype(np.uint16)
    return np.stack([dn, (cloud * 2).astype(np.uint16)])
