"""Distance rings around mines and statistics by ring and by mine size class (methods.md §11.2)."""

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
    return ring_summary([ring_moments(layers, rings)], width_km)


def ring_moments(layers: dict[str, np.ndarray], rings: np.ndarray) -> pd.DataFrame:
    """Pixel count, sum and sum of squares of each layer per ring: the part of :func:`ring_stats` that adds up
    over tiles (:func:`ring_summary` turns the sums of all tiles into means and standard deviations)."""
    frames = []
    for name, values in layers.items():
        ok = np.isfinite(values) & (rings >= 0)
        ring, v = rings[ok].astype(np.int64), values[ok].astype(np.float64)
        n = np.bincount(ring)
        present = np.flatnonzero(n)
        frames.append(pd.DataFrame({"ring": present, "n": n[present], "sum": np.bincount(ring, weights=v)[present],
                                    "sumsq": np.bincount(ring, weights=v * v)[present], "index": name}))
    return pd.concat(frames, ignore_index=True)


def ring_summary(parts: list[pd.DataFrame], width_km: float, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """:func:`ring_stats` from the :func:`ring_moments` of several tiles (grouped also by the ``extra`` columns
    the parts carry, e.g. year)."""
    table = summary(parts, [*extra, "index", "ring"])
    table["ring"] = table["ring"].astype(int)
    table["ring_km"] = table["ring"] * width_km
    return table[[*extra, "index", "ring", "ring_km", "mean", "std", "n_px"]]


def moments(values: np.ndarray, **keys) -> pd.DataFrame:
    """n, sum and sum of squares of ``values`` (any shape; NaN must be left out by the caller) as a one-row table
    with the given key columns (e.g. year, index, scope), float64, to add up over tiles with :func:`summary`; no
    row for no values. numpy sums, not a pandas group-by of a frame of every pixel (4x faster)."""
    v = np.asarray(values, np.float64).ravel()
    if not v.size:  # no row: a group without pixels is not reported
        return pd.DataFrame(columns=[*keys, "n", "sum", "sumsq"])
    return pd.DataFrame([{**keys, "n": v.size, "sum": float(v.sum()), "sumsq": float(np.dot(v, v))}])


def summary(parts: list[pd.DataFrame], by: list[str]) -> pd.DataFrame:
    """Mean, sample std (ddof 1; NaN for one pixel) and n_px per group from :func:`moments` of several tiles."""
    columns = [*by, "mean", "std", "n_px"]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    total = pd.concat(parts, ignore_index=True).groupby(by)[["n", "sum", "sumsq"]].sum().reset_index()
    n = total["n"].to_numpy(float)
    mean = total["sum"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(n > 1, (total["sumsq"] - n * mean**2) / (n - 1), np.nan)
    total["mean"], total["std"], total["n_px"] = mean, np.sqrt(np.maximum(var, 0)), total["n"].astype(int)
    return total[columns]


def area_class_labels(bounds=AREA_CLASS_BOUNDS) -> list[str]:
    """Labels of the size classes, smallest first: '<0.25', '0.25-0.5', '0.5-0.75', '0.75-1', '>=1' (km²)."""
    return [f"<{bounds[0]:g}"] + [f"{a:g}-{b:g}" for a, b in zip(bounds[:-1], bounds[1:])] + [f">={bounds[-1]:g}"]


def area_class(area_km2: pd.Series, bounds=AREA_CLASS_BOUNDS) -> pd.Series:
    """Size class label of each mine (:func:`area_class_labels`)."""
    labels = area_class_labels(bounds)
    codes = np.digitize(area_km2.to_numpy(), bounds)
    return pd.Series([labels[c] for c in codes], index=area_km2.index)
