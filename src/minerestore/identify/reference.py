"""Digitised mine polygons: validation, repair, re-projection and clipping to the study area; the training split;
the mine types of a typed layer (the reference or a mine-rights file)."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from minerestore.raster.vector import polygonal

log = logging.getLogger(__name__)


def load_reference(frame: gpd.GeoDataFrame, source: str, crs: str, area: shapely.Geometry,
                   id_field: str) -> gpd.GeoDataFrame:
    """Validate and clean a reference mine layer.

    - missing CRS: error; other CRSs are re-projected to ``crs``;
    - empty or null geometries: dropped, each logged with its row;
    - invalid geometries: repaired with ``shapely.make_valid`` (polygonal parts kept), each logged;
    - non-polygon features: dropped, each logged;
    - clipped to ``area``; features left empty by the clip are dropped; mines outside it or crossing its edge are
      counted in a warning;
    - ``mine_id`` from ``id_field`` when present (must be unique), else R00001….

    Parameters
    ----------
    frame : GeoDataFrame as read from ``source`` (a path, for messages).
    id_field : attribute holding a unique mine id (config ``regions.<name>.reference_id_field``).

    Returns
    -------
    GeoDataFrame with ``mine_id`` (str), ``area_km2`` and geometry in ``crs``.

    Raises
    ------
    ValueError
        Naming ``source``: no CRS, duplicate ids (listed), no feature inside the region.
    """
    if frame.crs is None:
        raise ValueError(f"{source}: the layer has no CRS; set one (e.g. with ogr2ogr -a_srs) and rerun")
    if id_field in frame:
        ids = frame[id_field].astype(str)
        dup = sorted(ids[ids.duplicated()].unique())
        if dup:
            raise ValueError(f"{source}: duplicate {id_field} values {dup[:10]}; ids must be unique")
    else:
        ids = pd.Series([f"R{i + 1:05d}" for i in range(len(frame))], index=frame.index)
    keep = []
    geoms = []
    for i, (mid, geom) in enumerate(zip(ids, frame.geometry)):
        if geom is None or geom.is_empty:
            log.warning("%s: feature %d (%s) has an empty geometry: dropped", source, i, mid)
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            geom = polygonal(shapely.make_valid(geom))
            log.warning("%s: feature %d (%s) invalid (%s): repaired", source, i, mid, reason)
        else:
            geom = polygonal(geom)
        if geom.is_empty:
            log.warning("%s: feature %d (%s) has no polygonal part: dropped", source, i, mid)
            continue
        keep.append(mid)
        geoms.append(geom)
    out = gpd.GeoDataFrame({"mine_id": keep}, geometry=geoms, crs=frame.crs).to_crs(crs)
    outside = ~out.geometry.intersects(area)
    cut = ~outside & ~out.geometry.within(area)
    out["geometry"] = out.geometry.intersection(area)
    out = out[~out.geometry.is_empty & (out.geometry.area > 0)].reset_index(drop=True)
    if out.empty:
        raise ValueError(f"{source}: no reference mine lies inside the region; check its CRS and extent")
    if outside.any() or cut.any():
        log.warning("%s: %d of %d reference mines lie outside the region (left out) and %d cross its edge (only "
                    "their part inside counts): accuracy and training see the mines inside it only", source,
                    int(outside.sum()), len(outside), int(cut.sum()))
    out["area_km2"] = out.geometry.area / 1e6
    log.info("%s: %d of %d features kept inside the region", source, len(out), len(frame))
    return out


def train_mine_numbers(n_reference: int, train_fraction: float, rng: np.random.Generator) -> set[int]:
    """The reference mines (1-based positions) of the training share: a seeded permutation's first
    ``round(train_fraction * n_reference)``. Every identification method draws it from ``default_rng(seed)`` first,
    so all are trained on the same mines and scored on the same test mines."""
    mine_numbers = np.arange(1, n_reference + 1)
    return set(rng.permutation(mine_numbers)[: int(round(train_fraction * n_reference))].tolist())


def training_split(n_reference: int, train_fraction: float, seed: int) -> np.ndarray:
    """Which reference mines train (True) and which test (False), bool (n_reference,) in the order of the reference:
    :func:`train_mine_numbers` drawn first from ``default_rng(seed)``, as the object forest draws it."""
    train = train_mine_numbers(n_reference, train_fraction, np.random.default_rng(seed))
    return np.isin(np.arange(1, n_reference + 1), list(train))


def mine_types(mines: gpd.GeoDataFrame, typed: gpd.GeoDataFrame | None, field: str | None,
               source: str | None) -> pd.Series | None:
    """The type of each mine: the ``field`` of the polygon of ``typed`` (the reference mines or a mine-rights
    layer) it overlaps most, or of the point of ``typed`` inside it; '' where none. None, with a warning naming
    the field and the file, when no type is asked (``field`` None), the layer lacks the field, or there is no
    layer.

    Parameters
    ----------
    mines : mine polygons (one CRS with ``typed``); typed : polygons or points with ``field``, or None.
    field : config ``regions.<name>.reference_type_field``; source : the layer's path, for messages.
    """
    if field is None:
        return None
    if typed is None or field not in typed:
        have = [] if typed is None else [c for c in typed.columns if c != "geometry"]
        log.warning("regions.<name>.reference_type_field %r: %s has no such field (it has %s); the table of mines by "
                    "type is skipped", field, source or "the region (no reference_mines nor mine_rights)", have)
        return None
    out = []
    values = typed[field].where(typed[field].notna(), "").astype(str).to_numpy()  # no value: no type
    for geom in mines.geometry:
        hits = np.flatnonzero(typed.geometry.intersects(geom).to_numpy())
        if not len(hits):
            out.append("")
            continue
        overlap = typed.geometry.iloc[hits].intersection(geom).area.to_numpy()
        out.append(values[hits[int(np.argmax(overlap))]])  # points (area 0): the first inside
    return pd.Series(out, index=mines.index, name="mine_type")
