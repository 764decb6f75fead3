"""Bare Surface Percentage (BSP) of mines and restoration rates (methods.md §3.1, §7.1)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from minerestore.raster.grid import Grid
from minerestore.raster.zonal import zonal


def bare_layer(ndvi: np.ndarray, water: np.ndarray, threshold: float) -> np.ndarray:
    """1 where the growing-season NDVI is below ``threshold`` (bare), 0 where not, NaN where NDVI is missing or
    the pixel is water (not counted), float32 (rows, cols)."""
    out = (ndvi < threshold).astype(np.float32)
    out[~np.isfinite(ndvi) | water] = np.nan
    return out


def bsp_table(ndvi_by_year: dict[int, np.ndarray], water: np.ndarray, mines: gpd.GeoDataFrame, grid: Grid,
              threshold: float = 0.4) -> pd.DataFrame:
    """BSP of every mine in every year.

    ``BSP = 100 x bare_px / valid_px`` where valid pixels have an NDVI and are not water, bare pixels have
    NDVI < ``threshold`` (0.4), and each pixel counts with the fraction of its area inside the mine
    (exactextract coverage fractions; methods.md §3.1 allows centre or area-weighted, we use area-weighted).

    Parameters
    ----------
    ndvi_by_year : dict year -> ndarray (rows, cols) float32, growing-season NDVI (NaN = no clear observation).
    water : ndarray (rows, cols) bool, the water mask.
    mines : GeoDataFrame with unique ``mine_id``, in the grid CRS.

    Returns
    -------
    DataFrame: mine_id, year, valid_px, bare_px (coverage-weighted pixel counts), bsp_pct (NaN when a mine has no
    valid pixel that year).

    Raises
    ------
    ValueError
        On duplicate mine ids (listed).
    """
    dup = mines["mine_id"][mines["mine_id"].duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"duplicate mine_id values {dup[:10]}: mine ids must be unique")
    frames = []
    for year, ndvi in sorted(ndvi_by_year.items()):
        stats = zonal({"bare": bare_layer(ndvi, water, threshold)}, mines[["mine_id", "geometry"]], grid,
                      ["count", "sum"], "mine_id")
        frames.append(pd.DataFrame({"mine_id": stats["mine_id"], "year": year, "valid_px": stats["bare_count"],
                                    "bare_px": stats["bare_sum"]}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["mine_id", "year", "valid_px", "bare_px"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bsp_pct"] = np.where(out["valid_px"] > 0, 100 * out["bare_px"] / out["valid_px"], np.nan)
    return out.sort_values(["mine_id", "year"]).reset_index(drop=True)


def restoration_rate(bare_km2: pd.Series, base: float, convention: str = "base") -> pd.Series:
    """Restoration rate (%) of a bare area against the base year's (methods.md §3.1, §7.1).

    ``convention='base'`` (default): RR = (S_base − S_t) / S_base x 100, the text's definition: the treated area
    compared with the bare area of the base year; RR > 0 means the bare surface shrank, 100 = fully revegetated.
    ``convention='printed'``: RR = (S_base − S_t) / S_t x 100, the formula as printed in the Yangtze study.
    Undefined (NaN) when the denominator is 0.

    Raises
    ------
    ValueError
        For another convention.
    """
    if convention not in ("base", "printed"):
        raise ValueError(f"restoration rate convention {convention!r}: expected 'base' or 'printed'")
    denominator = base if convention == "base" else bare_km2
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100 * (base - bare_km2) / np.where(denominator == 0, np.nan, denominator)


def rate_tables(bsp: pd.DataFrame, mines: pd.DataFrame, pixel_km2: float, base_year: int,
                convention: str = "base") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Restoration rates by sub-region (plus ``all``) and by mine, per year, against ``base_year``.

    Bare area = bare_px x pixel area. A mine without a valid pixel in a year has no bare area that year and is
    left out of its sub-region's sum for that year.

    Returns
    -------
    by_subregion : DataFrame subregion, base_year, year, bare_km2_base, bare_km2, rr_pct
    by_mine : DataFrame mine_id, subregion, base_year, year, bare_km2_base, bare_km2, rr_pct
    """
    frame = bsp.astype({"mine_id": str, "year": int, "valid_px": float, "bare_px": float}).merge(
        mines[["mine_id", "subregion"]].astype({"mine_id": str}), on="mine_id")
    frame["bare_km2"] = np.where(frame["valid_px"] > 0, frame["bare_px"] * pixel_km2, np.nan)
    per_mine = frame[["mine_id", "subregion", "year", "bare_km2"]].copy()
    base = per_mine[per_mine["year"] == base_year].set_index("mine_id")["bare_km2"]
    per_mine["base_year"] = base_year
    per_mine["bare_km2_base"] = per_mine["mine_id"].map(base).astype(float)
    per_mine["rr_pct"] = restoration_rate(per_mine["bare_km2"], per_mine["bare_km2_base"], convention)
    groups = pd.concat([frame[frame["subregion"] != "all"], frame.assign(subregion="all")])
    by_sub = groups.groupby(["subregion", "year"], as_index=False)["bare_km2"].sum(min_count=1)
    base_sub = by_sub[by_sub["year"] == base_year].set_index("subregion")["bare_km2"]
    by_sub["base_year"] = base_year
    by_sub["bare_km2_base"] = by_sub["subregion"].map(base_sub).astype(float)
    by_sub["rr_pct"] = restoration_rate(by_sub["bare_km2"], by_sub["bare_km2_base"], convention)
    cols = ["base_year", "year", "bare_km2_base", "bare_km2", "rr_pct"]
    return by_sub[["subregion", *cols]], per_mine[["mine_id", "subregion", *cols]]
