"""Object-based random forest for mine identification (docs/methods.md, object-based random forest; the Yili
River basin study).

eCognition's multiresolution segmentation is replaced by scikit-image's graph-based ``felzenszwalb``
segmentation (``scale`` plays the role of the MRS scale parameter, methods.md §5.2), run over the whole study area
as the study segments its scene (``identify.segmentation.domain: study_area``) or, faster, inside the candidate
patches (``candidates``). Objects get the study's 56 features (its Table 2, :func:`feature_columns`): band means
of R, G, B, NIR, NDVI and NDWI, brightness and max difference of the visible bands (its Eqs. 1–2), elevation and
slope, the eight GLCM measures in four directions and all directions on one layer, and six geometric features;
``identify.features`` adds others. A random forest (scikit-learn) is tuned by grid search with stratified k-fold
cross-validation; OOB error is reported for each parameter set and permutation (mean decrease in accuracy, MDA)
importance is repeated.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage
from skimage.feature import graycomatrix, graycoprops
from skimage.measure import label as connected_label
from skimage.measure import regionprops, regionprops_table
from skimage.segmentation import felzenszwalb

from minerestore.forests import oob_permutation_importance, ordered
from minerestore.identify.reference import train_mine_numbers
from minerestore.mask.patches import join_tiles
from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites, read_float
from minerestore.raster.tiles import polygon_windows, tile_grid, tile_windows
from minerestore.raster.vector import burn
from minerestore.topography import slope_degrees

if TYPE_CHECKING:  # scikit-learn is imported where a forest is fitted, not with the module
    from sklearn.ensemble import RandomForestClassifier

log = logging.getLogger(__name__)

BANDS = ("blue", "green", "red", "nir", "swir1")
#: The visible bands, whose object means give brightness and max difference (the study's Eqs. 1–2).
VISIBLE = ("blue", "green", "red")
#: The study's object features (its Table 2) other than the GLCM texture: band means, brightness, max
#: difference, terrain, and geometry.
STUDY_FEATURES = ("mean_red", "mean_green", "mean_blue", "mean_nir", "mean_ndvi", "mean_ndwi", "brightness",
                  "max_difference", "mean_elevation", "mean_slope", "shape_index", "length_width", "roundness",
                  "compactness", "area_m2", "length_m")
#: Features beyond the study's, by ``identify.features.extra`` name: the SWIR1 mean and the yearly NDVI range
#: (mining and revegetation change NDVI).
EXTRA_FEATURES = {"swir1": "mean_swir1", "ndvi_range": "mean_ndvi_range"}
GLCM_PROPS = ("homogeneity", "dissimilarity", "entropy", "correlation", "contrast", "ASM", "mean", "std")
GLCM_ANGLES = (0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def image_layers(yearly: dict[str, np.ndarray], dem: np.ndarray, slope: np.ndarray) -> dict[str, np.ndarray]:
    """Per-pixel layers the object features are computed from.

    Parameters
    ----------
    yearly : dict of ndarray (years, rows, cols) float, NaN = missing
        Composite bands ``blue, green, red, nir, swir1, ndvi`` of every analysis year.
    dem, slope : ndarray (rows, cols), elevation (m) and slope (degrees).

    Returns
    -------
    dict of float32 (rows, cols): temporal medians of the bands and NDVI, ``ndwi`` (McFeeters 1996,
    (G − NIR)/(G + NIR)), ``brightness`` (mean of blue, green, red, nir), ``ndvi_range`` (max − min of the
    yearly NDVI), ``elevation``, ``slope``.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = {b: np.nanmedian(yearly[b], axis=0) for b in (*BANDS, "ndvi")}
        out["ndvi_range"] = np.nanmax(yearly["ndvi"], axis=0) - np.nanmin(yearly["ndvi"], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ndwi"] = (out["green"] - out["nir"]) / (out["green"] + out["nir"])
    out["brightness"] = np.mean([out[b] for b in ("blue", "green", "red", "nir")], axis=0)
    out["elevation"] = dem
    out["slope"] = slope
    return {k: np.nan_to_num(v.astype(np.float32), nan=0.0) for k, v in out.items()}


def object_layers(composites: list[str | os.PathLike], dem_path: str | None, grid: Grid,
                  window=None) -> dict[str, np.ndarray]:
    """Per-pixel layers for object features (:func:`minerestore.identify.obia.image_layers`) from the yearly composites
    and the DEM (elevation and slope are 0 when no DEM is given), on the grid or a window of it (the slope of the
    window's outer pixels is one-sided: give windows a one-pixel margin around the objects)."""
    yearly = read_composites(composites, [*BANDS, "ndvi"], window)
    shape = yearly["ndvi"].shape[1:]
    dem = read_float(dem_path, grid, window=window) if dem_path else np.zeros(shape, np.float32)
    return image_layers(yearly, dem, slope_degrees(dem, grid.resolution))


def patch_windows(patches: gpd.GeoDataFrame, grid: Grid, size_px: int, composites: list[str | os.PathLike],
                  dem_path: str | None):
    """Candidate patches one group (by tile) at a time, each read only in the window that holds it.

    Yields
    ------
    (window grid, patch labels int32 (rows, cols): 1-based position of the patch in ``patches``, 0 elsewhere,
    object layers of the window, :func:`object_layers`). Patches are never cut: a window holds its whole group.
    """
    for members, window in polygon_windows(patches, grid, size_px):
        wgrid = tile_grid(grid, window)
        labels = burn(patches.geometry.iloc[members], wgrid, [m + 1 for m in members], "int32")
        yield wgrid, labels, object_layers(composites, dem_path, grid, window)


def study_area_windows(zones: gpd.GeoDataFrame, grid: Grid, size_px: int, composites: list[str | os.PathLike],
                       dem_path: str | None):
    """The study area tile by tile (tiles of ``size_px``), as :func:`patch_windows` yields it: (tile grid, uint8
    (rows, cols) 1 inside the study area, object layers of the tile). Objects are segmented per tile, so an object
    that a tile edge crosses is two objects (two mine objects are merged again afterwards)."""
    for window in tile_windows(grid, size_px).values():
        wgrid = tile_grid(grid, window)
        yield wgrid, burn(zones.geometry, wgrid), object_layers(composites, dem_path, grid, window)


def segmentation_windows(domain: str, *, patches: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, grid: Grid,
                         size_px: int, composites: list[str | os.PathLike], dem_path: str | None):
    """2nd/98th percentile bounds of the scaled layers over the pixels to segment (:func:`percentile_bounds`), read
    window by window, as if they were segmented at once, and the windows themselves for the caller to go through.

    Parameters
    ----------
    domain : config ``identify.segmentation.domain``: ``study_area`` (every tile of the study area,
        :func:`study_area_windows`; the study segments its whole scene) or ``candidates`` (the candidate patches,
        :func:`patch_windows`).

    Returns
    -------
    (bounds dict, iterable of (window grid, int (rows, cols) > 0 where segmented, layers)). With one window (a
    region of one tile) it is read once and kept for both; with several, each is read again when iterated, so
    memory stays one window.

    Raises
    ------
    ValueError
        For another domain.
    """
    if domain == "study_area":
        def windows():
            return study_area_windows(zones, grid, size_px, composites, dem_path)
        count = len(tile_windows(grid, size_px))
    elif domain == "candidates":
        def windows():
            return patch_windows(patches, grid, size_px, composites, dem_path)
        count = len(polygon_windows(patches, grid, size_px))
    else:
        raise ValueError(f"identify.segmentation.domain {domain!r}: expected study_area or candidates")
    kept = list(windows()) if count == 1 else None
    bounds = percentile_bounds([layer_histograms(layers, mask > 0) for _, mask, layers in (kept or windows())])
    return bounds, (kept or windows())


#: Fewest pixels an object has on average: a GLCM needs a pair of pixels and a shape an axis.
MIN_MEAN_OBJECT_PX = 4


def check_objects(n_objects: int, n_pixels: int, segmentation: dict) -> None:
    """Refuse a segmentation that leaves nothing to classify: one object, or objects of fewer than
    :data:`MIN_MEAN_OBJECT_PX` pixels on average (more objects than the pixels allow texture and shape for).

    Raises
    ------
    ValueError
        Naming ``identify.segmentation.scale`` (and ``min_size_px``), the counts and which way to move them.
    """
    key = f"identify.segmentation.scale {segmentation['scale']:g} (min_size_px {segmentation['min_size_px']})"
    if n_objects <= 1:
        raise ValueError(f"{key} makes {n_objects} object of the {n_pixels} pixels segmented: nothing to tell mines "
                         "from other land; lower the scale")
    if n_objects * MIN_MEAN_OBJECT_PX > n_pixels:
        raise ValueError(f"{key} cuts the {n_pixels} pixels segmented into {n_objects} objects, fewer than "
                         f"{MIN_MEAN_OBJECT_PX} pixels each on average: texture and shape need larger objects; "
                         "raise the scale or min_size_px")


#: Value ranges of the layers whose 2nd/98th percentiles over the candidate pixels scale the segmentation and
#: the GLCM quantisation; histograms of 10,000 bins over them give the percentiles to 2e-4 when the candidates
#: are read window by window.
PERCENTILE_RANGES = {"ndvi": (-1.0, 1.0), "brightness": (0.0, 2.0), "ndvi_range": (0.0, 2.0),
                     **{b: (0.0, 2.0) for b in BANDS}}


def layer_histograms(layers: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    """Counts of the :data:`PERCENTILE_RANGES` layers over ``mask`` in 10,000 bins (values clipped into the
    range), to add up over windows."""
    return {k: np.histogram(np.clip(layers[k][mask], lo, hi), bins=10000, range=(lo, hi))[0]
            for k, (lo, hi) in PERCENTILE_RANGES.items()}


def percentile_bounds(histograms: list[dict[str, np.ndarray]], low: float = 2.0, high: float = 98.0) -> dict:
    """(low, high) percentiles of each layer from the summed :func:`layer_histograms` of all windows (bin upper
    edges); (0, 1) for a layer without pixels."""
    out = {}
    for k, (lo, hi) in PERCENTILE_RANGES.items():
        counts = np.sum([h[k] for h in histograms], axis=0) if histograms else np.zeros(10000)
        edges = np.linspace(lo, hi, 10001)[1:]
        if counts.sum() == 0:
            out[k] = (0.0, 1.0)
            continue
        cdf = np.cumsum(counts) / counts.sum()
        out[k] = (float(edges[np.searchsorted(cdf, low / 100)]), float(edges[np.searchsorted(cdf, high / 100)]))
    return out


def label_polygons(labels: np.ndarray, grid: Grid) -> gpd.GeoDataFrame:
    """One polygon per object label (``object`` column) of a label raster on ``grid``."""
    from rasterio.features import shapes
    from shapely.geometry import shape
    from shapely.ops import unary_union

    parts: dict[int, list] = {}
    for geom, value in shapes(labels, mask=labels > 0, transform=grid.transform):
        parts.setdefault(int(value), []).append(shape(geom))
    ids = sorted(parts)
    return gpd.GeoDataFrame({"object": ids}, geometry=[unary_union(parts[i]) for i in ids], crs=grid.crs)


def segment(layers: dict[str, np.ndarray], candidates: np.ndarray, *, scale: float, sigma: float,
            min_size: int, bounds: dict | None = None) -> np.ndarray:
    """Segment the candidate patches into objects (``scale``, ``sigma``, ``min_size``: config
    ``identify.segmentation`` scale, sigma, min_size_px).

    Felzenszwalb graph segmentation on (NDVI median, brightness, NDVI range) scaled to [0, 1] between their 2nd and
    98th percentiles over the candidates (``bounds`` from :func:`percentile_bounds` when the candidates are
    segmented window by window), restricted to the candidate mask; every object is one 4-connected piece of one
    segment inside one patch.

    Returns
    -------
    ndarray (rows, cols) int32: object labels 1..n, 0 outside candidates.
    """
    stack = []
    for name in ("ndvi", "brightness", "ndvi_range"):
        v = layers[name]
        if bounds is not None:
            lo, hi = bounds[name]
        else:
            lo, hi = np.percentile(v[candidates], [2, 98]) if candidates.any() else (0.0, 1.0)
        stack.append(np.clip((v - lo) / max(hi - lo, 1e-6), 0, 1))
    segments = felzenszwalb(np.dstack(stack), scale=scale, sigma=sigma, min_size=min_size) + 1
    segments[~candidates] = 0
    return connected_label(segments, background=0, connectivity=1).astype(np.int32)


GLCM_DIRECTIONS = (0, 45, 90, 135)  # degrees, the order of GLCM_ANGLES


def _glcm_matrix(gray: np.ndarray, mask: np.ndarray, levels: int) -> np.ndarray:
    """GLCM counts of the pixels of one object (methods.md §5.2: levels shifted by one, outside = 0, row and
    column 0 dropped so only within-object pairs count): uint32 (levels, levels, 1, 4 directions)."""
    q = np.where(mask, gray + 1, 0).astype(np.uint8)
    return graycomatrix(q, [1], GLCM_ANGLES, levels=levels + 1, symmetric=True, normed=False)[1:, 1:]


def _glcm_table(matrices: list[np.ndarray], index, prefix: str, chunk: int = 1000) -> pd.DataFrame:
    """GLCM properties of many objects (``matrices`` from :func:`_glcm_matrix`, one per label of ``index``) per
    direction (``{prefix}_{prop}_{degrees}``) and averaged over the four (``{prefix}_{prop}``, eCognition's "all
    directions"); 0 for an object without a within-object pair, NaN in a direction without one (and in the
    mean over the four). ``graycoprops`` takes the objects ``chunk`` at a time along its angle axis (it
    normalises each slice alone), not one call per object and property, which was most of the object forest's
    feature time."""
    columns: dict[str, list] = {}
    for start in range(0, len(matrices), chunk):
        p = np.concatenate(matrices[start:start + chunk], axis=3)
        n = p.shape[3] // len(GLCM_ANGLES)
        empty = (p.sum(axis=(0, 1, 2)) == 0).reshape(n, len(GLCM_ANGLES)).all(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            for k in GLCM_PROPS:
                values = graycoprops(p, k)[0].reshape(n, len(GLCM_ANGLES))
                values[empty] = 0.0
                name = f"{prefix}_{k.lower()}"
                for i, d in enumerate(GLCM_DIRECTIONS):
                    columns.setdefault(f"{name}_{d}", []).extend(values[:, i].tolist())
                columns.setdefault(name, []).extend(values.mean(axis=1).tolist())
    return pd.DataFrame(columns, index=index)


def feature_columns(*, glcm_layers: list[str], extra: list[str]) -> list[str]:
    """The object features the forest is trained on, in order: :data:`STUDY_FEATURES`, the GLCM texture of each of
    ``glcm_layers`` (the 8 measures of :data:`GLCM_PROPS` in each of four directions and all directions), then the
    ``extra`` features (:data:`EXTRA_FEATURES`). With the study's one GLCM layer and no extra: 16 + 40 = 56
    features (its Table 2), so ``max_features: log2`` takes int(log2 56) = 5 at each split.

    Parameters
    ----------
    glcm_layers, extra : config ``identify.features`` glcm_layers and extra.

    Raises
    ------
    KeyError
        For an extra feature that is not one of :data:`EXTRA_FEATURES` (names the known ones).
    """
    unknown = [e for e in extra if e not in EXTRA_FEATURES]
    if unknown:
        raise KeyError(f"identify.features.extra {unknown}: known extra features are {sorted(EXTRA_FEATURES)}")
    texture = [f"glcm_{layer}_{prop.lower()}{suffix}" for layer in glcm_layers for prop in GLCM_PROPS
               for suffix in ("", *(f"_{d}" for d in GLCM_DIRECTIONS))]
    return [*STUDY_FEATURES, *texture, *(EXTRA_FEATURES[e] for e in extra)]


def object_features(labels: np.ndarray, layers: dict[str, np.ndarray], resolution: float, *,
                    glcm_layers: tuple, glcm_levels: int = 32, bounds: dict | None = None) -> pd.DataFrame:
    """Features of every object (one row per label present, index = label).

    Spectral: ``mean_{layer}`` of every layer (:func:`image_layers`); ``brightness`` B = the mean of the visible
    band means (the Yili study's Eq. 1), ``max_difference`` = |min − max| of the visible band means / B (its
    Eq. 2; 0 where B is 0).
    Shape: ``area_m2``; ``shape_index`` = perimeter / (4 √area) (eCognition); ``length_width`` = major / minor
    axis; ``roundness`` = 4 area / (π major²); ``compactness`` = 4π area / perimeter² (Polsby–Popper);
    ``length_m`` = √(area · length/width) (eCognition's length).
    Texture (methods.md §5.2): for each of ``glcm_layers`` (config ``identify.features.glcm_layers``), the GLCM
    properties :data:`GLCM_PROPS` in each direction and their all-direction mean (``glcm_{layer}_{prop}[_{deg}]``),
    the layer quantised to ``glcm_levels`` between its 2nd and 98th percentile over the objects (``bounds`` from
    :func:`percentile_bounds` when the objects are taken window by window). No texture for ``glcm_layers=()``.
    :func:`feature_columns` picks the forest's features from these columns.

    Raises
    ------
    KeyError
        When a GLCM layer is not one of ``layers``.
    """
    index = np.unique(labels[labels > 0])
    if index.size == 0:
        return pd.DataFrame()
    feats = pd.DataFrame({f"mean_{k}": ndimage.mean(v, labels, index) for k, v in layers.items()}, index=index)
    visible = feats[[f"mean_{b}" for b in VISIBLE]].to_numpy()
    feats["brightness"] = visible.mean(axis=1)
    spread = np.abs(visible.min(axis=1) - visible.max(axis=1))
    feats["max_difference"] = np.divide(spread, feats["brightness"], out=np.zeros_like(spread),
                                        where=feats["brightness"].to_numpy() != 0)
    props = pd.DataFrame(regionprops_table(labels, properties=("label", "area", "perimeter", "major_axis_length",
                                                               "minor_axis_length"))).set_index("label")
    area = props["area"] * resolution**2
    perimeter = np.maximum(props["perimeter"], 1.0) * resolution
    major = np.maximum(props["major_axis_length"], 1.0) * resolution
    feats["area_m2"] = area
    feats["shape_index"] = perimeter / (4 * np.sqrt(area))
    feats["length_width"] = major / (np.maximum(props["minor_axis_length"], 1.0) * resolution)
    feats["roundness"] = 4 * area / (np.pi * major**2)
    feats["compactness"] = np.minimum(4 * np.pi * area / perimeter**2, 1.0)  # pixel perimeters run short
    feats["length_m"] = np.sqrt(area * feats["length_width"])
    regions = regionprops(labels)
    for name in glcm_layers:
        gray = layers[name]
        lo, hi = bounds[name] if bounds is not None else np.percentile(gray[labels > 0], [2, 98])
        quant = np.clip((gray - lo) / max(hi - lo, 1e-6) * (glcm_levels - 1), 0, glcm_levels - 1).round()
        quant = quant.astype(np.uint8)
        matrices = [_glcm_matrix(quant[r.slice], r.image, glcm_levels) for r in regions]
        feats = feats.join(_glcm_table(matrices, [r.label for r in regions], f"glcm_{name}"))
    return feats


def overlap_with(labels: np.ndarray, reference: np.ndarray) -> pd.DataFrame:
    """Share of each object inside reference mines and the reference mine it overlaps most.

    Parameters
    ----------
    reference : ndarray (rows, cols) int, reference mine number (1..m), 0 outside mines.

    Returns
    -------
    DataFrame indexed by object label with ``overlap`` (0–1) and ``reference`` (mine number, 0 = none).
    """
    inside = labels > 0
    frame = pd.DataFrame({"label": labels[inside], "ref": reference[inside]})
    share = frame.assign(hit=frame["ref"] > 0).groupby("label")["hit"].mean()
    hits = frame[frame["ref"] > 0]
    best = hits.groupby("label")["ref"].agg(lambda s: s.value_counts().index[0]) if len(hits) else pd.Series(dtype=int)
    out = pd.DataFrame({"overlap": share})
    out["reference"] = best.reindex(out.index).fillna(0).astype(int)
    return out


def training_roles(overlap: pd.DataFrame, n_reference: int, threshold: float, train_fraction: float,
                   seed: int) -> pd.DataFrame:
    """Labels and train/test roles of the objects.

    An object is a mine (1) when more than ``threshold`` (0.7) of it lies in reference mines, not a mine (0) when
    less than 1 − ``threshold`` does; objects in between are ``ambiguous`` and not used for training. Reference
    mines are split at random (seeded) into a training share ``train_fraction`` and a test share; mine objects
    follow their mine, other objects are split with the same fraction.

    Returns
    -------
    DataFrame (index = object label) with ``y`` (0/1, -1 ambiguous), ``role`` (train / test / ambiguous) and
    ``reference``; and attribute ``train_mines`` (set of reference numbers used for training) in ``.attrs``.
    """
    rng = np.random.default_rng(seed)
    train_mines = train_mine_numbers(n_reference, train_fraction, rng)
    out = overlap.copy()
    out["y"] = np.where(out["overlap"] > threshold, 1, np.where(out["overlap"] < 1 - threshold, 0, -1))
    coin = rng.uniform(size=len(out)) < train_fraction
    in_train_mine = out["reference"].isin(train_mines)
    out["role"] = np.where(out["y"] == -1, "ambiguous",
                           np.where(out["y"] == 1, np.where(in_train_mine, "train", "test"),
                                    np.where(coin, "train", "test")))
    out.attrs["train_mines"] = train_mines
    return out


def fit_forest(x: pd.DataFrame, y: np.ndarray, *, param_grid: dict, n_estimators: int, folds: int, seed: int,
               n_jobs: int = 1) -> tuple[RandomForestClassifier, pd.DataFrame]:
    """Grid search with stratified k-fold CV (scoring F1), and the OOB error of every parameter set.

    Returns
    -------
    best : RandomForestClassifier refitted on all of ``x`` with the best parameters (``oob_score=True``).
    table : DataFrame, one row per parameter set: the parameters, ``cv_f1_mean``, ``cv_f1_std``, ``oob_error``,
    ``rank``.

    Raises
    ------
    ValueError
        When a class has fewer training objects than ``folds``, or an integer ``min_samples_split`` of the grid
        exceeds the objects of a CV fold (the trees could not split).
    """
    counts = np.bincount(y, minlength=2)
    advice = {0: "few objects lie mostly outside the reference mines: widen the study area (bounds, rivers / aoi) "
                 "or lower identify.overlap",
              1: "few objects lie mostly in a training mine: give more reference mines, raise identify.train_fraction "
                 "or lower identify.overlap"}
    for label in np.argsort(counts, kind="stable"):  # the class that is shortest named first (none: no mine object)
        name = ("not mine", "mine")[label]
        if counts[label] < folds:
            fix = advice[label] if counts[label] == 0 else f"lower identify.rf.cv_folds, or {advice[label]}"
            raise ValueError(f"{counts[label]} '{name}' training objects of {len(y)} (not mine, mine: "
                             f"{counts.tolist()}); the {folds}-fold search needs {folds} of each class: {fix}")
    fold_size = len(y) * (folds - 1) // folds
    too_big = [v for v in param_grid.get("min_samples_split", []) if isinstance(v, int) and v > fold_size]
    if too_big:
        raise ValueError(f"identify.rf.param_grid min_samples_split {too_big} exceeds the {fold_size} training objects "
                         f"of a CV fold ({len(y)} in all): every tree would be one leaf; lower it (and "
                         "min_samples_leaf) or give more reference mines")
    # The folds run in n_jobs processes, each forest on one core: with a few hundred objects a tree costs less
    # than scikit-learn's Python work around it, which threads do not share out (the default's search: 2x faster).
    # Seeded trees are the same at any n_jobs, so the scores are too; the OOB error is only computed on the forests
    # fitted to all objects.
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    base = RandomForestClassifier(n_estimators=n_estimators, random_state=seed, n_jobs=1)
    search = GridSearchCV(base, param_grid, scoring="f1", cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                          n_jobs=n_jobs, refit=False)
    search.fit(x, y)
    results = search.cv_results_
    rows, models = [], []
    for params, mean, std, rank in zip(results["params"], results["mean_test_score"], results["std_test_score"],
                                        results["rank_test_score"]):
        models.append(RandomForestClassifier(n_estimators=n_estimators, random_state=seed, n_jobs=n_jobs,
                                             oob_score=True, **params).fit(x, y))
        rows.append({**{k: str(v) for k, v in params.items()}, "cv_f1_mean": mean, "cv_f1_std": std,
                     "oob_error": 1 - models[-1].oob_score_, "rank": int(rank)})
    return models[int(np.argmin(results["rank_test_score"]))], pd.DataFrame(rows)


def importance(model, x: pd.DataFrame, y: np.ndarray, *, method: str, repeats: int, seed: int) -> pd.DataFrame:
    """Feature importance as mean decrease in accuracy (MDA), sorted, with ``rank``.

    ``method='oob'`` (the study's): per tree on its out-of-bag rows, as R's ``importance(type=1)``
    (:func:`minerestore.forests.oob_permutation_importance`); ``x``, ``y`` are then the training rows.
    ``'permutation'``: scikit-learn ``permutation_importance`` of the whole forest on the rows ``x``, ``y``
    (e.g. the test objects), repeated ``repeats`` times.

    Returns
    -------
    DataFrame feature, mda_mean (decrease in accuracy, 0–1), mda_std (OOB: the standard error over trees;
    permutation: the standard deviation over repeats), rank.

    Raises
    ------
    ValueError
        For another method.
    """
    if method == "oob":
        mean, spread = oob_permutation_importance(model, x, y, seed)
    elif method == "permutation":
        from sklearn.inspection import permutation_importance

        result = permutation_importance(model, x, y, n_repeats=repeats, random_state=seed, scoring="accuracy")
        mean, spread = result.importances_mean, result.importances_std
    else:
        raise ValueError(f"identify.rf.importance {method!r}: expected 'oob' or 'permutation'")
    table = pd.DataFrame({"feature": x.columns, "mda_mean": mean, "mda_std": spread})
    table = table.sort_values("mda_mean", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def merge_objects(objects: gpd.GeoDataFrame, selected, min_area_m2: float, resolution: float) -> gpd.GeoDataFrame:
    """Union of the selected objects; adjacent objects (8-connected: an edge or a corner in common) merge into
    one mine polygon (:func:`minerestore.mask.patches.join_tiles`).

    Parameters
    ----------
    objects : GeoDataFrame with ``object`` ids and pixel polygons (:func:`label_polygons`).
    selected : object ids predicted as mine.
    min_area_m2 : merged polygons smaller than this are dropped.

    Returns
    -------
    GeoDataFrame of the merged polygons (geometry only).
    """
    chosen = objects[objects["object"].isin(np.asarray(selected))]
    return join_tiles([chosen], min_area_m2, resolution, objects.crs)[["geometry"]]


def region_objects(reference: gpd.GeoDataFrame, grid: Grid, *, domain: str, patches: gpd.GeoDataFrame,
                   zones: gpd.GeoDataFrame, tile_px: int, composites: list[str | os.PathLike], dem_path: str | None,
                   segmentation: dict, features: dict) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """The objects of a region, window by window (:func:`segmentation_windows`; the scaling of the segmentation and
    the GLCM comes from histograms of all the pixels segmented), with their features and their overlap with the
    reference mines.

    Parameters
    ----------
    reference : reference mines (grid CRS); patches : candidate patches; zones : the study area (grid CRS).
    domain, segmentation : config ``identify.segmentation`` (domain; scale, sigma, min_size_px).
    features : config ``identify.features`` (glcm_layers, extra): the columns (:func:`feature_columns`).

    Returns
    -------
    (features: one row per object label, the :func:`feature_columns` (NaN texture of an object without a pixel pair
    in a direction: 0); overlap: :func:`overlap_with`; objects: polygons with ``object`` labels).

    Raises
    ------
    ValueError
        No candidate patch to segment (domain ``candidates``), or a scale leaving one object or objects too small
        (:func:`check_objects`).
    """
    if domain == "candidates" and patches.empty:
        raise ValueError("no candidate patch to segment (identify.segmentation.domain: candidates): object_rf cannot "
                         "train; check the masks (masks/areas.csv), segment the study_area, or use "
                         "identify.method: reference")
    columns = feature_columns(glcm_layers=features["glcm_layers"], extra=features["extra"])
    bounds, windows = segmentation_windows(domain, patches=patches, zones=zones, grid=grid, size_px=tile_px,
                                           composites=composites, dem_path=dem_path)
    tables, overlaps, objects, offset, pixels = [], [], [], 0, 0
    for wgrid, mask, layers in windows:
        labels = segment(layers, mask > 0, scale=segmentation["scale"], sigma=segmentation["sigma"],
                         min_size=segmentation["min_size_px"], bounds=bounds)
        labels[labels > 0] += offset
        offset, pixels = max(offset, int(labels.max())), pixels + int(np.sum(mask > 0))
        tables.append(object_features(labels, layers, grid.resolution, glcm_layers=tuple(features["glcm_layers"]),
                                      bounds=bounds))
        overlaps.append(overlap_with(labels, burn(reference.geometry, wgrid, range(1, len(reference) + 1), "int32")))
        objects.append(label_polygons(labels, wgrid))
    table = pd.concat(tables)
    check_objects(len(table), pixels, segmentation)
    log.info("%d objects of %d pixels (%s, scale %g)", len(table), pixels, domain, segmentation["scale"])
    return table[columns].fillna(0.0), pd.concat(overlaps), pd.concat(objects, ignore_index=True)


def object_rf(reference: gpd.GeoDataFrame, grid: Grid, *, patches: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
              tile_px: int, composites: list[str | os.PathLike], dem_path: str | None, options: dict, seed: int,
              threads: int = 1) -> dict:
    """The object-based random forest of a region, end to end (docs/methods.md, object-based random forest).

    Segments the study area or the candidate patches into objects with their features (:func:`region_objects`),
    labels objects from the reference mines by the overlap rule, tunes and fits the forest on a seeded share of the
    mines, scores permutation importance, predicts, and merges adjacent mine objects.

    Parameters
    ----------
    reference : reference mines with ``mine_id`` (grid CRS); patches : candidate patches; zones : study area.
    options : the ``identify`` config keys ``segmentation`` (domain, scale, sigma, min_size_px), ``features``,
        ``overlap``, ``train_fraction``, ``min_mine_area_m2`` and ``rf`` (param_grid, n_estimators, cv_folds,
        importance, importance_repeats).

    Returns
    -------
    dict: ``mines`` (merged mine polygons), ``objects`` (object polygons with ``object`` labels), ``features``
    (per object), ``roles`` (per object: role, y, probability, predicted), ``split`` (mine_id, role), ``cv``
    (grid-search table), ``importance`` (MDA table).

    Raises
    ------
    ValueError
        From :func:`region_objects` and :func:`fit_forest` (names what to change).
    """
    rf = options["rf"]
    features, overlaps, objects = region_objects(
        reference, grid, domain=options["segmentation"]["domain"], patches=patches, zones=zones, tile_px=tile_px,
        composites=composites, dem_path=dem_path, segmentation=options["segmentation"], features=options["features"])
    roles = training_roles(overlaps, len(reference), options["overlap"], options["train_fraction"], seed)
    train = roles[roles["role"] == "train"]
    log.info("objects: %s; labels: %s; %d features", roles["role"].value_counts().to_dict(),
             train["y"].value_counts().to_dict(), features.shape[1])
    model, cv = fit_forest(features.loc[train.index], train["y"].to_numpy(), param_grid=rf["param_grid"],
                           n_estimators=rf["n_estimators"], folds=rf["cv_folds"], seed=seed, n_jobs=threads)
    test = roles[roles["role"] == "test"]
    scored = test if rf["importance"] == "permutation" and test["y"].nunique() == 2 else train
    imp = importance(model, features.loc[scored.index], scored["y"].to_numpy(), method=rf["importance"],
                     repeats=rf["importance_repeats"], seed=seed)
    with ordered(model):
        roles["probability"] = model.predict_proba(features.loc[roles.index])[:, 1]
    roles["predicted"] = (roles["probability"] >= 0.5).astype(int)
    mines = merge_objects(objects, roles.index[roles["predicted"] == 1], options["min_mine_area_m2"], grid.resolution)
    log.info("%d mine objects merged into %d mines; search:\n%s", int(roles["predicted"].sum()), len(mines),
             cv.to_string(index=False))
    split = pd.DataFrame({"mine_id": reference["mine_id"],
                          "role": ["train" if i + 1 in roles.attrs["train_mines"] else "test"
                                   for i in range(len(reference))]})
    return {"mines": mines, "objects": objects, "features": features, "roles": roles, "split": split, "cv": cv,
            "importance": imp}


def object_label_tiles(objects: gpd.GeoDataFrame, grid: Grid, tile_px: int):
    """The object label raster tile by tile: yields (window, int32 (rows, cols) object labels, 0 = none)."""
    for window in tile_windows(grid, tile_px).values():
        yield window, burn(objects.geometry, tile_grid(grid, window), objects["object"].to_numpy(), "int32")


def best_parameters(cv: pd.DataFrame, grid_keys: list[str]) -> dict:
    """The forest parameters of the grid search's best row (``rank`` 1 of :func:`fit_forest`'s table, as written
    to ``rf_cv.csv``: values as text), as Python values (``10`` -> 10, ``log2`` stays, ``None`` -> None)."""
    import yaml

    row = cv.sort_values("rank", kind="stable").iloc[0]
    return {k: yaml.safe_load(str(row[k])) if str(row[k]) != "None" else None for k in grid_keys}


def sensitivity(reference: gpd.GeoDataFrame, grid: Grid, *, patches: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                tile_px: int, composites: list[str | os.PathLike], dem_path: str | None, options: dict,
                parameters: dict, seed: int, threads: int = 1) -> pd.DataFrame:
    """OOB error of the object forest per segmentation scale and sample scheme (the Yili study's Tables 9–10).

    For each scale of ``options['sensitivity']['scales']`` the region is segmented again (:func:`region_objects`,
    the other segmentation keys unchanged) and the objects labelled and split as :func:`object_rf` does; for each
    sample scheme a forest of ``parameters`` (the grid search's best) is fitted and its OOB error recorded.
    Schemes: ``all`` (every training object, as :func:`object_rf`) and, for each ratio r of
    ``options['sensitivity']['sample_ratios']``, every mine training object with r times as many non-mine
    training objects drawn at random (seeded; all of them where there are fewer).

    Returns
    -------
    DataFrame scale, scheme, objects, train_mine, train_not_mine, oob_error (0–1).

    Raises
    ------
    ValueError
        Naming ``identify.sensitivity.scales`` when a scale leaves nothing to classify (:func:`check_objects`).
    """
    from sklearn.ensemble import RandomForestClassifier

    rows = []
    for scale in options["sensitivity"]["scales"]:
        segmentation = {**options["segmentation"], "scale": scale}
        try:
            features, overlaps, _ = region_objects(
                reference, grid, domain=segmentation["domain"], patches=patches, zones=zones, tile_px=tile_px,
                composites=composites, dem_path=dem_path, segmentation=segmentation, features=options["features"])
        except ValueError as err:
            raise ValueError(f"identify.sensitivity.scales: {err}") from err
        roles = training_roles(overlaps, len(reference), options["overlap"], options["train_fraction"], seed)
        train = roles[roles["role"] == "train"]
        mine, other = train.index[train["y"] == 1], train.index[train["y"] == 0]
        rng = np.random.default_rng([seed, int(round(scale * 1000))])
        schemes = [("all", other)] + [
            (f"1:{ratio:g}", rng.permutation(other)[: int(round(ratio * len(mine)))])
            for ratio in options["sensitivity"]["sample_ratios"]]
        for name, chosen in schemes:
            rows_used = np.concatenate([mine, np.sort(chosen)])
            y = train.loc[rows_used, "y"].to_numpy()
            forest = RandomForestClassifier(options["rf"]["n_estimators"], random_state=seed, oob_score=True,
                                            n_jobs=threads, **parameters).fit(features.loc[rows_used], y)
            rows.append({"scale": scale, "scheme": name, "objects": len(features), "train_mine": len(mine),
                         "train_not_mine": len(chosen), "oob_error": 1 - forest.oob_score_})
            log.info("scale %g, scheme %s: %d + %d training objects, OOB error %.4f", scale, name, len(mine),
                     len(chosen), rows[-1]["oob_error"])
    return pd.DataFrame(rows)
