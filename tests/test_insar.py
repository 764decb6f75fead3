"""InSAR activity: readers of MintPy HDF5 and GeoTIFF velocity (units, reference point, geocoding), pixel and mine
classes by hand, the cross-check with the optical trend, and bad inputs."""

import logging

import geopandas as gpd
import h5py
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_float
from minerestore.restoration import insar

GRID = Grid("EPSG:32650", Affine(10, 0, 400000, 0, -10, 3301000), 100, 100)
OPTIONS = {"buffer_km": 0.1, "threshold_mm_yr": 5.0, "min_coherence": 0.7, "min_coherent_share": 0.5,
           "min_patch_m2": 1000.0}
UNITS, DATASET, TILE_PX = "auto", None, 2048  # the schema's defaults: insar.units, insar.dataset, tiles.size_px


def mintpy(path, data, dataset="velocity", unit="m/year", ref=(0, 0), extra=None):
    """A geocoded MintPy file over GRID at 30 m."""
    with h5py.File(path, "w") as h5:
        h5.create_dataset(dataset, data=data)
        for key, value in (extra or {}).items():
            h5.create_dataset(key, data=value)
        h5.attrs.update({"FILE_TYPE": dataset, "UNIT": unit, "X_FIRST": 400000.0, "Y_FIRST": 3301000.0,
                         "X_STEP": 30.0, "Y_STEP": -30.0, "EPSG": "32650", "REF_Y": str(ref[0]), "REF_X": str(ref[1])})
    return path


def geotiff(path, data, crs="EPSG:32650", transform=Affine(30, 0, 400000, 0, -30, 3301000), units=None):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=np.nan) as dst:
        dst.write(data.astype(np.float32), 1)
        if units:
            dst.update_tags(1, units=units)
    return path


def read(path, units=UNITS):
    with insar.velocity_raster(path, units, DATASET) as (raster, factor):
        return read_float(raster, GRID, rasterio.enums.Resampling.nearest) * factor


def test_mintpy_velocity_in_m_per_year_is_read_in_mm_per_year_from_its_reference(tmp_path):
    data = np.full((34, 34), 0.004, np.float32)  # 4 mm/yr everywhere, the reference pixel moving 1 mm/yr
    data[2, 3] = 0.001
    v = read(mintpy(tmp_path / "velocity.h5", data, ref=(2, 3)))
    np.testing.assert_allclose(v[50, 50], 3.0, rtol=1e-5)
    assert v.shape == GRID.shape


def test_mintpy_timeseries_gives_the_least_squares_rate(tmp_path):
    dates = np.array([b"20190601", b"20200601", b"20210601"])
    series = np.broadcast_to(np.array([0.0, 0.012, 0.018])[:, None, None], (3, 34, 34)).copy()
    series[:, 0, 0] = 0.0  # the reference pixel is stable
    v = read(mintpy(tmp_path / "timeseries.h5", series.astype(np.float32), "timeseries", "m", (0, 0),
                    {"date": dates}))
    # least-squares slope of (0, 12, 18) mm over (0, 366, 731) days / 365.25, by hand
    t = np.array([0, 366, 731]) / 365.25
    slope = ((t - t.mean()) * (np.array([0, 12, 18]) - 10)).sum() / ((t - t.mean()) ** 2).sum()
    assert slope == pytest.approx(8.99, abs=0.01)
    np.testing.assert_allclose(v[50, 50], slope, rtol=1e-4)


def test_geotiff_in_another_crs_with_a_units_tag(tmp_path):
    from rasterio.warp import transform_bounds

    bounds = transform_bounds(GRID.crs, "EPSG:4326", *GRID.bounds)
    transform = rasterio.transform.from_bounds(*bounds, 50, 50)
    v = read(geotiff(tmp_path / "v.tif", np.full((50, 50), -0.012), "EPSG:4326", transform, units="m/yr"))
    np.testing.assert_allclose(v[10:90, 10:90], -12.0, rtol=1e-5)
    v = read(tmp_path / "v.tif", units="mm/yr")  # the declared units win over the tag
    np.testing.assert_allclose(v[10:90, 10:90], -0.012, rtol=1e-5)


@pytest.mark.bad_input
def test_an_hdf5_file_without_the_dataset_lists_what_it_has(tmp_path):
    path = mintpy(tmp_path / "other.h5", np.zeros((3, 3)), dataset="temporalCoherence")
    with pytest.raises(KeyError, match=r"other.h5: no dataset 'velocity or timeseries'; the file has "
                                       r"\['temporalCoherence'\]; set insar.dataset"):
        read(path)


@pytest.mark.bad_input
def test_velocity_in_m_per_year_declared_mm_per_year_is_warned(tmp_path, caplog):
    rng = np.random.default_rng(0)
    path = geotiff(tmp_path / "v.tif", rng.normal(0, 0.002, (34, 34)))
    with caplog.at_level(logging.WARNING):
        insar.check_velocity(read(path, units="mm/yr"), str(path), 5.0)
    assert "v.tif: 99 % of velocities are below 0.05 mm/yr: the values look like m/yr" in caplog.text


@pytest.mark.bad_input
def test_a_velocity_raster_off_the_region_is_refused_naming_it(tmp_path):
    path = geotiff(tmp_path / "elsewhere.tif", np.ones((10, 10)), transform=Affine(30, 0, 500000, 0, -30, 3301000))
    mines = gpd.GeoDataFrame({"mine_id": ["M1"]}, geometry=[box(400400, 3300400, 400600, 3300600)], crs=GRID.crs)
    with pytest.raises(ValueError, match=r"elsewhere.tif: the velocity raster has no value on the region grid"):
        insar.mine_activity(mines, GRID, str(path), 1.0, coherence_path=None, incidence_path=None, options=OPTIONS,
                            tile_px=TILE_PX)
    far = np.ones((10, 10), np.float32)  # a MintPy file off the region: the message names it, not its in-memory copy
    h5 = mintpy(tmp_path / "elsewhere.h5", far)
    with h5py.File(h5, "r+") as f:
        f.attrs["X_FIRST"] = 500000.0
    with insar.velocity_raster(h5, UNITS, DATASET) as (raster, factor), pytest.raises(
            ValueError, match=r"elsewhere.h5: the velocity raster has no value on the region grid"):
        insar.mine_activity(mines, GRID, raster, factor, coherence_path=None, incidence_path=None, options=OPTIONS,
                            tile_px=TILE_PX, source=str(h5))


def test_pixel_classes_by_hand():
    v = np.array([[4.9, 5.1, -5.1, np.nan], [0.0, 20.0, -20.0, 1.0]], np.float32)
    coherence = np.array([[0.9, 0.9, 0.9, 0.9], [0.9, 0.69, 0.9, np.nan]], np.float32)
    assert insar.pixel_classes(v, coherence, 5.0, 0.7).tolist() == [[0, 1, 2, 3], [0, 3, 2, 3]]


def test_a_patch_makes_a_mine_deform_isolated_pixels_do_not():
    """10 m pixels, 1000 m² minimum patch (10 px): scattered noise pixels are ignored, a 4 x 4 patch counts, and
    the larger deforming area gives the sign."""
    inside = np.ones((20, 20), bool)
    classes = np.zeros((20, 20), np.uint8)
    classes[::4, ::4] = insar.POSITIVE  # 25 isolated pixels: 250 m² but no patch
    assert insar.mine_class(classes, inside, 100.0, 1000.0, 0.5)[0] == "no_change"
    classes[10:14, 10:14] = insar.NEGATIVE  # 1600 m²
    label, stats = insar.mine_class(classes, inside, 100.0, 1000.0, 0.5)
    assert label == "negative" and stats["largest_negative_m2"] == 1600 and stats["n_negative"] == 16
    classes[0:5, 15:20] = insar.POSITIVE  # 2500 m² (joins one isolated pixel)
    assert insar.mine_class(classes, inside, 100.0, 1000.0, 0.5)[0] == "positive"


@pytest.mark.bad_input
def test_a_mine_with_all_pixels_decorrelated_is_decorrelated_not_no_change(tmp_path):
    velocity = geotiff(tmp_path / "v.tif", np.zeros((34, 34)))
    coherence = np.full((34, 34), 0.9, np.float32)
    coherence[10:24, 10:24] = 0.2  # 300 m of water round the mine
    coh = geotiff(tmp_path / "coh.tif", coherence)
    mines = gpd.GeoDataFrame({"mine_id": ["M1", "M2"]}, crs=GRID.crs,
                             geometry=[box(400450, 3300450, 400550, 3300550), box(400050, 3300050, 400150, 3300150)])
    out = insar.mine_activity(mines, GRID, str(velocity), 1.0, coherence_path=str(coh), incidence_path=None,
                              options=OPTIONS, tile_px=TILE_PX)
    assert out["insar_class"].tolist() == ["decorrelated", "no_change"]
    assert out.loc[0, "share_decorrelated"] == 1.0 and np.isnan(out.loc[0, "velocity_median"])


def test_incidence_turns_los_into_vertical(tmp_path):
    velocity = geotiff(tmp_path / "v.tif", np.full((34, 34), 3.0))  # stable in LOS
    incidence = geotiff(tmp_path / "inc.tif", np.full((34, 34), 60.0))  # cos 60° = 0.5: 6 mm/yr vertical
    mines = gpd.GeoDataFrame({"mine_id": ["M1"]}, geometry=[box(400400, 3300400, 400600, 3300600)], crs=GRID.crs)
    los = insar.mine_activity(mines, GRID, str(velocity), 1.0, coherence_path=None, incidence_path=None,
                              options=OPTIONS, tile_px=TILE_PX)
    vertical = insar.mine_activity(mines, GRID, str(velocity), 1.0, coherence_path=None, incidence_path=str(incidence),
                                   options=OPTIONS, tile_px=TILE_PX)
    assert los.loc[0, "insar_class"] == "no_change" and vertical.loc[0, "insar_class"] == "positive"
    assert vertical.loc[0, "velocity_median"] == pytest.approx(6.0)


def test_cross_table_and_disagreement():
    activity = pd.DataFrame({"mine_id": ["a", "b", "c", "d"],
                             "insar_class": ["positive", "no_change", "no_change", "decorrelated"]})
    status = pd.DataFrame({"mine_id": ["a", "b", "c", "d"], "status": ["abandoned", "active", "abandoned", "active"]})
    cross = insar.cross_table(activity, status)
    assert cross.loc["no_change", "abandoned"] == 1 and cross.loc["total", "total"] == 4
    assert list(cross.index) == ["positive", "decorrelated", "no_change", "total"]
    flags = insar.disagreement(activity["insar_class"], status["status"])
    assert flags.tolist() == [True, True, False, False]


def test_displacement_series_of_a_mine_by_hand(tmp_path):
    """Three dates; the mine's pixels sink 0, 6 and 10 mm, the reference pixel (far away) moves 0, 1, 2 mm:
    the mine's cumulative displacement is 0, -7, -12 mm (relative to the reference and the first date); the
    series is read in m (MintPy's UNIT) and given in mm."""
    dates = np.array([b"20190601", b"20191201", b"20200601"])
    series = np.zeros((3, 34, 34), np.float32)
    series[:, 30, 30] = [0.0, 0.001, 0.002]  # the reference pixel
    series[:, 10:20, 10:20] = np.array([0.0, -0.006, -0.010])[:, None, None]
    path = mintpy(tmp_path / "timeseries.h5", series, "timeseries", "m", (30, 30), {"date": dates})
    mine = gpd.GeoDataFrame({"mine_id": ["M1"]}, geometry=[box(400320, 3300420, 400580, 3300680)], crs="EPSG:32650")
    table = insar.displacement_series(mine, path, units="auto")  # the pixels it touches: rows and cols 10-19
    assert table["date"].tolist() == ["2019-06-01", "2019-12-01", "2020-06-01"]
    np.testing.assert_allclose(table["displacement_mm"], [0.0, -7.0, -12.0], atol=1e-4)
    assert (table["n_pixels"] > 0).all()


@pytest.mark.bad_input
def test_a_time_series_off_the_region_is_refused_naming_it(tmp_path):
    dates = np.array([b"20190601", b"20200601"])
    path = mintpy(tmp_path / "timeseries.h5", np.zeros((2, 34, 34), np.float32), "timeseries", "m", (0, 0),
                  {"date": dates})
    far = gpd.GeoDataFrame({"mine_id": ["M1"]}, geometry=[box(500000, 3300000, 500100, 3300100)], crs="EPSG:32650")
    with pytest.raises(ValueError, match=r"timeseries.h5: no mine reaches a pixel of the time series .* it is "
                                         r"off the region, or no data there; check its extent and CRS"):
        insar.displacement_series(far, path, units="auto")
    velocity = mintpy(tmp_path / "velocity.h5", np.zeros((34, 34), np.float32))
    with pytest.raises(KeyError, match=r"velocity.h5: no \['timeseries', 'date'\] dataset"):
        insar.displacement_series(far, velocity, units="auto")


def test_chosen_mines_are_the_fastest_deforming_ones_or_those_named():
    activity = pd.DataFrame({"mine_id": ["a", "b", "c", "d"], "velocity_median": [1.0, -20.0, 9.0, 30.0],
                             "insar_class": ["no_change", "negative", "positive", "decorrelated"]})
    assert insar.chosen_mines(activity, [], 3) == ["b", "c", "d"]
    assert insar.chosen_mines(activity, ["a"], 3) == ["a"]
    with pytest.raises(KeyError, match=r"insar.timeseries_mines: \['z'\] are not mines of the region"):
        insar.chosen_mines(activity, ["a", "z"], 3)
