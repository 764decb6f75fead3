"""The samples of the land-use networks: the image on its own grid, the labels brought onto it, the patches and
their random 7 : 3 split into training and validation, and the normalisation (Chen et al. 2022, §III-B; docs/
methods.md, "Land-use mapping of an open-pit mining area").

The image is used on its own grid (a GF-2 style orthophoto at any resolution and in any CRS, or the region's
composite on the region grid): its pixels are never resampled. Labels on another grid are brought onto it by
nearest neighbour. Patches are the image cut into squares of ``patch_px`` from its top-left corner, side by side
(the study's 512 x 512 px), so no pixel of a validation patch is ever seen in training; the strips at the right
and bottom that do not fill a patch are predicted but neither trained on nor scored. Every step reads the image
and the labels tile by tile or patch by patch: memory is bounded by a tile, not the image.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from minerestore.landuse.classes import NODATA, LandUseClass, code_of_values, describe, unknown_codes
from minerestore.raster.grid import Grid

log = logging.getLogger(__name__)

#: File suffixes read as polygon layers (anything else is read as a raster).
VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite", ".parquet"}


def image_grid(path: str | os.PathLike) -> Grid:
    """The grid of an image file: its own CRS, transform and size (the stage's grid).

    Raises
    ------
    ValueError
        Naming the file when it has no CRS or is not north-up (a rotated or sheared transform).
    """
    with rasterio.open(path) as src:
        t = src.transform
        if src.crs is None:
            raise ValueError(f"{path}: the image has no CRS; set one (e.g. gdal_edit.py -a_srs) and rerun")
        if t.b != 0 or t.d != 0 or t.e >= 0:
            raise ValueError(f"{path}: the image is not north-up (transform {tuple(t)[:6]}); warp it to a north-up "
                             "grid (gdalwarp) first")
        return Grid(src.crs.to_wkt(), t, src.width, src.height)


def band_indexes(path: str | os.PathLike, names: list[str] | None, *, in_file_order: bool) -> tuple[list[int],
                                                                                                   list[str]]:
    """1-based indexes and names of the image bands the networks read.

    Parameters
    ----------
    names : the config's band names (``regions.<name>.landuse.bands``), or None.
    in_file_order : True for a multiband image: ``names`` name its bands in order (one per band), or, without
        them, the file's band descriptions do; False for a composite: ``names`` pick described bands.

    Raises
    ------
    ValueError
        Naming the file: a count of names that differs from its bands, or no names and no band descriptions.
    KeyError
        A composite without a named band (names the bands it has).
    """
    from minerestore.raster.read import band_index

    with rasterio.open(path) as src:
        if not in_file_order:
            return [band_index(src, n, path) for n in names], list(names)
        if names is None:
            names = list(src.descriptions)
            if not all(names):
                raise ValueError(f"{path}: its {src.count} bands have no descriptions; name them in order in "
                                 "regions.<name>.landuse.bands (e.g. [blue, green, red, nir] for GF-2)")
        if len(names) != src.count:
            raise ValueError(f"{path}: the image has {src.count} bands and regions.<name>.landuse.bands names "
                             f"{len(names)} ({list(names)}); name every band of the file in order")
        return list(range(1, src.count + 1)), list(names)


def read_image(src, indexes: list[int], window: Window, out_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Bands of an open image in ``window`` (inside the image; decimated to ``out_shape`` by nearest when given),
    float32 (bands, rows, cols), NaN where a band has no data: the file's no-data value or mask, NaN or ±inf, and,
    in a file that declares no no-data value, pixels that are 0 in every band (the fill of orthophotos outside the
    scene footprint: no real surface is black in all four GF-2 bands)."""
    shape = None if out_shape is None else (len(indexes), *out_shape)
    out = np.ma.filled(src.read(indexes, window=window, masked=True, out_shape=shape).astype(np.float32), np.nan)
    out[~np.isfinite(out)] = np.nan
    if src.nodata is None:
        out[:, (out == 0).all(axis=0)] = np.nan
    return out


def no_data_share(path: str | os.PathLike, indexes: list[int], max_px: int = 1024) -> float:
    """Share of the image's pixels without data (:func:`read_image`), from a preview of at most ``max_px`` a side;
    a share above 0 is logged as a warning (those pixels are not trained on or scored, and are no data in the
    maps)."""
    with rasterio.open(path) as src:
        factor = max(1, int(np.ceil(max(src.height, src.width) / max_px)))
        shape = (int(np.ceil(src.height / factor)), int(np.ceil(src.width / factor)))
        share = float(np.isnan(read_image(src, indexes, Window(0, 0, src.width, src.height), shape)).any(axis=0)
                      .mean())
    if share:
        log.warning("%s: %.1f %% of the image has no data (its no-data value, NaN, or 0 in every band where it "
                    "declares no no-data value): not trained on, not scored, no data in the maps", path, 100 * share)
    return share


def is_vector(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VECTOR_SUFFIXES


def check_overlap(labels: str | os.PathLike, image: str | os.PathLike, grid: Grid) -> None:
    """Refuse labels that do not overlap the image.

    Raises
    ------
    ValueError
        Naming both files and their bounds in the image's CRS.
    """
    if is_vector(labels):
        import geopandas as gpd

        frame = gpd.read_file(labels)
        if frame.crs is None:
            raise ValueError(f"{labels}: the label layer has no CRS; set one and rerun")
        bounds = tuple(frame.to_crs(grid.crs).total_bounds) if len(frame) else None
    else:
        with rasterio.open(labels) as src:
            if src.crs is None:
                raise ValueError(f"{labels}: the label raster has no CRS; set one and rerun")
            bounds = transform_bounds(src.crs, grid.crs, *src.bounds)
    x0, y0, x1, y1 = grid.bounds
    if bounds is None or not (bounds[0] < x1 and bounds[2] > x0 and bounds[1] < y1 and bounds[3] > y0):
        shown = "no feature" if bounds is None else tuple(round(v, 3) for v in bounds)
        raise ValueError(f"the labels {labels} ({shown} in the image's CRS) do not overlap the image {image} "
                         f"({tuple(round(v, 3) for v in grid.bounds)}); check both files and their CRS")


class LabelSource:
    """Class codes of a label raster or polygon layer on windows of the image grid (uint8, :data:`NODATA` where
    unlabelled). A raster on another grid is resampled by nearest neighbour; polygons are burnt by pixel centre,
    their class read from ``class_field`` (codes, abbreviations or names of the table)."""

    def __init__(self, path: str | os.PathLike, grid: Grid, table: list[LandUseClass], class_field: str) -> None:
        self.path, self.grid, self.table = path, grid, table
        self.shapes = None
        if is_vector(path):
            from minerestore.raster.vector import read_vector

            frame = read_vector(path, grid.crs, kind="polygons")
            if class_field not in frame.columns:
                raise ValueError(f"{path}: no field {class_field!r} (regions.<name>.landuse.class_field) holds the "
                                 f"class; the layer has {[c for c in frame.columns if c != 'geometry']}")
            values = code_of_values(frame[class_field].tolist(), table, f"{path} field {class_field}")
            self.shapes = list(zip(frame.geometry, values.tolist()))
            log.info("labels: %d polygons of %s burnt onto the image grid", len(frame), path)
        else:
            with rasterio.open(path) as src:
                same = (src.crs == rasterio.crs.CRS.from_user_input(grid.crs) and src.shape == grid.shape
                        and src.transform.almost_equals(grid.transform))
                if not same:
                    log.warning("labels %s (%s, %g x %g px) are on another grid than the image: resampled by nearest "
                                "neighbour onto the image grid", path, src.crs.to_string(), *src.res)

    def read(self, window: Window) -> np.ndarray:
        """Codes in ``window`` of the image grid, uint8 (rows, cols).

        Raises
        ------
        ValueError
            Listing the codes of the window that are not in the class table (naming the file).
        """
        from rasterio.features import rasterize

        from minerestore.raster.read import read_on_grid

        shape = (int(window.height), int(window.width))
        transform = rasterio.windows.transform(window, self.grid.transform)
        if self.shapes is not None:
            return rasterize(self.shapes, out_shape=shape, transform=transform, fill=NODATA, dtype="uint8") \
                if self.shapes else np.full(shape, NODATA, np.uint8)
        values = read_on_grid(self.path, self.grid, 1, window, resampling=Resampling.nearest, fill=np.nan)
        with rasterio.open(self.path) as src:
            nodata = src.nodata
        valid = ~np.isnan(values) if values.dtype.kind == "f" else np.ones(shape, bool)
        if nodata is not None and not np.isnan(nodata):
            valid &= values != nodata
        if values.dtype.kind == "f" and np.any(values[valid] != np.round(values[valid])):
            raise ValueError(f"{self.path}: the labels hold values that are not whole numbers; a label raster holds "
                             "class codes")
        bad = unknown_codes(values[valid], self.table)
        if bad:
            raise ValueError(f"{self.path}: label code(s) {bad} are not in landuse.classes ({describe(self.table)})"
                             "; add them to the table, declare the file's no-data value, or correct the labels")
        out = np.full(shape, NODATA, np.uint8)
        out[valid] = values[valid].astype(np.uint8)
        return out


def write_labels(source: LabelSource, grid: Grid, tile_px: int, path: str | os.PathLike) -> float:
    """Write the labels on the image grid (uint8 class codes, :data:`NODATA` unlabelled, the table as colour map),
    tile by tile; returns the share of the image's pixels that is labelled (a share under 1 is logged)."""
    from minerestore.landuse.classes import as_dicts, colormap
    from minerestore.raster.tiles import tile_windows
    from minerestore.raster.write import raster_writer

    labelled = 0
    with raster_writer(path, grid.profile(1, "uint8", NODATA), ["class_code"],
                       {"classes": json.dumps(as_dicts(source.table))}) as dst:
        dst.write_colormap(1, colormap(source.table))  # before the pixels: GDAL sets the palette first
        for window in tile_windows(grid, tile_px).values():
            codes = source.read(window)
            labelled += int(np.sum(codes != NODATA))
            dst.write(codes[None], window=window)
    share = labelled / (grid.width * grid.height)
    log.log(logging.INFO if share == 1 else logging.WARNING, "labels cover %.1f %% of the image's %d x %d px "
            "(the rest is not trained on or scored)", 100 * share, grid.width, grid.height)
    return share


def patch_windows(grid: Grid, patch: int) -> list[Window]:
    """Windows of the patches: squares of ``patch`` px side by side from the top-left corner.

    Raises
    ------
    ValueError
        When the image is smaller than a patch (names both sizes).
    """
    if grid.width < patch or grid.height < patch:
        raise ValueError(f"the image is {grid.width} x {grid.height} px, smaller than a patch of {patch} x {patch} "
                         "px (landuse.patch_px); give a larger image or smaller patches")
    return [Window(c, r, patch, patch) for r in range(0, grid.height - patch + 1, patch)
            for c in range(0, grid.width - patch + 1, patch)]


def patch_table(labels, image: str | os.PathLike, indexes: list[int], grid: Grid, table: list[LandUseClass], *,
                patch: int, train_fraction: float, seed: int) -> pd.DataFrame:
    """The patches with labels, split at random into training and validation (the study's 7 : 3).

    Parameters
    ----------
    labels : the labels on the image grid (a path, read by window).
    image : the image (its pixels without data are not counted as labelled).
    train_fraction : share of the patches for training (``landuse.train_fraction``; rounded, at least one patch in
        each part).

    Returns
    -------
    DataFrame: ``patch`` (0 …), ``row``, ``col`` (its top-left pixel), ``role`` (``train`` / ``validation``),
    ``labelled_px`` and one column per class abbreviation with its labelled pixels.

    Raises
    ------
    ValueError
        An image smaller than a patch (both sizes), or fewer than two patches with labels (names the counts).
    """
    rows = []
    with rasterio.open(labels) as lab, rasterio.open(image) as img:
        for window in patch_windows(grid, patch):
            codes = lab.read(1, window=window)
            codes[np.isnan(read_image(img, indexes, window)).any(axis=0)] = NODATA
            counts = {c.abbreviation: int(np.sum(codes == c.code)) for c in table}
            if sum(counts.values()):
                rows.append({"row": int(window.row_off), "col": int(window.col_off),
                             "labelled_px": sum(counts.values()), **counts})
    n_windows = len(patch_windows(grid, patch))
    if len(rows) < 2:
        raise ValueError(f"{len(rows)} of the {n_windows} patches of {patch} px hold labelled pixels with image "
                         "data; two are needed (one to train, one to validate): check that the labels cover the "
                         "image, or use smaller patches")
    frame = pd.DataFrame(rows)
    order = np.random.default_rng(seed).permutation(len(frame))
    n_train = min(len(frame) - 1, max(1, int(round(train_fraction * len(frame)))))
    role = np.full(len(frame), "validation", dtype=object)
    role[order[:n_train]] = "train"
    frame.insert(0, "patch", np.arange(len(frame)))
    frame.insert(3, "role", role)
    log.info("%d patches of %d px with labels (of %d), %d for training and %d for validation", len(frame), patch,
             n_windows, n_train, len(frame) - n_train)
    return frame


def class_pixels(patches: pd.DataFrame, table: list[LandUseClass]) -> pd.DataFrame:
    """Labelled pixels of each class in the training and validation patches (``classes.csv``); a class without
    training pixels is warned about (the networks cannot learn it, its scores are NaN or 0)."""
    sums = patches.groupby("role")[[c.abbreviation for c in table]].sum()
    out = pd.DataFrame([{"code": c.code, "abbreviation": c.abbreviation, "name": c.name, "colour": c.colour,
                         "train_px": int(sums.loc["train", c.abbreviation]) if "train" in sums.index else 0,
                         "validation_px": int(sums.loc["validation", c.abbreviation])
                         if "validation" in sums.index else 0} for c in table])
    for c in out.itertuples():
        if c.train_px == 0:
            log.warning("class %s (%s, code %d) has no pixel in the training patches: the networks cannot learn it; "
                        "its scores are NaN where it is absent from labels and maps", c.abbreviation, c.name, c.code)
    return out


def normalisation(image: str | os.PathLike, indexes: list[int], windows: list[Window]) -> tuple[list[float],
                                                                                             list[float]]:
    """Mean and standard deviation of each band over the pixels with data of the training patches, read patch by
    patch (sums in float64); a constant band gets std 1.

    Raises
    ------
    ValueError
        When the training patches have no pixel with data in every band (names the file).
    """
    total = np.zeros(len(indexes))
    squares = np.zeros(len(indexes))
    n = 0
    with rasterio.open(image) as src:
        for window in windows:
            x = read_image(src, indexes, window)
            valid = ~np.isnan(x).any(axis=0)
            pixels = x[:, valid].astype(np.float64)
            total += pixels.sum(axis=1)
            squares += (pixels**2).sum(axis=1)
            n += int(valid.sum())
    if n == 0:
        raise ValueError(f"{image}: the training patches have no pixel with data in every band")
    mean = total / n
    std = np.sqrt(np.maximum(squares / n - mean**2, 0))
    return mean.tolist(), np.where(std > 0, std, 1.0).tolist()
