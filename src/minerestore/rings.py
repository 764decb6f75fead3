"""Distance rings around mines and statistics by ring and by mine size class (methods.md §7.2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage

#: upper bounds (km²) of the mine size classes of the mining-cities study: <0.25, 0.25–0.5, 0.5–0.75, 0.75–1, >=1
AREA_CLASS_BOUNDS = (0.25, 0.5, 0.75, 1.0)


def ring_zones(inside_group: np.ndarray, inside_any: np.ndarray, resolution: float, width_km: float,
               max_km: float) -> np.ndarray:
    """Ring number of every pixel around a group of mines.

    Ring 0 = inside the group's mines; ring k >= 1 = pixels whose distance to the nearest mine of the group
    (pixel centres, Euclidean, ``scipy.ndimage.distance_transform_edt``) lies in ((k − 1) w, k w], w =
    ``width_km``, up to ``max_km``. Overlapping mines and overlapping rings: distances are to the *union* of the
    group's mines, so every pixel belongs to one ring only (its nearest mine), and pixels inside any other mine
    are left out of rings >= 1.

    Returns
    -------
    ndarray (rows, cols) int16: ring number, −1 outside every ring.
    """
    distance_km = ndimage.distance_transform_edt(~inside_group) * resolution / 1000.0
    ring = np.ceil(distance_km / width_km).astype(np.int16)
    ring[(distance_km > max_km) | (inside_any & ~inside_group)] = -1
    ring[inside_group] = 0
    return ring


def ring_stats(layers: dict[str, np.ndarray], rings: np.ndarray, width_km: float) -> pd.DataFrame:
    """Mean, std and pixel count of each layer per ring (NaN pixels skipped).

    Returns
    -------
    DataFrame index, ring, ring_km (outer distance of the ring; 0 for inside), mean, std, n_px.
    """
    rows = []
    for name, values in layers.items():
        ok = np.isfinite(values) & (rings >= 0)
        frame = pd.DataFrame({"ring": rings[ok], "v": values[ok]})
        g = frame.groupby("ring")["v"].agg(["mean", "std", "count"]).reset_index()
        for r in g.itertuples():
            rows.append({"index": name, "ring": int(r.ring), "ring_km": r.ring * width_km, "mean": r.mean,
                         "std": r.std, "n_px": int(r.count)})
    return pd.DataFrame(rows, columns=["index", "ring", "ring_km", "mean", "std", "n_px"])


def area_class(area_km2: pd.Series, bounds=AREA_CLASS_BOUNDS) -> pd.Series:
    """Size class label of each mine: '<0.25', '0.25-0.5', '0.5-0.75', '0.75-1', '>=1' (km²)."""
    labels = [f"<{bounds[0]:g}"] + [f"{a:g}-{b:g}" for a, b in zip(bounds[:-1], bounds[1:])] + [f">={bounds[-1]:g}"]
    codes = np.digitize(area_km2.to_numpy(), bounds)
    return pd.Series([labels[c] for c in codes], index=area_km2.index)
