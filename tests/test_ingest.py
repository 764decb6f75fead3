"""Acquisition tables and ingestion: bad inputs give clear messages naming the file; inputs in other CRSs are
re-projected onto the region grid."""

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import Resampling, calculate_default_transform, reproject

from minerestore.composite import season
from minerestore.composite.season import composite_blocks
from minerestore.raster.grid import Grid
from minerestore.sources.acquisitions import (
    Acquisition,
    block_sample,
    check_acquisition,
    read_observation,
    read_table,
)
from minerestore.sources.local import ingest
from minerestore.sources.plan import planned_grid

S2 = ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
CRS = "EPSG:32650"
T = from_origin(400000, 3301000, 10, 10)
# the schema's defaults (the study's): composite.ndvi_percentile, composite.scl_conservative, composite.statistic
PERCENTILE, CONSERVATIVE_SCL, STATISTIC = 90.0, False, "median"


def s2_file(path, dn=(500, 800, 600, 3000, 2000, 1200), scl=4, bands=S2, dtype="uint16", shape=(50, 50), crs=CRS,
            transform=T):
    values = list(dn) + [scl]
    data = np.stack([np.full(shape, v, dtype) for v in values[: len(bands)]])
    with rasterio.open(path, "w", driver="GTiff", width=shape[1], height=shape[0], count=len(bands), dtype=dtype,
                       crs=crs, transform=transform, nodata=0) as dst:
        dst.write(data)
        for i, b in enumerate(bands, 1):
            dst.set_band_description(i, b)
    return path


def table(tmp_path, rows):
    path = tmp_path / "acquisitions.csv"
    pd.DataFrame(rows, columns=["path", "date", "sensor"]).to_csv(path, index=False)
    return path


def grid():
    return Grid(CRS, T, 50, 50)


def scenes(tmp_path, rows, transforms=None):
    """A Sentinel-2 file per row (``transforms``: file name -> transform, default T) and their table."""
    for name, _, _ in rows:
        s2_file(tmp_path / name, transform=(transforms or {}).get(name, T))
    return table(tmp_path, rows)


def test_read_table_resolves_relative_paths_and_sorts(tmp_path):
    path = scenes(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a"), ("b.tif", "2019-07-01", "sentinel2_l2a")])
    acqs = read_table(path)
    assert [a.date.year for a in acqs] == [2019, 2020]
    assert acqs[0].path == str(tmp_path / "b.tif")


@pytest.mark.bad_input
@pytest.mark.parametrize("rows,match", [
    ([("a.tif", "July 1st", "sentinel2_l2a")], r"row 2: cannot parse date 'July 1st'"),
    ([("a.tif", "2020-07-01", "spot7")], r"row 2: unknown sensor 'spot7'"),
])
def test_bad_table_rows(tmp_path, rows, match):
    with pytest.raises((ValueError, KeyError), match=match):
        read_table(table(tmp_path, rows))


@pytest.mark.bad_input
def test_missing_column(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"path": ["a.tif"], "date": ["2020-07-01"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"t.csv: missing column\(s\) \['sensor'\]"):
        read_table(path)



@pytest.mark.parametrize("tiled", [True, False])
def test_block_sample_reads_whole_blocks_spread_over_the_raster(tmp_path, tiled):
    """A 512 x 512 band whose value is the number of its 256 px tile (or its 64-row stripe): the sample holds whole
    blocks, from corner to corner of the raster."""
    rows, cols = np.indices((512, 512))
    data = (rows // 256 * 2 + cols // 256) if tiled else rows // 64
    profile = {"driver": "GTiff", "width": 512, "height": 512, "count": 1, "dtype": "uint16", "crs": CRS,
               "transform": T, **({"tiled": True, "blockxsize": 256, "blockysize": 256} if tiled else
                                  {"tiled": False, "blockysize": 64})}
    with rasterio.open(tmp_path / "b.tif", "w", **profile) as dst:
        dst.write(data.astype("uint16"), 1)
    with rasterio.open(tmp_path / "b.tif") as src:
        sample = block_sample(src, 1, pixels=256 * 256, min_blocks=4)
    counts = np.bincount(sample)
    if tiled:  # one tile's worth asked, at least 4 tiles read: all 4, whole
        assert counts.tolist() == [256 * 256] * 4
    else:  # 2 stripes' worth of pixels -> 4 stripes (the minimum), first and last included
        assert (counts > 0).sum() == 4 and counts[0] == counts[7] == 64 * 512

@pytest.mark.bad_input
def test_missing_band_names_file_and_band(tmp_path):
    f = s2_file(tmp_path / "noswir2.tif", bands=S2[:5] + ["SCL"], dn=(500, 800, 600, 3000, 2000))
    acq = Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a")
    with pytest.raises(KeyError, match=r"noswir2.tif: band 'B12' not found; the file has bands \[[^]]*\]\W*$"):
        check_acquisition(acq)


@pytest.mark.bad_input
def test_a_file_of_another_sensor_is_named_as_such(tmp_path):
    """A Landsat 5 Collection 2 Level-2 file listed as landsat8_c2l2 (its band names differ by one) is refused
    naming the sensors whose bands it has."""
    names = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B7", "ST_B6", "QA_PIXEL"]
    f = s2_file(tmp_path / "lt05.tif", bands=names, dn=(9000,) * 7)
    acq = Acquisition(str(f), date(2005, 7, 1), "landsat8_c2l2")
    with pytest.raises(KeyError, match=r"lt05.tif: band 'SR_B6' not found; .* its bands are those of "
                                       r"landsat5_c2l2 or landsat7_c2l2: list it as that sensor"):
        check_acquisition(acq)


@pytest.mark.bad_input
def test_unreadable_file(tmp_path):
    f = tmp_path / "broken.tif"
    f.write_bytes(b"this is not a GeoTIFF")
    with pytest.raises(OSError, match="broken.tif"):
        check_acquisition(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"))


@pytest.mark.bad_input
def test_wrong_scale_dn(tmp_path):
    f = s2_file(tmp_path / "x10.tif", dn=(5000, 8000, 16000, 30000, 20000, 12000))
    with pytest.raises(ValueError, match=r"x10.tif: band B04 has 100% of values above 10000"):
        check_acquisition(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"))


@pytest.mark.bad_input
def test_reflectance_clipped_to_uint8_is_refused(tmp_path):
    """Sentinel-2 DN squeezed into uint8 pass the scale check (all below 10000) but pile up at 255."""
    f = s2_file(tmp_path / "u8.tif", dn=(50, 80, 255, 255, 255, 120), dtype="uint8")
    with pytest.raises(ValueError, match=r"u8.tif: band B04 has 100% of values at 255, the largest value of uint8: "
                                         r"the data are saturated or clipped"):
        check_acquisition(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"))


@pytest.mark.bad_input
def test_a_few_saturated_pixels_are_reported(tmp_path, caplog):
    f = s2_file(tmp_path / "bright.tif")
    with rasterio.open(f, "r+") as dst:
        red = dst.read(3)
        red[0, :25] = 65535  # 1 % of the pixels
        dst.write(red, 3)
    check_acquisition(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"))
    assert "bright.tif: band B04 has 1.0 % of values at 65535" in caplog.text


@pytest.mark.bad_input
def test_wrong_scale_float_reflectance(tmp_path):
    f = s2_file(tmp_path / "float.tif", dn=(0.05, 0.08, 0.06, 0.3, 0.2, 0.12), scl=4, dtype="float32")
    with pytest.raises(ValueError, match=r"float.tif: band B02 holds floats 0–2"):
        check_acquisition(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"))


@pytest.mark.bad_input
def test_all_acquisitions_outside_season(tmp_path):
    path = scenes(tmp_path, [("a.tif", "2020-04-01", "sentinel2_l2a"), ("b.tif", "2020-11-01", "sentinel2_l2a")])
    with pytest.raises(ValueError, match=r"acquisitions.csv: no acquisition falls in the growing season.*2020-04-01"):
        ingest({"acquisitions": str(path)}, tmp_path, Grid(CRS, T, 50, 50), (6, 9), (2016, 2022))


def test_planned_grid_from_acquisition_bounds(tmp_path):
    """A local region without bounds: the grid is planned once from the acquisitions' footprints; ingest reads it."""
    s2_file(tmp_path / "a.tif")
    path = table(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a")])
    region = {"source": "local", "crs": CRS, "resolution": 10, "acquisitions": str(path),
              "aoi": aoi(tmp_path, (399000, 3300000, 402000, 3302000))}
    g = planned_grid(region, 10, tmp_path)
    assert (g.width, g.height) == (50, 50) and g.transform == T
    frame, sources = ingest({"acquisitions": str(path), "dem": "a.tif"}, tmp_path, g, (6, 9), (2016, 2022))
    assert frame["in_season"].tolist() == [True]
    assert sources["dem"] == str(tmp_path / "a.tif")


def aoi(tmp_path, bounds):
    import geopandas as gpd
    from shapely.geometry import box

    gpd.GeoDataFrame(geometry=[box(*bounds)], crs=CRS).to_file(tmp_path / "aoi.gpkg")
    return "aoi.gpkg"


@pytest.mark.bad_input
def test_a_far_off_acquisition_does_not_grow_the_grid_and_is_left_out(tmp_path, caplog):
    """Grid growth: one scene 50 km away would have grown a 50 x 50 px grid to 5050 x 50 px. The grid is the
    footprints cut to the study area; the far scene is named in a warning and left out of the table."""
    rows = [("a.tif", "2020-07-01", "sentinel2_l2a"), ("far.tif", "2020-07-11", "sentinel2_l2a")]
    path = scenes(tmp_path, rows, {"far.tif": from_origin(450000, 3301000, 10, 10)})
    region = {"source": "local", "crs": CRS, "resolution": 10, "acquisitions": str(path),
              "aoi": aoi(tmp_path, (399500, 3300200, 400300, 3300800))}
    g = planned_grid(region, 10, tmp_path)
    assert g.bounds == (400000, 3300500, 400300, 3300800) and g.shape == (30, 30)
    assert "far.tif" in caplog.text and "does not meet the study area" in caplog.text
    frame, _ = ingest({"acquisitions": str(path)}, tmp_path, g, (6, 9), (2016, 2022))
    assert [Path(p).name for p in frame["path"]] == ["a.tif"]
    assert "far.tif" in caplog.text and "has no data on the region grid" in caplog.text


@pytest.mark.bad_input
def test_an_acquisition_all_no_data_on_the_grid_is_left_out(tmp_path, caplog):
    path = scenes(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a")])
    s2_file(tmp_path / "empty.tif", dn=(0,) * 6, scl=0)
    path = table(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a"), ("empty.tif", "2020-07-11", "sentinel2_l2a")])
    frame, _ = ingest({"acquisitions": str(path)}, tmp_path, grid(), (6, 9), (2016, 2022))
    assert [Path(p).name for p in frame["path"]] == ["a.tif"]
    assert "empty.tif" in caplog.text and "has no data on the region grid" in caplog.text


def test_other_crs_is_reprojected(tmp_path):
    src = s2_file(tmp_path / "utm.tif", shape=(80, 80), transform=from_origin(399800, 3301200, 10, 10))
    dst_crs = "EPSG:3857"
    with rasterio.open(src) as s:
        transform, w, h = calculate_default_transform(s.crs, dst_crs, s.width, s.height, *s.bounds)
        data = s.read()
        out = np.zeros((s.count, h, w), data.dtype)
        for i in range(s.count):
            reproject(data[i], out[i], src_transform=s.transform, src_crs=s.crs, dst_transform=transform,
                      dst_crs=dst_crs, resampling=Resampling.nearest)
    f = tmp_path / "mercator.tif"
    with rasterio.open(f, "w", driver="GTiff", width=w, height=h, count=len(S2), dtype=out.dtype, crs=dst_crs,
                       transform=transform, nodata=0) as d:
        d.write(out)
        for i, b in enumerate(S2, 1):
            d.set_band_description(i, b)
    obs = read_observation(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"), grid(), conservative_scl=CONSERVATIVE_SCL)
    assert obs["clear"].all()
    np.testing.assert_allclose(obs["nir"], 0.3, atol=1e-4)
    np.testing.assert_allclose(obs["red"], 0.06, atol=1e-4)


@pytest.mark.bad_input
def test_year_with_no_valid_pixel_composites_to_zero_obs(tmp_path):
    f = s2_file(tmp_path / "cloudy.tif", scl=9)
    acq = Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a")
    blocks = list(composite_blocks([acq], [], grid(), block_rows=20, percentile=PERCENTILE,
                                   conservative_scl=CONSERVATIVE_SCL, statistic=STATISTIC))
    assert len(blocks) == 3
    for _, bands in blocks:
        assert (bands["n_obs"] == 0).all()
        assert np.isnan(bands["red"]).all()


@pytest.mark.bad_input
def test_the_same_scene_listed_twice_is_refused(tmp_path):
    """Two files of one date and sensor over the same area are one scene counted twice (adjacent tiles of one date
    are fine)."""
    path = scenes(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a"), ("copy.tif", "2020-07-01", "sentinel2_l2a")])
    with pytest.raises(ValueError, match=r"a.tif and .*copy.tif are both sentinel2_l2a of 2020-07-01"):
        ingest({"acquisitions": str(path)}, tmp_path, Grid(CRS, T, 50, 50), (6, 9), (2016, 2022))
    east = from_origin(400500, 3301000, 10, 10)  # the adjacent tile of the same date
    path = scenes(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a"), ("east.tif", "2020-07-01", "sentinel2_l2a")],
                  {"east.tif": east})
    frame, _ = ingest({"acquisitions": str(path)}, tmp_path, Grid(CRS, T, 100, 50), (6, 9), (2016, 2022))
    assert len(frame) == 2


@pytest.mark.bad_input
def test_a_file_listed_twice_is_refused_naming_the_rows(tmp_path):
    (tmp_path / "a.csv").write_text("path,date,sensor\nx.tif,2020-07-01,sentinel2_l2a\ny.tif,2020-07-02,sentinel2_l2a\n"
                                    "x.tif,2020-07-01,sentinel2_l2a\n")
    with pytest.raises(ValueError, match=r"a.csv: rows \[2, 4\] list the same file"):
        read_table(tmp_path / "a.csv")


def dem_file(path, transform=T, crs=CRS, value=100.0, shape=(50, 50)):
    with rasterio.open(path, "w", driver="GTiff", width=shape[1], height=shape[0], count=1, dtype="float32",
                       crs=crs, transform=transform, nodata=-9999) as dst:
        dst.write(np.full((1, *shape), value, np.float32))
    return path


@pytest.mark.bad_input
@pytest.mark.parametrize("case,match", [
    ("outside", r"dem .*dem.tif: no value on the region grid"),
    ("all nodata", r"dem .*dem.tif: no value on the region grid"),
    ("no crs", r"dem .*dem.tif: the raster has no CRS"),
])
def test_a_static_raster_that_does_not_cover_the_region_is_refused(tmp_path, case, match):
    """A DEM outside the region, all no data or without a CRS stops ingest naming the key and the file (before,
    a constant DEM flipped the sub-regions and dropped slope from the forest)."""
    s2_file(tmp_path / "a.tif")
    path = table(tmp_path, [("a.tif", "2020-07-01", "sentinel2_l2a")])
    if case == "outside":
        dem_file(tmp_path / "dem.tif", transform=from_origin(900000, 3301000, 10, 10))
    elif case == "all nodata":
        dem_file(tmp_path / "dem.tif", value=-9999)
    else:
        dem_file(tmp_path / "dem.tif", crs=None)
    with pytest.raises(ValueError, match=match):
        ingest({"acquisitions": str(path), "dem": "dem.tif"}, tmp_path, grid(), (6, 9), (2016, 2022))


@pytest.mark.bad_input
def test_a_static_raster_covering_part_of_the_region_is_reported(tmp_path, caplog):
    from minerestore.sources.local import check_static

    dem_file(tmp_path / "dem.tif", shape=(50, 20))  # the western 40 % of the region
    with caplog.at_level("WARNING"):
        share = check_static(str(tmp_path / "dem.tif"), "dem", grid())
    assert share == pytest.approx(0.4, abs=0.02) and "covers 40 % of the region grid" in caplog.text


def test_period_composites_read_each_scene_once_per_block_and_equal_each_period_alone(tmp_path, monkeypatch):
    """The vegetation period (two yearly windows) and the snow period (one window over both years) share their
    three scenes: written together, each scene is read once per block (3 scenes x 3 blocks of 20 rows), and each
    period's raster equals the one written alone (2 + 3 reads per block)."""
    july20 = Acquisition(str(s2_file(tmp_path / "a.tif", dn=(500, 800, 600, 3000, 2000, 1200))), date(2020, 7, 1),
                         "sentinel2_l2a")
    january = Acquisition(str(s2_file(tmp_path / "b.tif", scl=11)), date(2021, 1, 10), "sentinel2_l2a")  # snow
    july21 = Acquisition(str(s2_file(tmp_path / "c.tif", dn=(500, 800, 900, 1500, 2000, 1200))), date(2021, 7, 1),
                         "sentinel2_l2a")
    periods = {"vegetation": [[july20], [july21]], "snow": [[july20, january, july21]]}
    reads = []
    real = season.read_observation
    monkeypatch.setattr(season, "read_observation",
                        lambda a, *args, **kwargs: reads.append(a) or real(a, *args, **kwargs))

    def write(names, folder):
        folder.mkdir()
        paths = {n: folder / f"{n}.tif" for n in names}
        season.write_period_composites(paths, grid(), {n: periods[n] for n in names}, {n: {} for n in names},
                                       block_rows=20, percentile=PERCENTILE, conservative_scl=CONSERVATIVE_SCL)
        out = {}
        for n, path in paths.items():
            with rasterio.open(path) as src:
                out[n] = src.read()
        return out

    together = write(["vegetation", "snow"], tmp_path / "together")
    assert len(reads) == 3 * 3
    reads.clear()
    alone = {n: write([n], tmp_path / n)[n] for n in periods}
    assert len(reads) == (2 + 3) * 3
    for name in periods:
        np.testing.assert_array_equal(together[name], alone[name])
    ndvi_july21 = (0.15 - 0.09) / (0.15 + 0.09)  # lower than July 2020's (0.3 - 0.06) / 0.36: the lowest window
    np.testing.assert_allclose(together["vegetation"][0], ndvi_july21, rtol=1e-5)
    assert (together["snow"][1] == 2).all() and (together["snow"][2] == 1).all()  # n_obs 2 clear, n_snow 1


def raster_file(path, values, nodata=None, dtype="float32"):
    """A 50 x 50 raster over the test region with the given values (tiled), and the given declared no-data."""
    data = np.resize(np.asarray(values, dtype), (1, 50, 50))
    with rasterio.open(path, "w", driver="GTiff", width=50, height=50, count=1, dtype=dtype, crs=CRS, transform=T,
                       nodata=nodata) as dst:
        dst.write(data)
    return str(path)


@pytest.mark.bad_input
@pytest.mark.parametrize("key,values,nodata,match", [
    ("dem", [120.0, 135.5, -9999.0], None, r"dem .*: .* hold -9999, a fill value, but the file declares no no-data"),
    ("dem", [120.0, 40000.0], None, r"dem .*: values 120 to 40000 outside the contract's -500 to 9000 \(m"),
    ("lst", [22.5, 31.0], None, r"lst .*: values 22.5 to 31 outside .* degrees Celsius where kelvin is expected"),
    ("water_occurrence", [0.0, 0.35, 1.0], None, r"water_occurrence .*: values 0 to 1 - a fraction where percent"),
    ("water_history", [0, 1, 2, 4], 0, r"water_history .*: codes \[4\] found where JRC monthly history codes"),
    ("landcover", [10.0, 30.0, 255.0], None, r"landcover .*: .* hold 255, a fill value, but the file declares no no-data"),
    ("landcover", [10.0, 30.0, 255.0], 0, r"landcover .*: .* hold 255, a fill value, but the file declares 0 as its "
                                          r"no-data value"),
])
def test_an_auxiliary_raster_breaking_its_contract_is_refused(tmp_path, key, values, nodata, match):
    """Each auxiliary raster is checked against its contract at ingest: fill values passed off as data (a DEM's
    voids would become slopes of 89°; land cover's 255, declared or not, was read as a class), another unit or scale,
    codes outside the documented ones."""
    from minerestore.sources.local import check_static

    dtype = "uint8" if key in ("water_history", "landcover") else "float32"
    with pytest.raises(ValueError, match=match):
        check_static(raster_file(tmp_path / f"{key}.tif", values, nodata, dtype), key, grid())


def test_auxiliary_rasters_that_keep_their_contract_pass(tmp_path):
    from minerestore.sources.local import check_static

    for key, values, nodata, share in (("dem", [120.0, -9999.0], -9999.0, 0.5), ("lst", [290.0, 301.5], None, 1),
                                       ("water_occurrence", [0, 35, 100, 255], None, 1),
                                       ("water_history", [0, 1, 2], 0, 2 / 3)):
        dtype = "uint8" if key.startswith("water") else "float32"
        got = check_static(raster_file(tmp_path / f"{key}.tif", values, nodata, dtype), key, grid())
        assert got == pytest.approx(share, abs=0.02)  # declared no-data is no value


@pytest.mark.bad_input
def test_land_cover_classes_of_another_legend_are_named():
    from minerestore.sources.contract import absent_classes

    codes = np.array([[1, 2, 8], [8, np.nan, 255]])  # CLCD-like codes, 255 no data
    assert absent_classes(codes, 255, [50]) == ([50], [1, 2, 8])
    assert absent_classes(codes, 255, [8, 50]) == ([50], [1, 2, 8])


def test_the_bands_column_lists_what_an_acquisition_has(tmp_path):
    path = tmp_path / "acq.csv"
    path.write_text("path,date,sensor,bands\nS2_{band}.tif,2021-04-15,sentinel2_l2a,SCL\n"
                    "S2b_{band}.tif,2021-07-15,sentinel2_l2a,\n")
    snow_only, full = read_table(path)
    assert snow_only.bands == ("SCL",) and snow_only.native_bands() == ["SCL"] and full.bands is None


@pytest.mark.bad_input
def test_a_bands_cell_naming_other_bands_is_refused(tmp_path):
    path = tmp_path / "acq.csv"
    path.write_text("path,date,sensor,bands\nS2_{band}.tif,2021-04-15,sentinel2_l2a,\"['B04', 'SCL']\"\n")
    with pytest.raises(ValueError, match=r"row 2: bands \[\"\['B04',\", \"'SCL'\]\"\] are not bands of sentinel2_l2a"):
        read_table(path)


@pytest.mark.bad_input
def test_a_band_with_no_data_where_the_others_have_data_stays_no_data_when_warped(tmp_path):
    """A Sentinel-2 file off the grid by half a pixel (warped bilinear) whose B12 ends 20 rows before the other
    bands (a swath edge): those pixels are not clear and have no SWIR2. GDAL's default masked a pixel only where
    every band was no data, so B12's 0 was warped as data, moved to DN 1 and read as a clear reflectance of 1e-4."""
    f = s2_file(tmp_path / "edge.tif", transform=from_origin(400005, 3301005, 10, 10), shape=(60, 60))
    with rasterio.open(f, "r+") as dst:
        swir2 = dst.read(6)
        swir2[:20] = 0
        dst.write(swir2, 6)
    obs = read_observation(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"), grid(),
                           conservative_scl=CONSERVATIVE_SCL)
    # grid row r is centred on the edge of source rows r and r + 1: rows 0-18 read no-data B12 only, row 19 its
    # last no-data row and the first valid one (the masked kernel takes the valid one)
    assert not obs["clear"][:19].any() and np.isnan(obs["swir2"][:19]).all()
    assert obs["clear"][19:].all() and obs["swir2"][19:] == pytest.approx(0.12)


@pytest.mark.bad_input
@pytest.mark.parametrize("origin,shape", [((400000, 3301000), (50, 50)), ((400005, 3301005), (60, 60))],
                         ids=["on the grid", "warped"])
def test_a_declared_no_data_other_than_the_products_is_no_data_on_and_off_the_grid(tmp_path, origin, shape):
    """An int16 Sentinel-2 export whose no-data is -9999 (declared; SCL -9999 too, not a masked class): its fill
    pixels are not clear. A file already on the grid was read as it is and a warped one got -9999 where the
    products' fill (0) was asked (rasterio takes a dst_nodata of 0 for none): both passed -9999 on as a clear
    reflectance of -0.9999."""
    f = s2_file(tmp_path / "m9999.tif", dtype="int16", transform=from_origin(*origin, 10, 10), shape=shape)
    with rasterio.open(f, "r+") as dst:
        data = dst.read()
        data[:, :30] = -9999
        dst.write(data)
        dst.nodata = -9999
    obs = read_observation(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"), grid(),
                           conservative_scl=CONSERVATIVE_SCL)
    assert not obs["clear"][:29].any() and obs["clear"][30:].all()
    assert np.nanmin(obs["blue"]) == pytest.approx(0.05)


def _multiband(path, values, names, dtype, nodata=None, transform=T):
    """A file of constant bands ``values`` (one per name of ``names``) on a 50 x 50 px grid at ``transform``."""
    with rasterio.open(path, "w", driver="GTiff", width=50, height=50, count=len(names), dtype=dtype, crs=CRS,
                       transform=transform, nodata=nodata) as dst:
        for i, (v, name) in enumerate(zip(values, names), 1):
            dst.write(np.full((50, 50), v, dtype), i)
            dst.set_band_description(i, name)
    return path


def _s2_fill_undeclared(path):
    f = s2_file(path, dtype="int16")
    with rasterio.open(f, "r+") as dst:
        data = dst.read()
        data[:6, :10] = -9999  # the reflectance bands; SCL stays 4 (vegetation)
        dst.write(data)
        dst.nodata = None
    return f


L8_C2 = ["SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7", "ST_B10", "QA_PIXEL"]
L8_REFLECTANCE_DN = [round((r + 0.2) / 2.75e-5) for r in (0.05, 0.08, 0.06, 0.3, 0.2, 0.12)]


@pytest.mark.bad_input
@pytest.mark.parametrize("make,sensor,match", [
    (_s2_fill_undeclared, "sentinel2_l2a",
     r"band B02 has 500 sampled pixels of -9999 \(reflectance -0.9999\), below any sentinel2_l2a observation: a "
     r"fill value stored as data without a declared no-data value; declare it \(e.g. gdal_edit.py -a_nodata -9999"),
    (lambda p: s2_file(p, dn=(12, 20, 15, 76, 51, 30), dtype="uint8"), "sentinel2_l2a",
     r"band B02 is 8-bit \(uint8\), but sentinel2_l2a digital numbers reach 10000: the data were rescaled"),
    (lambda p: _multiband(p, [*L8_REFLECTANCE_DN, 300.0, 21824], L8_C2, "float32"), "landsat8_c2l2",
     r"band ST_B10 gives a median land-surface temperature of 150.0 K with the landsat8_c2l2 scale \(DN x 0.00341802 "
     r"\+ 149\), outside 200-350 K: the band holds kelvin or °C already"),
    (lambda p: _multiband(p, [300.0, 0], ["LST_Day_1km", "QC_Day"], "float32", transform=from_origin(400000, 3301000,
                                                                                                    1000, 1000)),
     "modis_mod11a2", r"median land-surface temperature of 6.0 K with the modis_mod11a2 scale"),
    (lambda p: s2_file(p), "sentinel2_l2a_pb04",
     r"band B02 has a median reflectance of -0.05 after the -0.1 offset of sentinel2_l2a_pb04: its DN carry no "
     r"\+1000 offset .*; list it as sentinel2_l2a"),
    (lambda p: s2_file(p), "sentinel2_l1c", r"has SCL, the scene classification of Level-2A, but is listed as "
                                             r"sentinel2_l1c \(Level-1C\); list it as sentinel2_l2a"),
], ids=["undeclared -9999", "rescaled to 8 bits", "Landsat ST in kelvin", "MODIS LST in kelvin",
        "harmonised DN as baseline 04.00", "Level-2A as Level-1C"])
def test_an_acquisition_in_another_encoding_is_refused(tmp_path, make, sensor, match):
    """Each of these read as numbers before: reflectance -0.9999 counted clear, reflectance /39, LST of 150 K and
    6 K, every band 0.1 too dark (a quarter of them negative); the Level-2A file failed on a missing band B01."""
    f = make(tmp_path / "scene.tif")
    with pytest.raises(ValueError, match=match):
        check_acquisition(Acquisition(str(f), date(2020, 7, 1), sensor))


@pytest.mark.bad_input
def test_raw_baseline_04_listed_without_its_offset_is_warned(tmp_path, caplog):
    """Raw DN of a baseline 04.00 product (+1000) in a renamed file (no _N0400_ in the name) listed as
    sentinel2_l2a read 0.1 too bright; the darkest pixel of every band at 1000 DN or more is warned (a scene of
    cloud or bright desert can be so too, hence not refused)."""
    raw = s2_file(tmp_path / "T50RKU_20220701.tif", dn=(1500, 1800, 1600, 4000, 3000, 2200))
    check_acquisition(Acquisition(str(raw), date(2022, 7, 1), "sentinel2_l2a"))
    assert "list it as sentinel2_l2a_pb04, or its reflectance reads 0.1 too high" in caplog.text
    caplog.clear()
    check_acquisition(Acquisition(str(s2_file(tmp_path / "dark.tif")), date(2022, 7, 1), "sentinel2_l2a"))
    assert "pb04" not in caplog.text


@pytest.mark.bad_input
def test_a_file_without_band_names_says_how_to_name_them(tmp_path):
    """A multi-band file from gdal_merge or a GIS export has no band descriptions: the message said the file had
    bands [None, None, …], which does not say what to do."""
    f = s2_file(tmp_path / "merged.tif", bands=[""] * 7)
    with pytest.raises(KeyError, match=r"merged.tif: band 'B02' not found; the file's 7 bands have no descriptions "
                                       r"\(names\): name each band .* or list one file per band with a \{band\}"):
        check_acquisition(Acquisition(str(f), date(2020, 7, 1), "sentinel2_l2a"))


SPREADSHEET_TABLES = {
    "semicolons": "path;date;sensor\na.tif;2020-07-01;sentinel2_l2a\nb.tif;2019-07-01;sentinel2_l2a\n",
    "tabs": "path\tdate\tsensor\na.tif\t2020-07-01\tsentinel2_l2a\nb.tif\t2019-07-01\tsentinel2_l2a\n",
    "a byte-order mark and Windows line ends": "\ufeffpath,date,sensor\r\na.tif,2020-07-01,sentinel2_l2a\r\n"
                                               "b.tif,2019-07-01,sentinel2_l2a\r\n",
    "capitalised headers, spaces after commas and empty trailing rows": "Path, Date, Sensor\na.tif, 2020-07-01, "
                                                                         "sentinel2_l2a\nb.tif, 2019-07-01, "
                                                                         "sentinel2_l2a\n,,\n,,\n",
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", SPREADSHEET_TABLES)
def test_a_table_as_spreadsheets_save_it_is_read(tmp_path, case):
    """Semicolons and tabs were 'missing column(s) path, date, sensor', capitals and spaces the same, a
    spreadsheet's trailing rows 'cannot parse date nan'."""
    (tmp_path / "t.csv").write_text(SPREADSHEET_TABLES[case], newline="")
    acqs = read_table(tmp_path / "t.csv")
    assert [(Path(a.path).name, a.date.isoformat(), a.sensor) for a in acqs] == [
        ("b.tif", "2019-07-01", "sentinel2_l2a"), ("a.tif", "2020-07-01", "sentinel2_l2a")]


@pytest.mark.bad_input
def test_a_table_in_a_code_page_says_to_save_it_as_utf8(tmp_path):
    """A table a spreadsheet saved in Windows-1252 (a path with é) failed with a bare UnicodeDecodeError."""
    (tmp_path / "t.csv").write_bytes("path,date,sensor\ncafé.tif,2020-07-01,sentinel2_l2a\n".encode("cp1252"))
    with pytest.raises(ValueError, match=r"t.csv: not UTF-8 text \(invalid continuation byte at byte 20\); save it as "
                                         r"'CSV UTF-8'"):
        read_table(tmp_path / "t.csv")
