"""Min–max normalisation and the first principal component, shared by RSEI and REM.

Functions take 2-D numpy arrays (NaN = missing) or dask arrays of the whole area: global statistics (min/max,
covariance) are reduced in one pass and the per-pixel work stays lazy, so a tiled dask array gives the same
result as one in memory.
"""

from __future__ import annotations

import numpy as np

from minerestore.lazy import array_module, compute


class DegenerateIndicator(ValueError):
    """An indicator is constant over the valid pixels, so it cannot be normalised (names the indicator)."""


def _minmax_stats(arrays: dict, valid):
    """min and max of each array over ``valid`` (one reduction pass)."""
    xp = array_module(valid, *arrays.values())
    lows = [xp.nanmin(xp.where(valid, a, np.nan)) for a in arrays.values()]
    highs = [xp.nanmax(xp.where(valid, a, np.nan)) for a in arrays.values()]
    values = compute(*lows, *highs)
    n = len(arrays)
    return {k: (float(values[i]), float(values[n + i])) for i, k in enumerate(arrays)}


def pooled_minmax(parts: list[dict], valids: list) -> dict:
    """min and max of each named array over the ``valid`` pixels of several parts (years) together:
    name -> [min, max]."""
    stats = [_minmax_stats(p, ok) for p, ok in zip(parts, valids)]
    return {k: [min(s[k][0] for s in stats), max(s[k][1] for s in stats)] for k in parts[0]}


def minmax(a, low: float, high: float, name: str = "indicator"):
    """(a − low) / (high − low).

    Raises
    ------
    DegenerateIndicator
        If high == low (a constant layer), naming ``name``.
    """
    if not high > low:
        raise DegenerateIndicator(f"{name} is constant ({low:g}) over the valid pixels; it cannot be normalised")
    return (a - low) / (high - low)


def _moments(layers: list, valid) -> np.ndarray:
    """Count, sums and sums of products (upper triangle) of layers over ``valid`` pixels, in one pass; moments of
    several parts (years, tiles) add up."""
    xp = array_module(valid, *layers)
    z = [xp.where(valid, a, 0.0) for a in layers]
    k = len(layers)
    sums = [xp.sum(a) for a in z]
    prods = [xp.sum(z[i] * z[j]) for i in range(k) for j in range(i, k)]
    return np.array(compute(xp.sum(valid), *sums, *prods), float)


def _covariance_from(moments: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Covariance matrix (k x k) and count from :func:`_moments`."""
    n, sums, prods = float(moments[0]), moments[1:k + 1], iter(moments[k + 1:])
    mean = sums / n
    cov = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            cov[i, j] = cov[j, i] = (next(prods) - n * mean[i] * mean[j]) / (n - 1)
    return cov, n


def _covariance(layers: list, valid):
    """Covariance matrix (k x k) of layers over ``valid`` pixels, with the count (sums of products, one pass)."""
    return _covariance_from(_moments(layers, valid), len(layers))


def pc1(cov: np.ndarray) -> tuple[np.ndarray, float]:
    """First principal component of a covariance matrix: (loadings e1 of unit length, share λ1 / Σλ)."""
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    share = float(eigenvalues[-1] / eigenvalues.sum()) if eigenvalues.sum() > 0 else float("nan")
    return eigenvectors[:, -1], share
