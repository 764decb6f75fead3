"""The analysis domain is the study area (issue 13 item 1): pixels outside it change no normalisation bound, PCA
loading, REM weight, FVC percentile or driver sample inside it, and RSEI / REM are NaN outside it."""

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box
from sklearn.decomposition import PCA

from minerestore.composite.season import COMPOSITE_BANDS
from minerestore.drivers.stack import analysis_grid, analysis_rsei
from minerestore.ecology.layers import read_year
from minerestore.ecology.rem import RemOptions, rem
from minerestore.ecology.rsei import RSEI_INDICATORS, rsei
from minerestore.raster.grid import Grid
from minerestore.raster.read import read_domain_and_water
from minerestore.raster.vector import burn_mask
from minerestore.raster.write import write_raster

GRID = Grid.from_bounds("EPSG:32650", (0, 0, 1230, 900), 30)  # 41 x 30 px; tiles of 16 leave ragged edges
STRIP = box(300, 0, 660, 900)  # a 12-px wide "river buffer" across the grid
# the schema's defaults (the study's): ecology.rao_window, soil_index, fvc_percentiles, imper_mode,
# imper_bci_threshold
STUDY_REM = RemOptions(window=5, soil_index="rndsi", fvc_percentiles=(5.0, 95.0), imper_mode="binary",
                       imper_bci_threshold=0.3)


def composite(path, seed, outside=None):
    """A growing-season composite whose bands follow a vegetation gradient; ``outside`` replaces every pixel
    outside the strip by extreme random values from that seed."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(0, 1, GRID.shape)
    bands = {"blue": 0.08 - 0.05 * v, "green": 0.11 - 0.05 * v, "red": 0.16 - 0.13 * v, "nir": 0.2 + 0.2 * v,
             "swir1": 0.3 - 0.13 * v, "swir2": 0.26 - 0.18 * v, "lst": 310 - 12 * v}
    bands = {k: a + rng.normal(0, 0.004, GRID.shape) for k, a in bands.items()}
    if outside is not None:
        noise = np.random.default_rng(outside)
        cols = np.ones(GRID.width, bool)
        cols[10:22] = False
        for k in bands:
            bands[k][:, cols] = noise.uniform(0.0, 0.9, (GRID.height, cols.sum())) * (400 if k == "lst" else 1)
    bands["ndvi"] = (bands["nir"] - bands["red"]) / (bands["nir"] + bands["red"])
    stack = np.stack([bands.get(b, np.zeros(GRID.shape)) for b in COMPOSITE_BANDS]).astype(np.float32)
    write_raster(path, stack, GRID.profile(len(COMPOSITE_BANDS)), list(COMPOSITE_BANDS),
                 {"year": 2020, "sensors": "sentinel2_l2a"})
    return path


@pytest.fixture
def region(tmp_path):
    gpd.GeoDataFrame({"subregion": ["all"]}, geometry=[STRIP], crs=GRID.crs).to_file(tmp_path / "sa.gpkg")
    water = np.full(GRID.shape, 255, np.uint8)  # as the masks rule writes it: 255 outside the study area
    water[:, 10:22] = 0
    water[:3, 10:22] = 1
    write_raster(tmp_path / "w.tif", water[None], GRID.profile(1, "uint8", 255), ["water"])
    return tmp_path


def indices(folder, path, chunk_px):
    d = read_year(path, *read_domain_and_water(folder / "w.tif", GRID, chunk_px), mndwi_threshold=0.0, grid=GRID,
                  wet_setting="auto", family="sentinel2", chunk_px=chunk_px)
    res = rsei(*(d[k] for k in RSEI_INDICATORS), d["valid"])
    r = rem(d["bands"], d["ndvi"], coefficients=d["coefficients"], valid=d["valid"], options=STUDY_REM)
    return d, res, r


@pytest.mark.parametrize("chunk_px", [None, 16])
def test_pixels_outside_the_study_area_change_nothing_inside(region, chunk_px):
    base = indices(region, composite(region / "a.tif", 3), chunk_px)
    other = indices(region, composite(region / "b.tif", 3, outside=99), chunk_px)
    inside = burn_mask([STRIP], GRID)
    assert inside.sum() == 30 * 12 and inside[:, 10:22].all()
    (d, res, r), (_, res2, r2) = base, other
    np.testing.assert_allclose(res2.loadings, res.loadings, atol=1e-10)
    assert res2.bounds == res.bounds
    np.testing.assert_allclose(np.asarray(res2.rsei), np.asarray(res.rsei), atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(r2.weights, r.weights, atol=1e-10)
    np.testing.assert_allclose(np.asarray(r2.rem), np.asarray(r.rem), atol=1e-6, equal_nan=True)
    for layer in (res.rsei, r.rem, r.i_imper):
        assert np.isnan(np.asarray(layer)[~inside]).all()
    valid = np.asarray(d["valid"])
    assert np.isfinite(np.asarray(res.rsei)[valid]).all() and valid.sum() == inside.sum() - 3 * 12
    # the loadings are scikit-learn's PCA of the min-max normalised study-area pixels only
    x = np.column_stack([np.asarray(d[k])[valid] for k in RSEI_INDICATORS]).astype(float)
    pca = PCA(4).fit((x - x.min(0)) / (x.max(0) - x.min(0)))
    ref = pca.components_[0] * np.sign(pca.components_[0][0] + pca.components_[0][1])
    np.testing.assert_allclose(res.loadings, ref, atol=1e-6)  # layers are float32


@pytest.mark.bad_input
def test_a_study_area_of_less_than_half_a_pixel_is_refused():
    """The study_area rule refuses an area with no pixel, so every later stage's domain (the masks' pixels that
    are not 255) has one."""
    from minerestore.mask.studyarea import study_area

    aoi = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=GRID.crs)  # 100 m² of 30 m pixels
    with pytest.raises(ValueError, match=r"the study area \(100 m²\) covers no pixel"):
        study_area(GRID, None, aoi, None, None, buffer_km=10, subregion_field="subregion")


@pytest.mark.bad_input
def test_drivers_sample_analysis_pixels_with_enough_valid_rsei(tmp_path):
    """RSEI on the analysis grid is the mean of its valid fine pixels, kept where they cover the minimum share."""
    fine = Grid.from_bounds("EPSG:32650", (0, 0, 120, 60), 10)  # 12 x 6 px -> 2 x 1 analysis pixels of 60 m
    values = np.full(fine.shape, np.nan, np.float32)
    values[:, :6] = np.arange(36).reshape(6, 6)  # left cell: all 36 valid, mean 17.5
    values[:2, 6:] = 1.0  # right cell: 12 of 36 valid
    write_raster(tmp_path / "r.tif", values[None], fine.profile(1), ["rsei"])
    target = analysis_grid(fine, 60)
    half = analysis_rsei(tmp_path / "r.tif", fine, target, 4, 0.5)
    np.testing.assert_allclose(half, [[17.5, np.nan]])
    np.testing.assert_allclose(analysis_rsei(tmp_path / "r.tif", fine, target, 4, 0.3), [[17.5, 1.0]])
    with rasterio.open(tmp_path / "r.tif") as src:
        assert src.descriptions == ("rsei",)


def test_domain_and_water_come_from_one_read_of_the_water_mask(region):
    """255 = outside the study area, 1 = water: the same masks as numpy, as dask tiles and on a window."""
    from rasterio.windows import Window

    domain, water = read_domain_and_water(region / "w.tif", GRID)
    expected = np.zeros(GRID.shape, bool)
    expected[:, 10:22] = True
    np.testing.assert_array_equal(domain, expected)
    assert water.sum() == 3 * 12 and water[:3, 10:22].all()
    tiled = read_domain_and_water(region / "w.tif", GRID, 16)
    np.testing.assert_array_equal(np.asarray(tiled[0]), domain)
    np.testing.assert_array_equal(np.asarray(tiled[1]), water)
    part = read_domain_and_water(region / "w.tif", GRID, window=Window(8, 1, 10, 4))
    np.testing.assert_array_equal(part[0], domain[1:5, 8:18])
    np.testing.assert_array_equal(part[1], water[1:5, 8:18])
    with pytest.raises(ValueError, match="w.tif: read_domain_and_water reads a window only as numpy"):
        read_domain_and_water(region / "w.tif", GRID, 16, Window(0, 0, 4, 4))
