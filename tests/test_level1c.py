"""Sentinel-2 Level-1C (issue 34): top-of-atmosphere scaling with the baseline 04.00 offset, QA60 clouds, s2cloudless
where there is no QA60, NDSI snow, the checks of a scene's band files (CRS, processing baseline, JPEG 2000), one
level per date, and the real cloud-free crop of ../shared/data/sentinel2-l1c-virginia read by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import rasterio
from affine import Affine
from conftest import SHARED_DATA, need
from rasterio.windows import Window

from minerestore.composite.season import reflectance_tag
from minerestore.raster.grid import Grid
from minerestore.sources import acquisitions as acq_module
from minerestore.sources.acquisitions import Acquisition, check_acquisition, read_observation
from minerestore.sources.clouds import cloud_mask, detector_grid
from minerestore.sources.local import refuse_mixed_levels
from minerestore.sources.sensors import PROFILES, S2CLOUDLESS_BANDS, ndsi_snow, qa60_masks, scale_level2

VIRGINIA = SHARED_DATA / "sentinel2-l1c-virginia"
GRID = Grid("EPSG:32650", Affine(10, 0, 500000, 0, -10, 3000200), 20, 20)
#: TOA reflectance of the synthetic scenes' surfaces, per native band (B01 … B12, B8A)
VEGETATION = {"B01": 0.10, "B02": 0.08, "B03": 0.10, "B04": 0.05, "B05": 0.12, "B08": 0.35, "B8A": 0.36,
              "B09": 0.03, "B10": 0.005, "B11": 0.18, "B12": 0.09}
CLOUD = {"B01": 0.55, "B02": 0.52, "B03": 0.51, "B04": 0.50, "B05": 0.52, "B08": 0.55, "B8A": 0.55, "B09": 0.25,
         "B10": 0.06, "B11": 0.40, "B12": 0.30}
SNOW = {**VEGETATION, "B03": 0.60, "B04": 0.58, "B08": 0.50, "B11": 0.08, "B12": 0.05}


def write_scene(folder, surfaces: list, qa60: np.ndarray | None = None, *, offset: int = 0, grid: Grid = GRID,
                stem: str = "S2_20160712") -> str:
    """Per-band GeoTIFFs of a Level-1C scene on ``grid``: ``surfaces`` lists (row slice, col slice, spectrum), the
    first covering the whole scene; DN = reflectance x 10000 + ``offset``. Returns the path pattern."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = {"driver": "GTiff", "height": grid.height, "width": grid.width, "count": 1, "dtype": "uint16",
               "crs": grid.crs, "transform": grid.transform, "nodata": 0}
    for band in VEGETATION:
        dn = np.zeros(grid.shape, np.uint16)
        for rows, cols, spectrum in surfaces:
            dn[rows, cols] = round(spectrum[band] * 10000) + offset
        with rasterio.open(folder / f"{stem}_{band}.tif", "w", **profile) as dst:
            dst.write(dn, 1)
    if qa60 is not None:
        with rasterio.open(folder / f"{stem}_QA60.tif", "w", **profile) as dst:
            dst.write(qa60.astype(np.uint16), 1)
    return str(folder / f"{stem}_{{band}}.tif")


def everywhere(spectrum: dict, *patches) -> list:
    """Surfaces of :func:`write_scene`: ``spectrum`` everywhere, then each (row slice, col slice, spectrum)."""
    return [(slice(None), slice(None), spectrum), *patches]


def test_qa60_opaque_and_cirrus_bits():
    qa = np.array([0, 1 << 10, 1 << 11, (1 << 10) | (1 << 11), 1 << 9])
    clear, snow = qa60_masks(qa)
    assert clear.tolist() == [True, False, False, False, True] and not snow.any()


def test_toa_reflectance_with_and_without_the_baseline_offset():
    dn = {"red": np.array([[1500, 0]], np.uint16)}
    harmonised, clear = scale_level2(dn, PROFILES["sentinel2_l1c"])
    assert harmonised["red"][0, 0] == pytest.approx(0.15) and np.isnan(harmonised["red"][0, 1]) and clear.tolist() == [[True, False]]
    raw, _ = scale_level2(dn, PROFILES["sentinel2_l1c_pb04"])
    assert raw["red"][0, 0] == pytest.approx(0.05)  # (1500 - 1000) / 10000


def test_ndsi_snow_by_hand():
    # snow: NDSI = (0.6 - 0.08) / (0.6 + 0.08) = 0.765, NIR 0.5; water: NDSI 0.82 but NIR 0.02; soil: NDSI < 0;
    # dim: NDSI 0.6 but green 0.08
    green, nir, swir1 = np.array([0.6, 0.1, 0.1, 0.08]), np.array([0.5, 0.02, 0.25, 0.2]), np.array([0.08, 0.01, 0.3, 0.02])
    assert ndsi_snow(green, nir, swir1).tolist() == [True, False, False, False]
    assert not ndsi_snow(np.array([np.nan]), np.array([0.5]), np.array([0.1])).any()


def test_level1c_clouds_from_qa60_and_snow_from_ndsi(tmp_path):
    qa = np.zeros(GRID.shape, np.uint16)
    qa[0:5, 0:5] = 1 << 10  # opaque cloud
    qa[0:5, 15:20] = 1 << 11  # cirrus
    pattern = write_scene(tmp_path / "scene", everywhere(VEGETATION, (slice(10, 15), slice(0, 5), SNOW)), qa)
    acq = Acquisition(pattern, date(2016, 7, 12), "sentinel2_l1c")
    assert not acq.uses_cloud_detector() and "QA60" in acq.native_bands()
    check_acquisition(acq)
    obs = read_observation(acq, GRID, conservative_scl=False)
    assert not obs["clear"][0:5, 0:5].any() and not obs["clear"][0:5, 15:20].any()
    assert obs["snow"][10:15, 0:5].all() and not obs["clear"][10:15, 0:5].any()
    assert obs["clear"][15:, 5:].all() and not obs["snow"][15:, 5:].any()
    assert obs["red"][19, 19] == pytest.approx(0.05) and obs["nir"][19, 19] == pytest.approx(0.35)
    assert np.isnan(obs["red"][12, 2])  # snow is not a clear observation of the surface
    # an NDVI-only read (the mask periods) still sees the snow: its green and SWIR1 are read for the NDSI rule
    ndvi_only = read_observation(acq, GRID, only=("red", "nir", "ndvi"), conservative_scl=False)
    assert set(ndvi_only) == {"red", "nir", "clear", "snow"} and ndvi_only["snow"][10:15, 0:5].all()


def test_level1c_without_qa60_takes_clouds_from_s2cloudless(tmp_path):
    grid = Grid("EPSG:32650", Affine(20, 0, 500000, 0, -20, 3000400), 60, 60)  # 3 grid pixels per 60 m cell
    pattern = write_scene(tmp_path / "scene", everywhere(VEGETATION, (slice(21, 39), slice(21, 39), CLOUD)), grid=grid)
    acq = Acquisition(pattern, date(2016, 7, 12), "sentinel2_l1c")
    assert acq.uses_cloud_detector() and set(S2CLOUDLESS_BANDS) <= set(acq.native_bands())
    obs = read_observation(acq, grid, conservative_scl=False)
    assert not obs["clear"][21:39, 21:39].any()  # the cloud, dilated by 2 cells of 60 m
    assert obs["clear"][:9, :].all() and obs["clear"][51:, :].all()  # far from it
    assert not obs["clear"][15:21, 30].all()  # the dilation reaches past the cloud's edge
    # the mask of a window is the same as the mask of the whole grid there (halo, cells on the grid's origin)
    toa = lambda g, natives, resampling: acq_module.toa_bands(acq, g, natives, resampling)  # noqa: E731
    whole = cloud_mask(toa, grid, Window(0, 0, 60, 60))
    part = cloud_mask(toa, grid, Window(25, 10, 31, 37))
    np.testing.assert_array_equal(part, whole[10:47, 25:56])
    coarse, factor, row, col = detector_grid(grid, Window(25, 10, 31, 37))
    assert factor == 3 and coarse.resolution == 60 and (row, col) == (10 - 3 * (3 - 6), 25 - 3 * (8 - 6))


@pytest.mark.bad_input
def test_level1c_and_level2a_of_one_date_are_refused(tmp_path):
    l1c = Acquisition("/data/S2A_MSIL1C_20160712_{band}.jp2", date(2016, 7, 12), "sentinel2_l1c")
    l2a = Acquisition("/data/S2A_MSIL2A_20160712_{band}.jp2", date(2016, 7, 12), "sentinel2_l2a")
    other_day = Acquisition("/data/S2A_MSIL2A_20160722_{band}.jp2", date(2016, 7, 22), "sentinel2_l2a")
    refuse_mixed_levels([l1c, other_day], "acq.csv")  # one level per date: fine
    with pytest.raises(ValueError, match=r"MSIL1C_20160712_\{band\}.jp2 \(sentinel2_l1c\) and .*MSIL2A_20160712_"
                                         r"\{band\}.jp2 \(sentinel2_l2a\) are Level-1C and Level-2A of 2016-07-12"):
        refuse_mixed_levels([l1c, l2a, other_day], "acq.csv")
    assert reflectance_tag([l1c, other_day]) == "surface+top-of-atmosphere" and reflectance_tag([l1c]) == "top-of-atmosphere"


@pytest.mark.bad_input
def test_band_files_of_one_scene_must_share_crs_and_baseline(tmp_path):
    pattern = write_scene(tmp_path / "crs", everywhere(VEGETATION), np.zeros(GRID.shape))
    other = Grid("EPSG:32651", GRID.transform, 20, 20)
    write_scene(tmp_path / "other", everywhere(VEGETATION), grid=other)
    (tmp_path / "crs" / "S2_20160712_B11.tif").write_bytes((tmp_path / "other" / "S2_20160712_B11.tif").read_bytes())
    with pytest.raises(ValueError, match=r"different CRSs \(.*S2_20160712_B02.tif: EPSG:32650.*S2_20160712_B11.tif: "
                                         r"EPSG:32651"):
        check_acquisition(Acquisition(pattern, date(2016, 7, 12), "sentinel2_l1c"))
    # band files that say they come from products of two processing baselines (their PROCESSING_BASELINE tags)
    pattern = write_scene(tmp_path / "tagged", everywhere(VEGETATION), np.zeros(GRID.shape))
    for band, baseline in (("B02", "02.04"), ("B08", "04.00")):
        with rasterio.open(pattern.format(band=band), "r+") as dst:
            dst.update_tags(PROCESSING_BASELINE=baseline)
    with pytest.raises(ValueError, match=r"different processing baselines \(.*_B02.tif: 02.04; .*_B08.tif: 04.00\)"):
        check_acquisition(Acquisition(pattern, date(2016, 7, 12), "sentinel2_l1c"))


@pytest.mark.bad_input
def test_a_baseline_0400_product_listed_without_its_offset_is_refused(tmp_path):
    folder = tmp_path / "S2B_MSIL1C_20220712T031009_N0400_R075_T50RKU_20220712T060000.SAFE"
    pattern = write_scene(folder, everywhere(VEGETATION), offset=1000, stem="T50RKU_20220712")
    with pytest.raises(ValueError, match=r"processing baseline 04.00 \(in its name\) but listed as sentinel2_l1c, "
                                         r"whose reflectance offset is 0.*list it as sentinel2_l1c_pb04"):
        check_acquisition(Acquisition(pattern, date(2022, 7, 12), "sentinel2_l1c"))
    check_acquisition(Acquisition(pattern, date(2022, 7, 12), "sentinel2_l1c_pb04"))


@pytest.mark.bad_input
def test_a_jpeg2000_file_gdal_cannot_open_names_it_and_the_driver(tmp_path, monkeypatch):
    pattern = write_scene(tmp_path / "scene", everywhere(VEGETATION), np.zeros(GRID.shape))
    jp2 = pattern.replace(".tif", ".jp2")
    for band in [*VEGETATION, "QA60"]:
        src = pattern.format(band=band)
        with rasterio.open(src) as s:
            profile = dict(s.profile, driver="JP2OpenJPEG", QUALITY=100, REVERSIBLE="YES")
            for key in ("blockxsize", "blockysize", "tiled", "compress", "interleave"):
                profile.pop(key, None)
            with rasterio.open(jp2.format(band=band), "w", **profile) as dst:
                dst.write(s.read(1), 1)
    acq = Acquisition(jp2, date(2016, 7, 12), "sentinel2_l1c")
    check_acquisition(acq)  # real JPEG 2000: read losslessly, the values of the GeoTIFFs
    tif = read_observation(Acquisition(pattern, date(2016, 7, 12), "sentinel2_l1c"), GRID, conservative_scl=False)
    np.testing.assert_array_equal(read_observation(acq, GRID, conservative_scl=False)["red"], tif["red"])
    broken = jp2.format(band="B04")
    with open(broken, "r+b") as f:
        f.truncate(300)
    with pytest.raises(OSError, match=r"S2_20160712_B04.jp2: unreadable .*GDAL's JPEG 2000 driver \(JP2OpenJPEG\) "
                                      r"cannot read it: the file is truncated or not JPEG 2000"):
        check_acquisition(acq)
    monkeypatch.setattr(acq_module, "gdal_drivers", lambda: {"GTiff"})
    with pytest.raises(OSError, match=r"S2_20160712_B04.jp2: unreadable .*needs GDAL's JP2OpenJPEG driver, which "
                                      r"this GDAL lacks"):
        check_acquisition(acq)


# --- the real cloud-free crop (../shared/data/sentinel2-l1c-virginia) -------------------------------------------

#: Assumed date: the crop's acquisition date is not recorded (July 2015 – May 2016, its README); its vegetation
#: (a fifth of the pixels with NDVI > 0.5) says a growing-season scene.
VIRGINIA_DATE = date(2015, 8, 15)


@pytest.fixture(scope="module")
def virginia():
    folder = need(VIRGINIA)
    acq = Acquisition(str(folder / "s2_{band}.jp2"), VIRGINIA_DATE, "sentinel2_l1c")
    with rasterio.open(folder / "s2_B04.jp2") as src:  # the grid of the 10 m bands
        grid = Grid(src.crs.to_string(), src.transform, src.width, src.height)
    return acq, grid


def _dn(folder, band, row, col):
    with rasterio.open(folder / f"s2_{band}.jp2") as src:
        return float(src.read(1, window=Window(col, row, 1, 1))[0, 0])


@pytest.mark.realdata
def test_virginia_reflectance_and_ndvi_by_hand(virginia):
    acq, grid = virginia
    check_acquisition(acq)
    assert acq.uses_cloud_detector()  # no QA60 came with the crop
    window = Window(600, 400, 200, 200)
    obs = read_observation(acq, grid, window, conservative_scl=False)
    assert obs["clear"].mean() > 0.99  # a cloud-free scene
    folder = VIRGINIA
    for row, col in ((420, 610), (500, 700), (555, 777)):
        r, c = row - 400, col - 600
        if not obs["clear"][r, c]:
            continue
        red, nir = _dn(folder, "B04", row, col) / 10000, _dn(folder, "B08", row, col) / 10000
        assert obs["red"][r, c] == pytest.approx(red, abs=1e-6) and obs["nir"][r, c] == pytest.approx(nir, abs=1e-6)
        assert (obs["nir"][r, c] - obs["red"][r, c]) / (obs["nir"][r, c] + obs["red"][r, c]) == pytest.approx(
            (nir - red) / (nir + red), abs=1e-5)
        # SWIR1 (B11, 20 m, its grid half a pixel west of the 10 m bands'): bilinear between the four 20 m pixels
        # around the 10 m pixel's centre, at 0.5 col + 0.25 and 0.5 row - 0.25 in 20 m pixel centres
        u, v = 0.5 * col + 0.25, 0.5 * row - 0.25
        j, i = int(np.floor(u)), int(np.floor(v))
        fu, fv = u - j, v - i
        swir = sum(w * _dn(folder, "B11", i + di, j + dj) for di, dj, w in (
            (0, 0, (1 - fv) * (1 - fu)), (0, 1, (1 - fv) * fu), (1, 0, fv * (1 - fu)), (1, 1, fv * fu))) / 10000
        assert obs["swir1"][r, c] == pytest.approx(swir, abs=2e-4)


@pytest.mark.realdata
def test_virginia_runs_through_composite_masks_and_rsei(virginia, tmp_path):
    """A local region on the real Level-1C crop: composite (its reflectance tag top-of-atmosphere), masks, RSEI.
    No thermal band comes with the crop: RSEI gets a stand-in LST raster (a west-east gradient of 295–300 K), so
    this checks that the region runs, not the RSEI values."""
    import geopandas as gpd
    import yaml
    from conftest import snakemake
    from shapely.geometry import box

    acq, grid = virginia
    (tmp_path / "acq.csv").write_text(f"path,date,sensor\n{acq.path},{acq.date},{acq.sensor}\n")
    xmin, ymin, xmax, ymax = grid.bounds
    gpd.GeoDataFrame(geometry=[box(xmin, ymin, xmax, ymax).buffer(-200)], crs=grid.crs).to_file(tmp_path / "aoi.gpkg")
    lst = np.repeat(np.linspace(295, 300, 194, dtype=np.float32)[None], 195, axis=0)
    with rasterio.open(tmp_path / "lst.tif", "w", driver="GTiff", width=194, height=195, count=1, dtype="float32",
                       crs=grid.crs, transform=Affine(100, 0, xmin, 0, -100, ymax), nodata=np.nan) as dst:
        dst.write(lst, 1)
    config = {"regions": {"virginia": {
        "source": "local", "sensor": "sentinel2", "lst_sensor": "none", "years": {"first": 2015, "last": 2015},
        "crs": grid.crs, "resolution": 10, "acquisitions": str(tmp_path / "acq.csv"),
        "aoi": str(tmp_path / "aoi.gpkg"), "lst": str(tmp_path / "lst.tif")}},
        "identify": {"method": "candidates"}, "results": str(tmp_path / "results")}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "results" / "virginia"
    snakemake("--configfile", tmp_path / "config.yaml", "--replace-workflow-config", out / "ecology" / "rsei" / "2015.tif",
              out / "masks" / "snow.tif", timeout=900, check=True)
    with rasterio.open(out / "composites" / "2015.vrt") as src:
        assert src.tags()["reflectance"] == "top-of-atmosphere" and src.tags()["sensors"] == "sentinel2_l1c"
        bands = list(src.descriptions)
        red, nir, n_obs = (src.read(bands.index(b) + 1) for b in ("red", "nir", "n_obs"))
        # the region grid (the AOI's extent) starts whole pixels inside the band files' grid
        dr, dc = round((grid.transform.f - src.transform.f) / 10), round((src.transform.c - grid.transform.c) / 10)
    assert (n_obs == 1).mean() > 0.99  # cloud free: s2cloudless and the NDSI rule keep more than 99 %
    for row, col in ((420, 610), (1500, 300)):
        if n_obs[row - dr, col - dc] == 1:
            assert red[row - dr, col - dc] == pytest.approx(_dn(VIRGINIA, "B04", row, col) / 10000, abs=1e-6)
            assert nir[row - dr, col - dc] == pytest.approx(_dn(VIRGINIA, "B08", row, col) / 10000, abs=1e-6)
    with rasterio.open(out / "ecology" / "rsei" / "2015.tif") as src:
        rsei = src.read(1)
    assert 0.2 < np.isfinite(rsei).mean() < 0.6  # land of the study area (open water is masked)
    assert "top-of-atmosphere reflectance (Level-1 products: Sentinel-2 Level-1C, Landsat Level-1), whose MNDWI runs" in (
        out / "logs" / "masks.log").read_text()
    assert np.nanmin(rsei) == pytest.approx(0) and np.nanmax(rsei) == pytest.approx(1)
