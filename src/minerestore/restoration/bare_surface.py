"""Bare Surface Percentage (BSP) of mines and restoration rates (methods.md §6.1, §6.3)."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from minerestore.indices import bare_layer
from minerestore.raster.grid import Grid
from minerestore.raster.zonal import zonal

log = logging.getLogger(__name__)

#: Fewest observed pixels (coverage-weighted) a mine-year needs for a BSP: below one pixel's area it would be the
#: bare share of a fraction of a pixel.
MIN_VALID_PX = 1.0


def bsp_table(ndvi_by_year: dict[int, np.ndarray], water: np.ndarray | None, mines: gpd.GeoDataFrame, grid: Grid,
              threshold: float) -> pd.DataFrame:
    """BSP of every mine in every year (the Yangtze study's Eq. 1: BSP_t = S_bt / S_t x 100).

    ``BSP = 100 x bare_px / valid_px``: valid pixels are the pixels of the mine that have a growing-season NDVI,
    bare pixels those with NDVI < ``threshold``, and each pixel counts with the fraction of its area inside the
    mine (exactextract coverage fractions, methods.md §6.1). S_t is the whole mine, as in the study: a pit lake or
    the river's edge inside the polygon has NDVI < 0.4 and counts as bare. Only pixels without any clear
    observation in the season are left out (``unobserved_px``). Given a ``water`` mask, its pixels are left out
    of both counts as well (config ``restoration.bsp_exclude_water``, a deviation from the study).

    Parameters
    ----------
    ndvi_by_year : dict year -> ndarray (rows, cols) float32, growing-season NDVI (NaN = no clear observation).
    water : ndarray (rows, cols) bool, the water mask to leave out; None to count every observed pixel.
    mines : GeoDataFrame with unique ``mine_id``, in the grid CRS.
    threshold : NDVI below which a pixel is bare (config ``thresholds.bsp_ndvi``; the study: 0.4).

    Returns
    -------
    DataFrame: mine_id, year, valid_px, bare_px, unobserved_px (coverage-weighted pixel counts; unobserved: no
    clear observation that season), bsp_pct (NaN when a mine has less than :data:`MIN_VALID_PX` valid pixel
    that year; logged as a warning when it has some).

    Raises
    ------
    ValueError
        On duplicate mine ids (listed).
    """
    dup = mines["mine_id"][mines["mine_id"].duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"duplicate mine_id values {dup[:10]}: mine ids must be unique")
    columns = ["mine_id", "year", "valid_px", "bare_px", "unobserved_px"]
    frames = []
    for year, ndvi in sorted(ndvi_by_year.items()):
        excluded = np.zeros(ndvi.shape, bool) if water is None else water
        unobserved = np.where(excluded, np.nan, ~np.isfinite(ndvi)).astype(np.float32)
        stats = zonal({"bare": bare_layer(ndvi, excluded, threshold), "unobserved": unobserved},
                      mines[["mine_id", "geometry"]], grid, ["count", "sum"], "mine_id")
        frames.append(pd.DataFrame({"mine_id": stats["mine_id"], "year": year, "valid_px": stats["bare_count"],
                                    "bare_px": stats["bare_sum"], "unobserved_px": stats["unobserved_sum"]}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    small = out[(out["valid_px"] > 0) & (out["valid_px"] < MIN_VALID_PX)]
    if len(small):
        log.warning("%d mine-years of %d mines have less than one pixel's area observed (smallest %.2f px, mine %s): "
                    "their BSP would come from a fraction of a pixel and is left out (NaN); a finer grid measures "
                    "them", len(small), small["mine_id"].nunique(), small["valid_px"].min(),
                    small.loc[small["valid_px"].idxmin(), "mine_id"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bsp_pct"] = np.where(out["valid_px"] >= MIN_VALID_PX, 100 * out["bare_px"] / out["valid_px"], np.nan)
    return out.sort_values(["mine_id", "year"]).reset_index(drop=True)


def restoration_rate(bare_km2: pd.Series, base: float, convention: str) -> pd.Series:
    """Restoration rate (%) of a bare area against the base year's (methods.md §6.3).

    ``convention`` (config ``restoration.rr_convention``) ``'base'``: RR = (S_base − S_t) / S_base x 100, the
    text's definition: the treated area compared with the bare area of the base year; RR > 0 means the bare
    surface shrank, 100 = fully revegetated. ``convention='printed'``: RR = (S_base − S_t) / S_t x 100, the
    formula as printed in the Yangtze study. Undefined (NaN) when the denominator is 0.

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


def rate_tables(bsp: pd.DataFrame, mines: pd.DataFrame, base_year: int,
                convention: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Restoration rates by sub-region (plus ``all``) and by mine, per year, against ``base_year``
    (methods.md §6.3).

    A mine's bare area in a year is S = BSP / 100 x its area (km², the polygon area, so the coverage-weighted
    share of bare pixels among its cloud-free land pixels is scaled to the whole mine: clouds do not count as
    restoration). A sub-region's S_base and S_t of year t are summed over one fixed set of mines: those with a BSP
    in both the base year and t. A mine without a BSP in either year is left out of both sums and counted.

    Parameters
    ----------
    bsp : DataFrame mine_id, year, bsp_pct (NaN when the mine had no valid pixel; :func:`bsp_table`).
    mines : DataFrame mine_id, subregion, area_km2.
    base_year : the year S_base is taken from; convention : see :func:`restoration_rate` (config
        ``restoration.rr_convention``).

    Returns
    -------
    by_subregion : DataFrame subregion, base_year, year, n_mines (in both sums), n_left_out (no BSP in the base
        year or in ``year``), bare_km2_base, bare_km2, rr_pct
    by_mine : DataFrame mine_id, subregion, base_year, year, area_km2, bare_km2_base, bare_km2, rr_pct (NaN when
        the mine has no BSP in either year)
    """
    frame = bsp[["mine_id", "year", "bsp_pct"]].astype({"mine_id": str, "year": int, "bsp_pct": float}).merge(
        mines[["mine_id", "subregion", "area_km2"]].astype({"mine_id": str}), on="mine_id")
    frame["bare_km2"] = frame["bsp_pct"] / 100 * frame["area_km2"]
    base = frame[frame["year"] == base_year].set_index("mine_id")["bare_km2"]
    frame["base_year"] = base_year
    frame["bare_km2_base"] = frame["mine_id"].map(base).astype(float)
    frame["rr_pct"] = restoration_rate(frame["bare_km2"], frame["bare_km2_base"], convention)
    frame["paired"] = frame["bare_km2"].notna() & frame["bare_km2_base"].notna()
    groups = pd.concat([frame[frame["subregion"] != "all"], frame.assign(subregion="all")])
    paired = groups.where(groups["paired"])  # unpaired mines add to no sum
    by_sub = (paired.assign(subregion=groups["subregion"], year=groups["year"], n_mines=groups["paired"])
              .groupby(["subregion", "year"], as_index=False)
              .agg(n_mines=("n_mines", "sum"), bare_km2_base=("bare_km2_base", "sum"), bare_km2=("bare_km2", "sum")))
    by_sub["n_left_out"] = groups.groupby(["subregion", "year"])["paired"].size().to_numpy() - by_sub["n_mines"]
    by_sub.loc[by_sub["n_mines"] == 0, ["bare_km2_base", "bare_km2"]] = np.nan
    by_sub["base_year"] = base_year
    by_sub["rr_pct"] = restoration_rate(by_sub["bare_km2"], by_sub["bare_km2_base"], convention)
    cols = ["base_year", "year", "bare_km2_base", "bare_km2", "rr_pct"]
    return (by_sub[["subregion", "base_year", "year", "n_mines", "n_left_out", *cols[2:]]],
            frame[["mine_id", "subregion", "base_year", "year", "area_km2", *cols[2:]]])
