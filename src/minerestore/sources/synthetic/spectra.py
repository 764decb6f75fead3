"""Per-class surface reflectance and summer land-surface temperature of the synthetic scene.

Reflectances are for the Sentinel-2 bands B02, B03, B04, B08, B11, B12 (blue, green, red, NIR, SWIR1, SWIR2;
Landsat OLI bands 2–7 are close enough at this precision). They are approximate band averages, rounded to the
nearest 0.01, of the typical spectra in the USGS Spectral Library Version 7 (Kokaly et al. 2017, USGS Data
Series 1035): green leaves / conifer and grass canopies, dry grass, loamy soil, weathered rock and mine spoil,
asphalt / concrete, water, and fresh snow (whose SWIR reflectance collapses below 0.1). They are a stand-in for
a spectral library, meant to give realistic NDVI (forest ~0.8, grass ~0.7, soil ~0.15, water < 0), MNDWI and
NDBSI contrasts, not to model any real scene.

Temperatures (K) are typical mid-summer daytime LST contrasts (vegetation cooler than bare soil and built-up,
water and snow coolest), the pattern RSEI's LST indicator relies on (Xu 2013), before an elevation lapse rate
of -6.5 K/km (ICAO standard atmosphere) is applied.
"""

from __future__ import annotations

import numpy as np

#: Truth land-cover classes of the synthetic scene (internal codes).
CLASSES = {
    1: "forest",
    2: "grassland",
    3: "cropland",
    4: "built_up",
    5: "water",
    6: "snow",
    7: "bare_rock",
    8: "bare_soil",
    9: "mine",
}
FOREST, GRASS, CROP, BUILT, WATER, SNOW, ROCK, SOIL, MINE = range(1, 10)

#: ESA WorldCover codes written to ``landcover.tif`` for each truth class (mines appear as 60 bare/sparse).
WORLDCOVER = {FOREST: 10, GRASS: 30, CROP: 40, BUILT: 50, WATER: 80, SNOW: 70, ROCK: 60, SOIL: 60, MINE: 60}

#: class -> reflectance (blue, green, red, nir, swir1, swir2)
REFLECTANCE = {
    FOREST: (0.03, 0.06, 0.03, 0.36, 0.17, 0.08),
    GRASS: (0.04, 0.08, 0.05, 0.30, 0.22, 0.12),
    CROP: (0.04, 0.09, 0.05, 0.38, 0.21, 0.11),
    BUILT: (0.09, 0.10, 0.11, 0.15, 0.19, 0.18),
    WATER: (0.06, 0.05, 0.03, 0.02, 0.01, 0.005),
    SNOW: (0.85, 0.84, 0.82, 0.74, 0.09, 0.07),
    ROCK: (0.12, 0.15, 0.18, 0.22, 0.30, 0.26),
    SOIL: (0.09, 0.13, 0.18, 0.24, 0.32, 0.28),
    MINE: (0.14, 0.18, 0.22, 0.26, 0.34, 0.31),
}
#: Background of sparse vegetation (vigour < 1 mixes towards it): dry loamy soil with litter.
BACKGROUND = (0.08, 0.11, 0.15, 0.22, 0.30, 0.25)
CLOUD = (0.50, 0.50, 0.50, 0.55, 0.45, 0.35)
SHADOW_FACTOR = 0.35

#: class -> summer daytime LST in K at the lowest elevation of the scene
LST_K = {FOREST: 297.0, GRASS: 301.0, CROP: 300.0, BUILT: 311.0, WATER: 293.0, SNOW: 271.0, ROCK: 312.0,
         SOIL: 309.0, MINE: 314.0}
#: extra warming (K) of vegetated pixels per unit of missing vigour
LST_VIGOUR_K = 8.0
LAPSE_K_PER_M = -0.0065


def as_array(table: dict) -> np.ndarray:
    """Lookup array indexed by class code: shape (10, bands) or (10,)."""
    first = next(iter(table.values()))
    width = len(first) if isinstance(first, tuple) else None
    out = np.zeros((10, width) if width else 10, np.float32)
    for code, values in table.items():
        out[code] = values
    return out
