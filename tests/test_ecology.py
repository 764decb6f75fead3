"""RSEI and REM: PCA against scikit-learn, orientation, invariances, degenerate input, dask = numpy, Rao's Q and
FVC by hand; RSEI on the real Landsat scenes."""

import dataclasses

import numpy as np
import pytest
from conftest import MARBURG, need
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from minerestore.ecology.pca import DegenerateIndicator
from minerestore.ecology.rem import RemOptions, apply_rem, fit_rem, fvc, rao_q, rem, rem_base
from minerestore.ecology.rsei import grades, rsei, rsei_pooled

# The schema's defaults (the study's values): REM's options (ecology.rao_window, soil_index, fvc_percentiles,
# imper_mode, imper_bci_threshold), the RSEI grade width (ecology.grade_width); the Landsat OLI tasseled cap.
STUDY_REM = RemOptions(window=5, soil_index="rndsi", fvc_percentiles=(5.0, 95.0), imper_mode="binary",
                       imper_bci_threshold=0.3)
GRADE_WIDTH = 0.2
OLI = "landsat_oli"


def scene(seed=0, shape=(40, 40)):
    rng = np.random.default_rng(seed)
    v = rng.uniform(0, 1, shape)
    ndvi = 0.1 + 0.7 * v + rng.normal(0, 0.03, shape)
    wet = -0.2 + 0.15 * v + rng.normal(0, 0.02, shape)
    ndbsi = 0.2 - 0.5 * v + rng.normal(0, 0.03, shape)
    lst = 310 - 12 * v + rng.normal(0, 1, shape)
    ndvi[0, 0] = np.nan
    return v, ndvi, wet, ndbsi, lst


def normalised(*layers):
    ok = np.all([np.isfinite(a) for a in layers], axis=0)
    return np.column_stack([(a[ok] - a[ok].min()) / (a[ok].max() - a[ok].min()) for a in layers]), ok


def test_loadings_equal_scikit_learn_pca():
    _, *layers = scene()
    result = rsei(*layers)
    x, _ = normalised(*layers)
    pca = PCA(n_components=4).fit(x)
    ref = pca.components_[0]
    ref = ref if ref[0] + ref[1] > 0 else -ref
    np.testing.assert_allclose(result.loadings, ref, atol=1e-8)
    assert result.pc1_share == pytest.approx(pca.explained_variance_ratio_[0])
    assert result.loadings[0] > 0 and result.loadings[2] < 0 and result.loadings[3] < 0


def test_rsei_range_grades_and_meaning():
    v, *layers = scene()
    index, loadings, share = rsei(*layers)
    assert np.nanmin(index) == 0 and np.nanmax(index) == 1 and np.isnan(index[0, 0])
    assert np.corrcoef(index[1:].ravel(), v[1:].ravel())[0, 1] > 0.95
    g = grades(index, GRADE_WIDTH)
    assert g[0, 0] == 0 and set(np.unique(g[1:])) <= {1, 2, 3, 4, 5}
    assert grades(np.array([0.0, 0.2, 0.59, 0.8, 1.0]), GRADE_WIDTH).tolist() == [1, 2, 3, 5, 5]
    ten = grades(np.array([0.0, 0.05, 0.1, 0.29, 0.3, 0.55, 0.9, 0.99, 1.0, np.nan]), width=0.1)
    assert ten.tolist() == [1, 1, 2, 3, 4, 6, 10, 10, 10, 0]  # a value on a break takes the upper grade
    with pytest.raises(ValueError, match="whole number"):
        grades(np.array([0.5]), width=0.3)


@settings(max_examples=25, deadline=None)
@given(which=st.integers(0, 3), scale=st.floats(0.01, 100), offset=st.floats(-50, 50))
def test_rsei_invariant_to_scaling_an_indicator(which, scale, offset):
    _, *layers = scene(1)
    base = rsei(*layers).rsei
    layers[which] = layers[which] * scale + offset
    np.testing.assert_allclose(rsei(*layers).rsei, base, atol=1e-9)


def test_orientation_when_pc1_comes_out_reversed():
    """eigh returns PC1 with NDVI + WET loading negative here; the rule flips it, which equals Xu's 1 − PC1."""
    _, *layers = scene(2)
    x, ok = normalised(*layers)
    raw = np.linalg.eigh(np.cov(x, rowvar=False))[1][:, -1]
    flip = raw if raw[0] + raw[1] < 0 else -raw  # the reversed orientation
    pc = x @ flip
    one_minus = 1 - pc
    expected = (one_minus - one_minus.min()) / (one_minus.max() - one_minus.min())
    result = rsei(*layers)
    np.testing.assert_allclose(result.rsei[ok], expected, atol=1e-9)
    np.testing.assert_allclose(result.loadings, -flip, atol=1e-9)


def test_valid_mask_and_degenerate_indicator():
    _, ndvi, wet, ndbsi, lst = scene()
    water = np.zeros(ndvi.shape, bool)
    water[:5] = True
    out = rsei(ndvi, wet, ndbsi, lst, valid=~water).rsei
    assert np.isnan(out[:5]).all() and np.isfinite(out[5:, 1:]).all()
    with pytest.raises(DegenerateIndicator, match="lst is constant"):
        rsei(ndvi, wet, ndbsi, np.full(ndvi.shape, 300.0))
    with pytest.raises(ValueError, match="at least 2 pixels valid"):
        rsei(ndvi, wet, ndbsi, lst, valid=np.zeros(ndvi.shape, bool))


def test_dask_equals_numpy():
    da = pytest.importorskip("dask.array")
    _, *layers = scene(3, (60, 50))
    ref = rsei(*layers)
    lazy = rsei(*(da.from_array(a, chunks=(16, 16)) for a in layers))
    np.testing.assert_allclose(lazy.rsei.compute(), ref.rsei, atol=1e-9)
    np.testing.assert_allclose(lazy.loadings, ref.loadings, atol=1e-9)


def test_whole_array_rsei_rem_and_writing_never_import_dask(tmp_path):
    """minerestore.lazy: whole numpy arrays (a region under tiles.whole_region_px) go through RSEI, REM, the
    spill and the tiled writer without importing dask, whose import was a third of a short ecology_year job."""
    code = f"""
import sys
import numpy as np
from minerestore.ecology.rem import RemOptions, rem
from minerestore.ecology.rsei import rsei
from minerestore.raster.grid import Grid
from minerestore.raster.write import spill, write_blocks
rng = np.random.default_rng(1)
v = rng.uniform(0, 1, (40, 30))
bands = {{"blue": 0.08 - 0.05 * v, "green": 0.11 - 0.05 * v, "red": 0.16 - 0.13 * v, "nir": 0.2 + 0.2 * v,
         "swir1": 0.3 - 0.13 * v, "swir2": 0.26 - 0.18 * v}}
bands = {{k: a + rng.normal(0, 0.004, v.shape) for k, a in bands.items()}}
ndvi = (bands["nir"] - bands["red"]) / (bands["nir"] + bands["red"])
res = rsei(ndvi, -v, v, 300 + 10 * v)
r = rem(bands, ndvi, coefficients="landsat_oli", valid=np.ones(v.shape, bool),
        options=RemOptions(5, "rndsi", (5.0, 95.0), "binary", 0.3))
grid = Grid.from_bounds("EPSG:32650", (0, 0, 900, 1200), 30)
layers = spill({{"rsei": res.rsei}}, grid, 16, {str(tmp_path)!r})
write_blocks({str(tmp_path / "out.tif")!r}, [layers["rsei"], r.rem], grid, ["rsei", "rem"], tags=None, chunk_px=16)
assert not [m for m in sys.modules if m.split(".")[0] == "dask"], "dask imported"
"""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "out.tif").exists()


def test_pooled_rsei_compares_years():
    _, *a = scene(4)
    b = [x.copy() for x in a]
    b[0] = b[0] - 0.2  # a drier, less green year
    pooled = rsei_pooled({2001: (*a, None), 2002: (*b, None)})
    assert np.nanmean(pooled[2002].rsei) < np.nanmean(pooled[2001].rsei)
    np.testing.assert_allclose(pooled[2001].loadings, pooled[2002].loadings)
    assert np.nanmax(np.fmax(pooled[2001].rsei, pooled[2002].rsei)) == pytest.approx(1.0)
    per_year = rsei(*b).rsei
    assert np.nanmean(per_year) > np.nanmean(pooled[2002].rsei)  # per-year RSEI re-stretches each year
    # the pooled PCA is scikit-learn's PCA of both years' normalised pixels stacked
    ok = [np.all([np.isfinite(x) for x in v], axis=0) for v in (a, b)]
    lows = [min(np.nanmin(x[o]), np.nanmin(y[p])) for x, y, o, p in zip(a, b, [ok[0]] * 4, [ok[1]] * 4)]
    highs = [max(np.nanmax(x[o]), np.nanmax(y[p])) for x, y, o, p in zip(a, b, [ok[0]] * 4, [ok[1]] * 4)]
    stacked = np.vstack([np.column_stack([(x[o] - lo) / (hi - lo) for x, lo, hi in zip(v, lows, highs)])
                         for v, o in zip((a, b), ok)])
    reference = PCA(n_components=1).fit(stacked).components_[0]
    assert abs(np.dot(reference, pooled[2001].loadings)) == pytest.approx(1.0, abs=1e-9)
    da = pytest.importorskip("dask.array")
    lazy = rsei_pooled({y: (*(da.from_array(x, chunks=15) for x in v), None) for y, v in ((2001, a), (2002, b))})
    np.testing.assert_allclose(lazy[2002].rsei.compute(), pooled[2002].rsei, atol=1e-9)


def test_rao_q_by_hand_and_brute_force():
    x = np.array([[1.0, 2.0, 4.0], [0.0, np.nan, 3.0], [5.0, 1.0, 2.0]])
    q = rao_q(x, 3)
    centre = x[np.isfinite(x)]
    expected = np.abs(centre[:, None] - centre[None, :]).sum() / centre.size**2
    assert q[1, 1] == pytest.approx(expected)
    corner = np.array([1.0, 2.0, 0.0])  # top-left window: 1, 2, 0 (and NaN)
    assert q[0, 0] == pytest.approx(np.abs(corner[:, None] - corner[None, :]).sum() / 9)
    assert np.isnan(rao_q(np.full((3, 3), np.nan), 3)).all()
    with pytest.raises(ValueError, match="odd"):
        rao_q(x, 4)


def test_fvc_pixel_dichotomy():
    ndvi = np.linspace(-0.1, 0.9, 1001)
    cover = fvc(ndvi, *STUDY_REM.fvc_percentiles)
    soil, veg = np.percentile(ndvi, [5, 95])
    assert cover[0] == 0 and cover[-1] == 1
    mid = np.argmin(np.abs(ndvi - 0.4))
    assert cover[mid] == pytest.approx((0.4 - soil) / (veg - soil), abs=0.01)


def three_classes(seed=5, shape=(30, 30)):
    """Forest (0), bare soil (1) and built-up (2) pixels with their reflectance and a little noise."""
    rng = np.random.default_rng(seed)
    classes = rng.integers(0, 3, shape)
    spectra = {0: (0.03, 0.06, 0.03, 0.36, 0.17, 0.08), 1: (0.09, 0.13, 0.18, 0.24, 0.32, 0.28),
               2: (0.09, 0.10, 0.11, 0.15, 0.19, 0.18)}
    names = ("blue", "green", "red", "nir", "swir1", "swir2")
    bands = {n: np.choose(classes, [spectra[c][i] for c in range(3)]) + rng.normal(0, 0.003, shape)
             for i, n in enumerate(names)}
    return classes, bands, (bands["nir"] - bands["red"]) / (bands["nir"] + bands["red"])


@pytest.mark.parametrize("imper_mode", ["binary", "continuous"])
def test_rem_orders_vegetation_above_bare_and_impervious(imper_mode):
    classes, bands, nd = three_classes()
    options = dataclasses.replace(STUDY_REM, imper_mode=imper_mode)
    res = rem(bands, nd, coefficients=OLI, options=options)
    assert res.weights.sum() == pytest.approx(1.0) and (res.weights >= 0).all()
    for layer in (res.rem, res.i_wet, res.i_veg, res.i_soil, res.i_imper):
        assert np.nanmin(layer) >= -1e-9 and np.nanmax(layer) <= 1 + 1e-9
    means = [np.nanmean(res.rem[classes == c]) for c in range(3)]
    assert means[0] > means[1] and means[0] > means[2]
    assert np.nanmean(res.i_imper[classes == 2]) < np.nanmean(res.i_imper[classes == 0])
    da = pytest.importorskip("dask.array")
    lazy = rem({k: da.from_array(v, chunks=10) for k, v in bands.items()}, da.from_array(nd, chunks=10),
               coefficients=OLI, options=options)
    np.testing.assert_allclose(lazy.rem.compute(), res.rem, atol=1e-9)


def test_binary_imper_is_zero_on_rock_and_impervious():
    """I_imper takes two values (Yangtze study, Eq. 5): 0 where BCI exceeds the threshold or the land cover is
    built-up, 1 elsewhere; a rock pixel's REM is then 0 and a class's mean I_imper its share of non-rock pixels."""
    classes, bands, nd = three_classes()
    base = rem_base(bands, nd, coefficients=OLI, window=STUDY_REM.window)
    model = fit_rem([base], STUDY_REM)
    h, v, wet = ((base[c] - model["bounds"][c][0]) / (model["bounds"][c][1] - model["bounds"][c][0])
                 for c in ("brightness", "greenness", "wetness"))
    bci = ((h + wet) / 2 - v) / ((h + wet) / 2 + v)
    res = apply_rem(base, model, STUDY_REM)
    assert set(np.unique(res.i_imper)) == {0.0, 1.0}
    np.testing.assert_array_equal(res.i_imper == 0, bci > 0.3)
    assert (res.rem[bci > 0.3] == 0).all() and (res.rem[bci <= 0.3] > 0).all()
    assert np.mean(res.i_imper[classes == 1]) == pytest.approx(np.mean(bci[classes == 1] <= 0.3))
    built = classes == 2
    marked = apply_rem(rem_base(bands, nd, coefficients=OLI, window=STUDY_REM.window, impervious=built), model,
                       STUDY_REM)
    assert (marked.i_imper[built] == 0).all() and (marked.rem[built] == 0).all()
    np.testing.assert_array_equal(marked.i_imper[~built], res.i_imper[~built])


def test_pooled_rem_fits_every_statistic_on_all_years():
    """Two copies of a year pool to that year's own model; a second, greener year changes the pooled bounds, so
    the first year's REM is no longer stretched to its own extremes."""
    classes, bands, nd = three_classes()
    base = rem_base(bands, nd, coefficients=OLI, window=STUDY_REM.window)
    single = fit_rem([base], STUDY_REM)
    twice = fit_rem([base, base], STUDY_REM)
    assert twice["fvc"] == single["fvc"] and twice["bounds"].keys() == single["bounds"].keys()
    for k, b in single["bounds"].items():
        assert twice["bounds"][k] == pytest.approx(b, abs=1e-12)
    np.testing.assert_allclose(twice["weights"], single["weights"], atol=1e-12)
    greener = {k: np.where(classes == 1, v * 0.5, v) for k, v in bands.items()}
    greener["nir"] = np.where(classes == 1, bands["nir"] * 1.8, bands["nir"])
    nd2 = (greener["nir"] - greener["red"]) / (greener["nir"] + greener["red"])
    second = rem_base(greener, nd2, coefficients=OLI, window=STUDY_REM.window)
    pooled = fit_rem([base, second], STUDY_REM)
    for k in ("brightness", "greenness", "wetness", "ndsi", "si", "pd"):  # layers before any fitted statistic
        low, high = single["bounds"][k]
        assert pooled["bounds"][k][0] <= low and pooled["bounds"][k][1] >= high
    years = [apply_rem(b, pooled, STUDY_REM).rem for b in (base, second)]  # REM spans [0, 1] over both years together
    assert min(np.nanmin(r) for r in years) == pytest.approx(0) and max(np.nanmax(r) for r in years) == pytest.approx(1)
    assert not np.allclose(years[0], apply_rem(base, single, STUDY_REM).rem)


@pytest.mark.realdata
@pytest.mark.parametrize("prefix,sensor,when", [
    ("LE07_L1TP_195025_20010730_20170204_01_T1_", "landsat7_l1", "2001-07-30"),
    ("LC08_L1TP_195025_20130707_20170503_01_T1_", "landsat8_l1", "2013-07-07"),
])
def test_rsei_on_real_landsat(prefix, sensor, when):
    from datetime import date

    import rasterio

    from minerestore.indices import TASSELED_CAP_FOR_SENSOR, ndbsi, ndvi, tasseled_cap
    from minerestore.raster.grid import Grid
    from minerestore.sources.acquisitions import Acquisition, read_observation

    folder = need(MARBURG)
    with rasterio.open(folder / f"{prefix}B4.TIF") as src:
        grid = Grid.from_bounds(str(src.crs), tuple(src.bounds), 30.0)
    obs = read_observation(Acquisition(str(folder / f"{prefix}{{band}}.TIF"), date.fromisoformat(when), sensor), grid,
                           conservative_scl=False)
    nd = ndvi(obs["red"], obs["nir"])
    wet = tasseled_cap(obs, "wetness", TASSELED_CAP_FOR_SENSOR[sensor])
    result = rsei(nd, wet, ndbsi(obs), obs["lst"])
    ok = np.isfinite(result.rsei)
    low, high = np.percentile(nd[ok], [10, 90])
    most, least = result.rsei[ok & (nd >= high)].mean(), result.rsei[ok & (nd <= low)].mean()
    print(f"{when}: loadings {np.round(result.loadings, 3).tolist()}, PC1 {100 * result.pc1_share:.1f} %, "
          f"RSEI most vegetated decile {most:.3f} vs least {least:.3f}")
    assert most > least


def test_sentinel2_run_without_lst_says_how_to_supply_it(tmp_path):
    import rasterio
    from affine import Affine

    from minerestore.composite.season import COMPOSITE_BANDS
    from minerestore.ecology.layers import read_year
    from minerestore.raster.grid import Grid

    grid = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 40), 4, 4)
    data = np.full((len(COMPOSITE_BANDS), 4, 4), 0.2, np.float32)
    data[COMPOSITE_BANDS.index("lst")] = np.nan
    path = tmp_path / "2020.tif"
    with rasterio.open(path, "w", **grid.profile(len(COMPOSITE_BANDS))) as dst:
        dst.write(data)
        dst.descriptions = tuple(COMPOSITE_BANDS)
        dst.update_tags(year=2020, sensor="sentinel2")
    water = np.zeros((4, 4), bool)
    with pytest.raises(ValueError, match=r"no LST in the 2020 composite.*lst_sensor.*regions.<name>.lst"):
        read_year(path, ~water, water, mndwi_threshold=0.0, grid=grid, wet_setting="auto", family="sentinel2")
    lst = tmp_path / "lst.tif"
    with rasterio.open(lst, "w", **grid.profile(1)) as dst:
        dst.write(np.full((1, 4, 4), 300.0, np.float32))
    assert np.allclose(read_year(path, ~water, water, mndwi_threshold=0.0, grid=grid, lst_path=str(lst),
                                 wet_setting="auto", family="sentinel2")["lst"], 300.0)


def test_tiled_read_and_write_equal_the_whole_raster(tmp_path):
    """read_year in tiles (dask) + write_blocks give the same RSEI and REM as whole arrays (tiles.size_px)."""
    from minerestore.composite.season import COMPOSITE_BANDS
    from minerestore.ecology.layers import read_year
    from minerestore.raster.grid import Grid
    from minerestore.raster.read import read_domain_and_water
    from minerestore.raster.write import write_blocks, write_raster

    rng = np.random.default_rng(9)
    grid = Grid.from_bounds("EPSG:32650", (0, 0, 1230, 900), 30)  # 41 x 30 px: tiles of 16 leave ragged edges
    v = rng.uniform(0, 1, grid.shape)
    bands = {"blue": 0.08 - 0.05 * v, "green": 0.11 - 0.05 * v, "red": 0.16 - 0.13 * v, "nir": 0.2 + 0.2 * v,
             "swir1": 0.3 - 0.13 * v, "swir2": 0.26 - 0.18 * v, "lst": 310 - 12 * v}
    bands = {k: a + rng.normal(0, 0.004, grid.shape) for k, a in bands.items()}
    bands["ndvi"] = (bands["nir"] - bands["red"]) / (bands["nir"] + bands["red"])
    stack = np.stack([bands.get(b, np.zeros(grid.shape)) for b in COMPOSITE_BANDS]).astype(np.float32)
    stack[:, 3, 5] = np.nan
    write_raster(tmp_path / "c.tif", stack, grid.profile(len(COMPOSITE_BANDS)), list(COMPOSITE_BANDS),
                 {"year": 2020, "sensors": "sentinel2_l2a"})
    water = np.zeros(grid.shape, np.uint8)
    water[20:, :4] = 1
    write_raster(tmp_path / "w.tif", water[None], grid.profile(1, "uint8", 255), ["water"])
    whole, tiled = (read_year(tmp_path / "c.tif", *read_domain_and_water(tmp_path / "w.tif", grid, c),
                              mndwi_threshold=0.0, grid=grid, wet_setting="auto", family="sentinel2", chunk_px=c)
                    for c in (None, 16))
    for d in (whole, tiled):
        d["rsei"] = rsei(d["ndvi"], d["wet"], d["ndbsi"], d["lst"], d["valid"]).rsei
        d["rem"] = rem(d["bands"], d["ndvi"], coefficients=d["coefficients"], valid=d["valid"],
                       options=STUDY_REM).rem
    write_blocks(tmp_path / "out.tif", [tiled["rsei"], grades(tiled["rsei"], GRADE_WIDTH), tiled["rem"]], grid,
                 ["rsei", "grade", "rem"], tags={}, chunk_px=16)
    import rasterio

    with rasterio.open(tmp_path / "out.tif") as src:
        out = src.read()
    np.testing.assert_allclose(out[0], whole["rsei"], atol=1e-6)
    np.testing.assert_array_equal(out[1], grades(whole["rsei"], GRADE_WIDTH))
    np.testing.assert_allclose(out[2], whole["rem"], atol=1e-6)
    assert np.isnan(out[0][3, 5]) and np.isnan(out[0][25, 1])  # missing and water pixels


def test_on_equal_bareness_a_steep_pixel_has_a_lower_soil_index():
    """I_soil combines bareness and flatness (the Yangtze study, after Sun et al. 2022): two pixels of the same
    bare-soil spectrum, one flat and one on a 20° slope (flatness 1 − 20/25 = 0.2), score in that order; without
    flatness they score the same, and a pixel without a DEM value is left out."""
    classes, bands, nd = three_classes()
    bare = np.argwhere(classes == 1)
    (r1, c1), (r2, c2) = bare[0], bare[1]
    for b in bands.values():
        b[r2, c2] = b[r1, c1]
    nd[r2, c2] = nd[r1, c1]
    flat = np.ones(nd.shape, np.float32)
    flat[r2, c2] = 1 - 20 / 25
    flat[0, 0] = np.nan
    with_terrain = rem(bands, nd, coefficients=OLI, options=STUDY_REM, flatness=flat)
    assert with_terrain.i_soil[r1, c1] > with_terrain.i_soil[r2, c2]
    assert np.isnan(with_terrain.rem[0, 0])
    plain = rem(bands, nd, coefficients=OLI, options=STUDY_REM)
    assert plain.i_soil[r1, c1] == pytest.approx(plain.i_soil[r2, c2])


def test_flatness_of_a_dem_by_hand(tmp_path):
    """A DEM that is flat in its west half and rises 10° eastwards in the other: flatness 1 and 1 − 10/25 = 0.6
    away from the break; streamed tiles give the same."""
    import rasterio
    from affine import Affine

    from minerestore.ecology.layers import flatness
    from minerestore.raster.grid import Grid

    grid = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 200), 20, 20)
    x = np.arange(20) * 10.0
    dem = np.repeat(np.where(x < 100, 0.0, (x - 100) * np.tan(np.radians(10)))[None], 20, axis=0)
    with rasterio.open(tmp_path / "dem.tif", "w", driver="GTiff", width=20, height=20, count=1, dtype="float64",
                       crs=grid.crs, transform=grid.transform) as dst:
        dst.write(dem, 1)
    whole = flatness(tmp_path / "dem.tif", 25, grid)
    np.testing.assert_allclose(whole[:, :9], 1, atol=1e-6)
    np.testing.assert_allclose(whole[:, 11:], 0.6, atol=1e-4)
    np.testing.assert_allclose(flatness(tmp_path / "dem.tif", 25, grid, chunk_px=7).compute(), whole, atol=1e-6)
    assert flatness(tmp_path / "dem.tif", None, grid) is None


@pytest.mark.bad_input
def test_flatness_without_a_dem_is_warned_and_left_out(caplog):
    from affine import Affine

    from minerestore.ecology.layers import flatness
    from minerestore.raster.grid import Grid

    with caplog.at_level("WARNING"):
        assert flatness(None, 25, Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 200), 20, 20)) is None
    assert "no DEM for this region: REM's I_soil is bareness alone" in caplog.text
